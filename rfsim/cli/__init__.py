"""The ``rfsim`` command line: one module per command."""

from rfsim.cli.core import main

__all__ = ["main"]
