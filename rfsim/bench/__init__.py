"""rfsim.bench.core."""
