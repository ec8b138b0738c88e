"""The cross-section figure (rfsim.plots.cross_section) draws the anatomy, the
placement and the needle path it is given."""

import pytest

from rfsim.anatomy.parametric import load_parametric
from rfsim.cordotomy.placement import Placement, needle_path
from rfsim.plots import save_figure
from rfsim.plots.cross_section import CROSS_SECTION_DPI, draw_cross_section, plot_cross_section


@pytest.fixture(scope="module")
def anat():
    return load_parametric()


def test_figure_of_the_needle_in_the_cord(anat, tmp_path):
    from matplotlib.figure import Figure

    placement = Placement.default("arm")
    fig = plot_cross_section(anat, placement, needle_path(anat, placement))
    assert isinstance(fig, Figure) and fig.dpi == CROSS_SECTION_DPI
    (ax,) = fig.axes
    assert "target arm" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "exposed tip (2 mm)" in labels and "STT leg" in labels
    out = save_figure(fig, tmp_path / "x.png")
    assert out == tmp_path / "x.png" and out.stat().st_size > 20_000


def test_anatomy_alone_and_a_placement_needs_its_needle(anat):
    from matplotlib.figure import Figure

    fig = plot_cross_section(anat)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any(label.startswith("exposed tip") for label in labels)
    with pytest.raises(ValueError, match="needle path"):
        draw_cross_section(Figure().add_subplot(), anat, Placement.default("leg"))
