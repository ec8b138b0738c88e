"""Probabilities with Wilson intervals, percentiles, and the lesion map's encoding."""

import numpy as np
import pytest

from rfsim.sweep.report import wilson
from rfsim.uncertainty import probability_map as pm
from rfsim.uncertainty.summary import percentiles, summarize_draws


def _row(relief, spared, vh, cord, margin, status="ok"):
    return {"status": status, "metric/relief_predicted": relief, "metric/cst_spared": spared,
            "metric/ventral_horn_lesioned_fraction": vh, "metric/cord_area_fraction": cord,
            "metric/cst_margin_mm": margin}


def test_probabilities_and_intervals():
    rows = [_row(True, True, 0.0, 0.1, 0.5), _row(True, False, 0.3, 0.2, -0.1), _row(False, True, 0.005, 0.05, None),
            {"status": "failed", "error": "ConfigError: x"}]
    s = summarize_draws(rows, 0.01)
    assert (s["draws"], s["draws_ok"], s["draws_failed"]) == (4, 3, 1)
    assert s["p_relief"] == pytest.approx(2 / 3) and s["p_relief_ci"] == list(wilson(2, 3))
    assert s["p_cst_reached"] == pytest.approx(1 / 3)
    assert s["p_ventral_horn"] == pytest.approx(1 / 3)
    lo, hi = s["p_cst_reached_ci"]
    assert 0 < lo < 1 / 3 < hi < 1
    assert s["cord_area_fraction_percentiles"]["p50"] == pytest.approx(0.1)
    assert s["cst_margin_mm_percentiles"]["p50"] == pytest.approx(0.2)  # None left out
    assert s["failed_reasons"] == ["ConfigError: x"]


def test_percentiles_without_values():
    assert percentiles([None, float("nan")]) == {"p5": None, "p25": None, "p50": None, "p75": None, "p95": None}


def test_map_encoding_round_trip_and_average():
    rng = np.random.default_rng(0)
    shape = (pm.U_EDGES.size - 1, pm.V_EDGES.size - 1)
    a, b = rng.random(shape) < 0.5, rng.random(shape) < 0.5
    np.testing.assert_array_equal(pm.decode(pm.encode(a)), a)
    p = pm.probability([pm.encode(a), pm.encode(b), None])
    np.testing.assert_allclose(p, (a.astype(float) + b) / 2)
