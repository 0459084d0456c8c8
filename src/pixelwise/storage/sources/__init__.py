"""Adapters that read files to import from where they are: archives, folders, URLs."""
