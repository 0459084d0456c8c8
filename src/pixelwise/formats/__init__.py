"""Import and export of annotation formats: pure functions from files to domain objects and back."""
