"""Tests of rfsim.scenario.ranges: every material key has a physical range, the
built-in values lie inside them, and the mesh ranges in file units are the
classes' SI ranges."""

import pytest

from rfsim.errors import ConfigError
from rfsim.physics.domain import MESH_RANGES, MeshSettings
from rfsim.physics.tissue import TISSUES, Metal
from rfsim.scenario.config import TISSUE_PROPS
from rfsim.scenario.ranges import MESH_FILE_RANGES, MESH_KEYS, METAL_KEYS, METAL_RANGES, TISSUE_RANGES, Range


def test_every_material_key_has_a_range():
    assert set(TISSUE_RANGES) == set(TISSUE_PROPS)
    assert set(METAL_RANGES) == set(METAL_KEYS)
    assert set(MESH_FILE_RANGES) == set(MESH_KEYS)


@pytest.mark.parametrize("name", sorted(TISSUES))
def test_the_built_in_tissues_are_inside_the_ranges(name):
    t = TISSUES[name]
    for key, r in TISSUE_RANGES.items():
        assert r.check(f"tissues.{name}.{key}", getattr(t, key)) == getattr(t, key)


def test_the_default_metal_and_mesh_are_inside_the_ranges():
    m = Metal()
    for key, (field, scale) in METAL_KEYS.items():
        METAL_RANGES[key].check(key, getattr(m, field) * scale)
    mesh = MeshSettings()
    for key, (field, scale) in MESH_KEYS.items():
        r = MESH_FILE_RANGES[key]
        MESH_FILE_RANGES[key].check(key, getattr(mesh, field) * scale)
        lo, hi = MESH_RANGES[field]
        assert r.lo == pytest.approx(lo * scale, rel=1e-12) and r.hi == pytest.approx(hi * scale, rel=1e-12)


def test_a_range_names_the_key_the_unit_and_the_source():
    with pytest.raises(ConfigError) as e:
        TISSUE_RANGES["sigma_s_per_m"].check("tissues.csf.sigma_s_per_m", 1e30)
    assert str(e.value) == ("tissues.csf.sigma_s_per_m = 1e+30: must lie in [0.001, 10] S/m "
                            "(physical range of tissues, docs/robustness.md)")


def test_scaled_ranges_lose_the_float_noise():
    r = Range(2e-3, 0.5).scaled(1e3, "mm")
    assert (r.lo, r.hi, r.unit) == (2.0, 500.0, "mm")
    assert Range(1e-6, 1e-3).scaled(1e6, "um").lo == 1.0


def test_the_ranges_are_in_the_docs():
    """docs/robustness.md gives every range with its source; the numbers agree."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "robustness.md").read_text()
    for key, r in {**TISSUE_RANGES, **METAL_RANGES}.items():
        assert f"`{key}` | {r.lo:g} | {r.hi:g} |" in doc, key
