"""The impedance chart (rfsim.plots.impedance) draws the readings it is given
over the expected bands."""

import numpy as np

from rfsim.plots.impedance import IMPEDANCE_DPI, SHEPHERD_BANDS_OHM, plot_impedance

ROWS = [{"depth_mm": -0.5, "impedance_ohm": 98.0, "tissue": "csf"},
        {"depth_mm": 0.0, "impedance_ohm": 109.0, "tissue": "pia"},
        {"depth_mm": 1.0, "impedance_ohm": 160.0, "tissue": "cord"},
        {"depth_mm": 2.5, "impedance_ohm": 1412.0, "tissue": "cord"}]


def test_impedance_against_depth_over_the_bands(tmp_path):
    from matplotlib.figure import Figure

    fig = plot_impedance(ROWS, "a title", tip_length_mm=2.0)
    assert isinstance(fig, Figure) and fig.dpi == IMPEDANCE_DPI
    (ax,) = fig.axes
    assert ax.get_title() == "a title"
    # the readings, joined in depth order, and marked by where the tip is
    x, y = next(line.get_data() for line in ax.lines if len(line.get_xdata()) == 4)
    np.testing.assert_array_equal(x, [-0.5, 0.0, 1.0, 2.5])
    np.testing.assert_array_equal(y, [98.0, 109.0, 160.0, 1412.0])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"expected: CSF < 200 Ω", "expected: pia < 400 Ω", "expected: cord > 700 Ω"} <= set(labels)
    assert {"tip in CSF", "tip in the pia", "tip in the cord"} <= set(labels)
    # the shaded bands are Shepherd's
    spans = sorted((round(p.get_y(), 6), round(p.get_y() + p.get_height(), 6)) for p in ax.patches)
    assert (0.0, 200.0) in spans and (200.0, 400.0) in spans
    assert any(lo == SHEPHERD_BANDS_OHM["cord"][0] for lo, _ in spans)
    assert ax.get_ylim()[1] > 1412.0
    assert any("whole exposed tip" in t.get_text() for t in ax.texts)
    fig.savefig(tmp_path / "z.png")
    assert (tmp_path / "z.png").stat().st_size > 10_000
