"""Summaries of a sweep (rfsim.sweep.report): the Wilson interval and the
probabilities per design point."""

import numpy as np
import pytest

from rfsim.sweep import read_sweep, summarize
from rfsim.sweep.report import wilson


def test_wilson_interval():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10)[1] == 1.0
    assert all(np.isnan(wilson(0, 0)))


def test_summaries(baseline):
    rows = summarize(baseline[0])
    assert [(r["runs"], r["ok"], r["failed"]) for r in rows] == [(2, 2, 0), (2, 0, 2)] * 2
    c = read_sweep(baseline[0])["columns"]
    first = (c["point"] == 0) & (c["status"] == "ok")
    k = int(np.sum(c["metric/relief_predicted"][first] == 1))
    assert rows[0]["p_relief"] == k / 2 and rows[0]["relief_ci"] == pytest.approx(list(wilson(k, 2)))
    assert np.isnan(rows[1]["p_relief"])
    assert rows[2]["offset_mm"] == 2.0 and rows[2]["depth_mm"] == 2.5
