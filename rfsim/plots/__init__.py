"""Figures: functions that draw what they are given into a
:class:`matplotlib.figure.Figure` and return it, and :func:`save_figure` to
write one.  None switches the matplotlib backend or imports pyplot.

* :mod:`rfsim.plots.cross_section`: the C1-C2 cross-section (``rfsim anatomy --plot``);
* :mod:`rfsim.plots.prediction`: a prediction for a planner (``rfsim predict --plot``);
* :mod:`rfsim.plots.impedance`: impedance while advancing (``rfsim impedance --plot``);
* :mod:`rfsim.plots.sweep`: maps of a sweep (``rfsim sweep-report``);
* :mod:`rfsim.plots.lesion` and :mod:`rfsim.plots.style`: what they share.

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
