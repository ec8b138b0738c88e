"""The ``rfsim`` command line: one module per command (see :mod:`rfsim.cli.main`)."""

from rfsim.cli.main import main

__all__ = ["main"]
