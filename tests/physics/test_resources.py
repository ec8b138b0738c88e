"""Tests of rfsim.physics.resources: a grid larger than the memory is refused in
one line before anything is allocated, and a long run is announced."""

import pytest

from rfsim.errors import ConfigError
from rfsim.physics import resources
from rfsim.physics.generator import GeneratorSettings, Protocol
from rfsim.physics.simulation import NumericsSettings


def test_available_memory_is_known_here():
    avail = resources.available_memory_bytes()
    assert avail is not None and avail > 10_000_000


def test_a_grid_beyond_the_memory_is_refused(monkeypatch):
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 1_000_000_000)
    resources.require_memory(50_000, "axisymmetric", "refine = 1", "coarsen")
    with pytest.raises(ConfigError) as e:
        resources.require_memory(100_000, "axisymmetric", "refine = 4", "coarsen [mesh]")
    assert str(e.value) == ("mesh = 'refine = 4': the grid would have 1e+05 cells and need about 1.6 GB, "
                            "more than the 1 GB available: coarsen [mesh]")


def test_the_default_run_is_not_long_and_a_tiny_step_is():
    est = resources.estimate_run(6160, "axisymmetric", Protocol.clinical(3), GeneratorSettings(), NumericsSettings())
    assert est.steps == 3 * resources.STEPS_PER_LESION and est.warning(4.0) is None
    tiny = NumericsSettings(dt_max_s=1e-4)
    est = resources.estimate_run(6160, "axisymmetric", Protocol.clinical(3), GeneratorSettings(), tiny)
    assert est.steps == 3_000_000
    assert "about 51.3 hours (3,000,000 time steps of at most numerics.dt_max_s = 0.0001 s" in est.warning(1e-4)


def test_the_warning_comes_before_the_run():
    """rfsim.runner.run and rfsim.prediction.predict call warn() before simulating."""
    from rfsim.runner import run
    from rfsim.scenario.config import Scenario

    class Stop(Exception):
        pass

    said = []

    def warn(message):
        said.append(message)
        raise Stop

    with pytest.raises(Stop):
        run(Scenario(numerics=NumericsSettings(dt_max_s=1e-4)), warn=warn)
    assert "hours" in said[0]
