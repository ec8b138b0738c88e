"""rfsim.scenario."""
