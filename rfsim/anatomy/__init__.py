"""rfsim.anatomy.model."""
