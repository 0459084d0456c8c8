"""Where the bytes of assets and exports live: a small port with one adapter per backend."""
