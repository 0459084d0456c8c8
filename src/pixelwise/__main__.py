"""`python -m pixelwise` is the `pixelwise` command."""

from pixelwise.cli.main import run

run()
