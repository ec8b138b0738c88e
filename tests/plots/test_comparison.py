"""The layered-against-3-D figure (rfsim.plots.comparison) draws the gaps of
the numbers it is given, with the asked tolerances shaded."""

import numpy as np

from rfsim.plots.comparison import COMPARISON_DPI, CORD_SHARE_TOLERANCE, VOLUME_TOLERANCE, model_gap_figure


def _r(volume, share, ohm):
    return {"lesion_volume_mm3": volume, "cord_area_fraction": share, "impedance_ohm": ohm}


ROWS = {"default": [("leg", _r(36.0, 0.141, 1412.0), _r(45.0, 0.145, 604.0)),
                    ("arm", _r(42.0, 0.150, 1522.0), _r(42.0, 0.135, 594.0))],
        "wm isotropic": [("leg", _r(36.0, 0.141, 1412.0), _r(40.0, 0.140, 1303.0))]}


def test_gaps_per_placement_and_step(tmp_path):
    from matplotlib.figure import Figure

    fig = model_gap_figure(ROWS)
    assert isinstance(fig, Figure) and fig.dpi == COMPARISON_DPI
    vol, share, imp = fig.axes
    # one series per step, in order; the points are layered against 3-D
    x, _ = vol.lines[1].get_data()
    np.testing.assert_allclose(x, [100 * (36 / 45 - 1), 0.0])
    x, _ = share.lines[1].get_data()
    np.testing.assert_allclose(x, [-0.4, 1.5])
    x, y = imp.lines[2].get_data()
    np.testing.assert_allclose(x, [1412 / 1303])
    assert y[0] != 0.0  # offset from the placement's row, so steps do not overlap
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["asked: within", "default", "wm isotropic"]
    assert [t.get_text() for t in vol.get_yticklabels()] == ["leg", "arm"]
    # the tolerances asked of the layered model are shaded
    spans = [p.get_x() for ax in (vol, share) for p in ax.patches]
    assert np.allclose(sorted(spans), [-100 * VOLUME_TOLERANCE, -100 * CORD_SHARE_TOLERANCE])
    fig.savefig(tmp_path / "gap.png")
    assert (tmp_path / "gap.png").stat().st_size > 10_000
