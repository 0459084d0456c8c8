"""AI assistance: the protocols that classical tools and learned models implement, and their registry."""
