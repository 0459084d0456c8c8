"""The `pixelwise` command line: serve, worker, migrate, config, users, tokens."""
