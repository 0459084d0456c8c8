"""AI assistance: the protocols that classical tools and learned models implement; a registry."""
