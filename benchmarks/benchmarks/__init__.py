"""asv benchmarks of rfsim (issue 7); see ../README.md."""
