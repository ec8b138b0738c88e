"""rfsim.plots.core."""
