"""rfsim.plots.style: the contours drawn without a ContourSet look as
matplotlib's contour and contourf draw them."""

import numpy as np
import pytest


def _pixels(draw):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.0, 2.0), dpi=80)
    ax = fig.add_subplot()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-1.5, 1.5)
    draw(ax)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.fixture
def field():
    x, y = np.linspace(-2, 2, 61), np.linspace(-1.5, 1.5, 47)
    z = np.exp(-(x[:, None] ** 2 + (y[None, :] - 0.2) ** 2))  # (nx, ny), drawn as z.T
    z[:3, :3] = np.nan  # a hole, as a temperature field outside the domain
    return x, y, z.T


@pytest.mark.parametrize("ls", ["solid", "--", ":"])
def test_contour_line_draws_as_ax_contour(field, ls):
    from rfsim.plots.style import contour_line

    x, y, z = field
    ref = _pixels(lambda ax: ax.contour(x, y, z, levels=[0.5], colors=["#0072B2"], linewidths=1.3, linestyles=ls))
    got = _pixels(lambda ax: contour_line(ax, x, y, z, 0.5, colour="#0072B2", lw=1.3, ls=ls))
    assert (ref != got).any(axis=2).mean() < 1e-3
    assert (ref != 255).any()  # something was drawn


def test_contour_line_gives_the_pieces(field):
    from matplotlib.figure import Figure

    from rfsim.plots.style import contour_line

    x, y, z = field
    ax = Figure().add_subplot()
    ref = ax.contour(x, y, z, levels=[0.5]).allsegs[0]
    _, pieces = contour_line(ax, x, y, z, 0.5, colour="k", lw=1)
    assert len(pieces) == len(ref)
    for a, b in zip(pieces, ref):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("style", [dict(colour="#D55E00", alpha=0.3), dict(colour="none", hatch="xxxx")])
def test_contour_fill_draws_as_ax_contourf(field, style):
    from rfsim.plots.style import contour_fill

    x, y, z = field
    kw = dict(colors=[style["colour"]], alpha=style.get("alpha"))
    if "hatch" in style:
        kw["hatches"] = [style["hatch"]]
    ref = _pixels(lambda ax: ax.contourf(x, y, z, levels=[0.5, 2.0], **kw))
    got = _pixels(lambda ax: contour_fill(ax, x, y, z, 0.5, 2.0, **style))
    assert (ref != got).any(axis=2).mean() < 1e-3
    assert (ref != 255).any()
