"""The prediction figure (rfsim.plots.prediction) draws a prediction and its
cross-section fields."""

from dataclasses import replace

from rfsim.physics.generator import Protocol
from rfsim.plots import save_figure
from rfsim.plots.prediction import PREDICTION_DPI, plot_prediction
from rfsim.prediction import cordotomy_scenario, cross_section, predict


def test_prediction_figure(tmp_path):
    from matplotlib.figure import Figure

    pr = predict(replace(cordotomy_scenario(), protocol=Protocol.clinical(1, duration_s=10.0, cooling_s=1.0)))
    fig = plot_prediction(pr, cross_section(pr))
    assert isinstance(fig, Figure) and fig.dpi == PREDICTION_DPI
    assert len(fig.axes) == 5  # the cross-section and four traces
    assert "relief" in fig.get_suptitle()
    cropped = save_figure(fig, tmp_path / "p.png", crop=True)
    assert cropped.stat().st_size > 20_000
