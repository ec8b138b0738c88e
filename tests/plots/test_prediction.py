"""The prediction figure (rfsim.plots.prediction) draws a prediction and its
cross-section fields: zoomed on the lesion side, in radiological orientation
whatever the side, the lesion only in the cord, and the reason for the verdict
drawn."""

from dataclasses import replace

import numpy as np
import pytest

from rfsim.physics.generator import Lesion, Protocol
from rfsim.plots import save_figure
from rfsim.plots.prediction import PREDICTION_DPI, plot_prediction, zoom_window
from rfsim.plots.style import COLOURS
from rfsim.prediction import cordotomy_scenario, cross_section, predict

SHORT = Protocol.clinical(1, duration_s=10.0, cooling_s=1.0)


def _predict(protocol=SHORT, **placement):
    pr = predict(replace(cordotomy_scenario(**placement), protocol=protocol))
    return pr, cross_section(pr)


@pytest.fixture(scope="module")
def right():
    return _predict(side="right")


@pytest.fixture(scope="module")
def left():
    return _predict(side="left")


@pytest.fixture(scope="module")
def reached():
    """A placement close to the corticospinal tract, hot enough to reach it."""
    return _predict(Protocol.clinical(1, set_temperature_c=90.0, duration_s=30.0, cooling_s=1.0), offset_mm=1.0)


def _render(fig):
    """The figure's pixels (RGB, rows from the top) on an Agg canvas of its own."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def _lesion_pixels(fig, ax, rgb):
    """Display coordinates (x, y from the bottom) of the pixels inside ``ax``
    drawn in the lesion's outline colour."""
    target = np.array([int(COLOURS["lesion"][i:i + 2], 16) for i in (1, 3, 5)])
    near = np.abs(rgb - target).sum(axis=-1) < 40
    h = rgb.shape[0]
    bb = ax.get_window_extent()
    rows, cols = np.nonzero(near)
    x, y = cols + 0.5, h - rows - 0.5
    inside = (x > bb.x0) & (x < bb.x1) & (y > bb.y0) & (y < bb.y1)
    return np.c_[x[inside], y[inside]]


def _panels(fig):
    zoom, inset = fig.axes[0], fig.axes[1]
    return zoom, inset


def test_prediction_figure(right, tmp_path):
    from matplotlib.figure import Figure

    pr, section = right
    fig = plot_prediction(pr, section)
    assert isinstance(fig, Figure) and fig.dpi == PREDICTION_DPI
    # the zoomed panel, the whole cord, the legend and four traces
    assert len(fig.axes) == 7
    assert "relief" in fig.get_suptitle().lower()
    cropped = save_figure(fig, tmp_path / "p.png", crop=True)
    assert cropped.stat().st_size > 20_000


def test_the_panel_zooms_on_the_lesion_side(right):
    pr, section = right
    x0, x1, y0, y1 = zoom_window(section, pr.path, "leg")
    bx0, bx1, by0, by1 = (v * 1e3 for v in pr.anatomy.bbox_m)
    # well under the whole cord's width, and on the lesion side (x > 0)
    assert x1 - x0 < 0.6 * (bx1 - bx0)
    assert 0.5 * (x0 + x1) > 0.2 * bx1
    tip = np.array(pr.path.tip_m[:2]) * 1e3
    assert x0 < tip[0] < x1 and y0 < tip[1] < y1


def _mirrored(px, midline, sign):
    """Pixels as (signed distance from the midline, height), whole pixels."""
    return {(int(round(sign * (x - midline))), int(y)) for x, y in px}


