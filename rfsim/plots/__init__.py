"""Figures: functions that draw what they are given into a
:class:`matplotlib.figure.Figure` (:mod:`rfsim.plots.cross_section`,
:mod:`rfsim.plots.prediction`), and :func:`save_figure` to write one.

Nothing here imports matplotlib until a figure module is imported, so that
importing rfsim never needs matplotlib itself.
"""

from __future__ import annotations

from pathlib import Path


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
