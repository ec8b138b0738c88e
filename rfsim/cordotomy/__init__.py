"""rfsim.cordotomy."""
