"""Fixtures of the sweep tests: one small sweep on two local worker processes,
run once per session and shared by every test that needs stored runs (runs are
tiny: one 20 s lesion, ~0.5 s each)."""

import pytest

from rfsim.sweep import load_sweep, run_sweep

from .support import SPEC_TOML


@pytest.fixture(scope="session")
def spec_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("spec") / "spec.toml"
    p.write_text(SPEC_TOML)
    return p


@pytest.fixture(scope="session")
def baseline(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "sweep.h5"
    stats = run_sweep(load_sweep(spec_file), out, workers=2, progress=False)
    return out, stats
