"""The sweep figure (rfsim.plots.sweep) maps the summary rows it is given over
offset and depth; nothing joins the design points."""

import math

import numpy as np

from rfsim.plots.sweep import plot_summary


def _row(point, offset, depth, p_relief, p_cst, ok=4, runs=4, **design):
    return {"point": point, **design, "offset_mm": offset, "depth_mm": depth, "runs": runs, "ok": ok,
            "failed": runs - ok, "p_relief": p_relief if ok else math.nan,
            "relief_ci": [max(p_relief - 0.2, 0.0), min(p_relief + 0.2, 1.0)],
            "p_cst": p_cst if ok else math.nan, "cst_ci": [max(p_cst - 0.1, 0.0), min(p_cst + 0.1, 1.0)]}


def _cells(ax):
    """The map's image as (depth rows, offset columns)."""
    (image,) = ax.images
    return np.ma.filled(image.get_array().astype(float), np.nan)


def test_a_map_over_offset_and_depth_with_counts_and_no_lines(tmp_path):
    from matplotlib.figure import Figure

    rows = [_row(i, off, dep, 0.25 * i / 2, 0.1 * i / 3, **{"protocol.duration_s": 20.0})
            for i, (dep, off) in enumerate([(2.5, 2.0), (2.5, 1.0), (3.0, 1.0), (3.0, 2.0)])]
    rows.append(_row(4, 1.5, 3.0, 0.0, 0.0, ok=0, **{"protocol.duration_s": 20.0}))  # every run failed
    fig = plot_summary(rows)
    assert isinstance(fig, Figure)
    relief, cst = [ax for ax in fig.axes if ax.images]
    assert "relief" in relief.get_title() and "corticospinal" in cst.get_title()
    assert "duration_s 20" in relief.get_title()
    assert relief.get_xlabel().startswith("offset") and relief.get_ylabel().startswith("depth")
    assert [t.get_text() for t in relief.get_xticklabels()] == ["1", "1.5", "2"]
    assert [t.get_text() for t in relief.get_yticklabels()] == ["2.5", "3"]  # deeper down
    grid = _cells(relief)
    np.testing.assert_array_equal(grid[0], [0.125, np.nan, 0.0])  # depth 2.5: offsets 1, 1.5 (none), 2
    np.testing.assert_array_equal(grid[1], [0.25, np.nan, 0.375])  # depth 3: the failed point is grey
    texts = [t.get_text() for t in relief.texts]
    assert "all failed\n0/4" in texts and any(t.endswith("4/4") and t.startswith("12%") for t in texts), texts
    # nothing joins the design points: no line across a cliff
    assert all(len(line.get_xdata()) <= 1 for ax in fig.axes for line in ax.lines if line.get_visible())
    fig.savefig(tmp_path / "s.png", dpi=50)
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_one_row_of_maps_per_other_design_value():
    rows = [_row(i, off, 2.5, 0.5, 0.1, **{"protocol.duration_s": t})
            for i, (t, off) in enumerate([(30.0, 1.0), (30.0, 2.0), (60.0, 1.0), (60.0, 2.0)])]
    fig = plot_summary(rows)
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 4
    assert ["duration_s 30" in ax.get_title() for ax in maps] == [True, True, False, False]


def test_scattered_design_points_are_marked_where_they_are():
    rng = np.random.default_rng(3)
    rows = [_row(i, float(o), float(d), 1.0, 0.0) for i, (o, d) in
            enumerate(zip(rng.uniform(1.0, 2.5, 8), rng.uniform(2.0, 3.5, 8)))]
    fig = plot_summary(rows)
    relief = fig.axes[0]
    (points,) = relief.collections
    np.testing.assert_allclose(points.get_offsets(), [[r["offset_mm"], r["depth_mm"]] for r in rows])
    assert relief.yaxis_inverted()


def test_no_rows():
    fig = plot_summary([])
    assert "no runs" in fig.axes[0].texts[0].get_text()
