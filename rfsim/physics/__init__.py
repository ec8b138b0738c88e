"""rfsim.physics."""
