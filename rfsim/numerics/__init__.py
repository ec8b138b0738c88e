"""rfsim.numerics."""
