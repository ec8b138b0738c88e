"""The sweep figure (rfsim.plots.sweep) draws the summary rows it is given."""

import numpy as np

from rfsim.plots.sweep import plot_summary


def _row(point, offset, depth, p_relief, p_cst, **design):
    return {"point": point, **design, "offset_mm": offset, "depth_mm": depth, "runs": 4, "ok": 4, "failed": 0,
            "p_relief": p_relief, "relief_ci": [max(p_relief - 0.2, 0.0), min(p_relief + 0.2, 1.0)],
            "p_cst": p_cst, "cst_ci": [max(p_cst - 0.1, 0.0), min(p_cst + 0.1, 1.0)]}


def test_one_line_per_depth_against_offset_with_other_parameters_in_the_labels(tmp_path):
    from matplotlib.figure import Figure

    rows = [_row(i, off, dep, 0.25 * i / 2, 0.1 * i / 3, **{"protocol.duration_s": 20.0})
            for i, (dep, off) in enumerate([(2.5, 2.0), (2.5, 1.0), (3.0, 1.0), (3.0, 2.0)])]
    fig = plot_summary(rows)
    assert isinstance(fig, Figure)
    relief, cst = fig.axes
    assert relief.get_xlabel() == "offset (mm)" and "relief" in relief.get_title()
    labels = [t.get_text() for t in cst.get_legend().get_texts()]
    assert labels == ["depth 2.5 mm, duration_s 20", "depth 3 mm, duration_s 20"]
    x, y = relief.lines[0].get_data()  # the first depth's line, sorted by offset
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_array_equal(y, [0.125, 0.0])
    fig.savefig(tmp_path / "s.png", dpi=50)
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_against_depth_when_only_the_depth_varies():
    fig = plot_summary([_row(0, 1.5, 2.0, 1.0, 0.0), _row(1, 1.5, 3.0, 0.5, 0.5)])
    assert fig.axes[0].get_xlabel() == "depth (mm)"
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["offset 1.5 mm"]
