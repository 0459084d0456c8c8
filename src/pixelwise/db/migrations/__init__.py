"""Alembic migrations of the Pixelwise schema."""