def _near(a, b):
    """Share of the pixels of ``a`` with a pixel of ``b`` at most one pixel away."""
    grown = {(x + dx, y + dy) for x, y in b for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
    return len(a & grown) / len(a)


def test_radiological_a_right_lesion_is_on_the_image_left_and_sides_mirror(right, left):
    found = {}
    for side, (pr, section) in (("right", right), ("left", left)):
        fig = plot_prediction(pr, section)
        rgb = _render(fig)
        zoom, inset = _panels(fig)
        for name, ax in (("zoom", zoom), ("inset", inset)):
            px = _lesion_pixels(fig, ax, rgb)
            assert len(px) > 50, (side, name)
            found[side, name] = (px, ax.transData.transform((0.0, 0.0))[0])
        # the subject's right on the image's left whatever the side
        assert zoom.xaxis_inverted() == (side == "right")
    for name in ("zoom", "inset"):
        (pr_, mr), (pl_, ml) = found["right", name], found["left", name]
        # the right lesion lies left of the midline on the image, the left one right of it
        assert (pr_[:, 0] < mr).all() and (pl_[:, 0] > ml).all(), name
        # and the two drawings are mirror images, to a pixel
        r, l = _mirrored(pr_, mr, -1.0), _mirrored(pl_, ml, 1.0)
        assert _near(r, l) > 0.98 and _near(l, r) > 0.98, name


def test_the_lesion_is_drawn_only_in_the_cord(right):
    pr, section = right
    # the damage field reaches into the CSF, so the clip has work to do
    assert (section.lesion & (section.regions["cord"] < 0.5)).sum() > 50
    fig = plot_prediction(pr, section)
    rgb = _render(fig)
    for ax in _panels(fig):
        px = _lesion_pixels(fig, ax, rgb)
        x, y = ax.transData.inverted().transform(px).T  # mm
        # one pixel of slack for the anti-aliased edge
        slack = abs(ax.transData.inverted().transform((1.0, 0.0))[0] - ax.transData.inverted().transform((0.0, 0.0))[0])
        inside = pr.anatomy.outline.contains(x * 1e-3, y * 1e-3, slack * 1e-3)
        assert inside.all(), (ax.get_title(), int((~inside).sum()))


def test_the_reason_for_the_verdict_is_drawn(right, reached):
    pr, section = reached
    assert not pr.summary["cst_spared"] and pr.summary["cst_margin_mm"] < 0
    fig = plot_prediction(pr, section)
    zoom = fig.axes[0]
    texts = [t.get_text() for t in zoom.texts]
    assert any("lesion in the CST" in t and "deep" in t for t in texts), texts
    legend = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert "lesion in the CST" in legend
    assert "CST REACHED" in fig.get_suptitle()
    pr, section = right
    assert pr.summary["cst_spared"] and pr.summary["cst_margin_mm"] > 0
    fig = plot_prediction(pr, section)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"margin {pr.summary['cst_margin_mm']:.2f} mm" in texts, texts
    assert "lesion in the CST" not in [t.get_text() for t in fig.axes[2].get_legend().get_texts()]


def test_the_title_states_the_protocol_lesion_by_lesion():
    protocol = Protocol((Lesion(70.0, 5.0), Lesion(80.0, 5.0)), cooling_s=1.0)
    pr, section = _predict(protocol)
    fig = plot_prediction(pr, section)
    words = " ".join(t.get_text() for t in fig.texts)
    assert "70, 80 C for 5 s each" in words
    assert "2 x 70" not in words


def test_a_figure_drawn_again_is_the_new_figure(right, left, reached):
    """PredictionFigure (the planning page's, drawn at every change) draws
    each prediction as plot_prediction draws it into a new figure, whatever
    it drew before: another side, another lesion, one reaching the tract
    and one sparing it, the neurological view, and the first again."""
    from rfsim.plots.prediction import PredictionFigure

    again = PredictionFigure()
    for (pr, section), radiological in ((right, True), (left, True), (reached, True), (right, False),
                                        (left, False), (right, True)):
        new = _render(plot_prediction(pr, section, radiological=radiological))
        drawn = again.draw(pr, section, radiological=radiological)
        assert drawn is again.fig and drawn.dpi == PREDICTION_DPI and len(drawn.axes) == 7
        differ = (_render(drawn) != new).any(axis=-1)
        assert differ.mean() < 1e-4, (pr.summary["side"], radiological, differ.mean())


def test_the_whole_cross_section_is_kept_for_one_anatomy_and_view(right, left, reached):
    """The whole cross-section's anatomy stays from one placement to the
    next in one anatomy, target and view, and is drawn anew for another
    side (another anatomy) or view; the needle and lesion never stay."""
    from rfsim.plots.prediction import PredictionFigure

    again = PredictionFigure()
    inset = again.fig.axes[1]
    own = set(inset.get_children())  # the Axes' own: its background, spines, axes and titles

    def drawn(pr_section, radiological=True):
        again.draw(*pr_section, radiological=radiological)
        return set(inset.get_children()) - own

    first = drawn(right)
    kept = first & drawn(reached)
    assert len(kept) > 20  # the tract outlines, fills and layers
    assert len(first - kept) >= 4  # the needle's shaft, tip and entry, the zoom's frame
    assert not kept & drawn(left)
    assert not drawn(left, radiological=False) & drawn(left)


def test_a_drawing_that_failed_leaves_nothing_behind(right, reached):
    """A drawing that raises half-way (here: no time series) does not leave
    its half in the next one."""
    from rfsim.plots.prediction import PredictionFigure

    pr, section = reached
    again = PredictionFigure()
    again.draw(*right)
    broken = replace(pr, result=replace(pr.result, series={}))
    with pytest.raises(KeyError):
        again.draw(broken, section)
    differ = (_render(again.draw(pr, section)) != _render(plot_prediction(pr, section))).any(axis=-1)
    assert differ.mean() < 1e-4
