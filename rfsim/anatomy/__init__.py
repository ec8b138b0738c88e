"""The C1-C2 cross-section: names, shapes and regions, the Anatomy, and its two
sources (the parametric model of meshes/c1c2.toml and the PAM50 atlas)."""
