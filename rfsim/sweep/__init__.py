"""rfsim.sweep.core."""
