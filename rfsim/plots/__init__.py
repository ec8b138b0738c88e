"""Figures: functions that draw what they are given into a
:class:`matplotlib.figure.Figure` and return it, and :func:`save_figure` to
write one.  None switches the matplotlib backend or imports pyplot.

* :mod:`rfsim.plots.cross_section`: the C1-C2 cross-section (``rfsim anatomy --plot``);
* :mod:`rfsim.plots.prediction`: a prediction for a planner (``rfsim predict --plot``);
* :mod:`rfsim.plots.impedance`: impedance while advancing (``rfsim impedance --plot``);
* :mod:`rfsim.plots.sweep`: maps of a sweep (``rfsim sweep-report``);
* :mod:`rfsim.plots.comparison`: the layered model against the 3-D one (``scripts/layered_vs_3d.py``);
* :mod:`rfsim.plots.lesion` and :mod:`rfsim.plots.style`: what they share.

Nothing here imports matplotlib until a figure module is imported, so that
importing rfsim never needs matplotlib itself.  :func:`figure_suffixes` lists
the file extensions :func:`save_figure` can write, for checking a ``--plot``
path before any work (:func:`rfsim.outputs.check_output`); :func:`render_png`
gives a figure as PNG bytes from one rendering (the planning page).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


#: Formats matplotlib lists but rfsim does not offer: PGF needs a LaTeX installation
#: when the figure is written (its text is typeset by LaTeX).
_UNOFFERED_FORMATS = ("pgf",)


@lru_cache(maxsize=1)
def figure_suffixes() -> tuple:
    """File extensions a figure can be written to (``.png``, ``.pdf``, ``.svg``...):
    the formats of matplotlib's canvas, each tried on an empty figure so that
    a format needing a missing library (Pillow's AVIF, say) is not offered."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.1, 0.1), dpi=10)
    out = []
    for fmt in sorted(fig.canvas.get_supported_filetypes()):
        if fmt in _UNOFFERED_FORMATS:
            continue
        try:
            fig.savefig(io.BytesIO(), format=fmt)
        except Exception:  # noqa: BLE001 - any failure means the format cannot be offered
            continue
        out.append("." + fmt)
    return tuple(out)


def save_figure(fig, path, *, crop: bool = False) -> Path:
    """Write a figure to a file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Written at its own resolution (``fig.dpi``).
    path : str or Path
        The file; its suffix gives the format (PNG for ``.png``).
    crop : bool
        Crop the page to what is drawn (matplotlib's ``bbox_inches="tight"``).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    # fig.dpi, not "figure": matplotlib's "figure" means the dpi the figure was made with
    fig.savefig(out, dpi=fig.dpi, bbox_inches="tight" if crop else None)
    return out


#: Margin (in) left around what is drawn when a figure is cropped: matplotlib's
#: ``savefig.pad_inches`` default, so both crops frame a figure alike.
CROP_PAD_IN = 0.1


def render_png(fig, *, crop: bool = False, compress_level: int = 6) -> bytes:
    """A figure as PNG bytes, drawn once at its own resolution (``fig.dpi``).

    ``crop`` cuts the image to what is drawn plus :data:`CROP_PAD_IN`, as
    :func:`save_figure` with ``crop=True`` does, from the one rendering: what
    is drawn is found in the pixels (those not of the figure's background).
    matplotlib's ``bbox_inches="tight"`` draws the figure twice (once to
    measure it), and measuring the artists' boxes after one drawing still
    costs a quarter of it (0.1 s of a prediction figure's 0.45 s): the
    pixels take milliseconds.  The box of the pixels lies within the
    artists' boxes (a text's box holds its line's full height), so the crop
    can be a few pixels tighter than :func:`save_figure`'s (tests/plots).
    A figure drawn up to its own edge (a long title, say) may draw past it:
    it is drawn again on the larger page, as :func:`save_figure` does.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    crop : bool
    compress_level : int
        zlib level of the PNG, 0-9: 1 writes several times faster than the
        default 6 for a file about 5 % larger.

    Returns
    -------
    bytes
    """
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba
    from matplotlib.image import imsave

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    buf = io.BytesIO()
    if crop:
        h, w = rgba.shape[:2]
        ground = np.round(np.array(to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
        drawn = (rgba != ground).any(axis=2)
        rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
        if rows.size and (rows[0] == 0 or cols[0] == 0 or rows[-1] == h - 1 or cols[-1] == w - 1):
            # drawn up to the figure's edge, perhaps past it: only a second drawing has what lies beyond
            fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight", pad_inches=CROP_PAD_IN,
                        pil_kwargs={"compress_level": compress_level})
            return buf.getvalue()
        if rows.size:
            pad = round(CROP_PAD_IN * fig.dpi)
            rgba = rgba[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            rgba = np.concatenate([np.broadcast_to(ground, (pad,) + rgba.shape[1:]), rgba,
                                   np.broadcast_to(ground, (pad,) + rgba.shape[1:])], axis=0)
            side = np.broadcast_to(ground, (rgba.shape[0], pad, 4))
            rgba = np.concatenate([side, rgba, side], axis=1)
    imsave(buf, rgba, format="png", pil_kwargs={"compress_level": compress_level})
    return buf.getvalue()
