"""The version of rfsim, stated once (pyproject.toml reads it)."""

__version__ = "0.1.0"
