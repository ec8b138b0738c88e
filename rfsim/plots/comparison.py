"""The layered model against the 3-D model, step by step
(``scripts/layered_vs_3d.py``): how far the layered lesion volume, cord share
and impedance are from the 3-D ones at each placement, as the differences
between the two models are switched off one after the other.

It draws the numbers it is given and computes only their differences.
matplotlib is imported inside the function; no backend is switched and no
pyplot state is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.plots.style import OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the comparison figure.
COMPARISON_DPI = 130
#: What the layered model is asked to match (issue 12): the 3-D lesion volume
#: within 15 % and its cord area share within 1 point.
VOLUME_TOLERANCE = 0.15
CORD_SHARE_TOLERANCE = 0.01

_STEP_COLOURS = (OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"],
                 OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"])
_STEP_MARKERS = ("o", "s", "D", "^", "v", "P")


def model_gap_figure(rows: dict) -> Figure:
    """Layered minus 3-D, per placement, for each step of switching differences off.

    Parameters
    ----------
    rows : dict
        Step name -> list of ``(placement, layered, three_d)``; ``layered`` and
        ``three_d`` are dicts with ``lesion_volume_mm3`` (mm3),
        ``cord_area_fraction`` (0-1) and ``impedance_ohm`` (ohm).  Steps are
        drawn in the order given, placements in the order first met.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels side by side: the volume gap (layered / 3-D - 1, %), the
        cord share gap (percentage points) and the impedance ratio (layered /
        3-D), with the tolerances of :data:`VOLUME_TOLERANCE` and
        :data:`CORD_SHARE_TOLERANCE` shaded and one legend of the steps
        below them; 11 x 4.4 in at :data:`COMPARISON_DPI`.
    """
    from matplotlib.figure import Figure

    places = list(dict.fromkeys(p for step in rows.values() for p, _, _ in step))
    fig = Figure(figsize=(11.0, 4.4), dpi=COMPARISON_DPI, layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    panels = (("lesion volume: layered / 3-D - 1 (%)", lambda a, b: 100 * (a["lesion_volume_mm3"]
                                                                            / b["lesion_volume_mm3"] - 1),
               100 * VOLUME_TOLERANCE),
              ("cord area share: layered - 3-D (points)", lambda a, b: 100 * (a["cord_area_fraction"]
                                                                              - b["cord_area_fraction"]),
               100 * CORD_SHARE_TOLERANCE),
              ("impedance: layered / 3-D", lambda a, b: a["impedance_ohm"] / b["impedance_ohm"], None))
    y = np.arange(len(places))
    # steps side by side within a placement's row, the row's label in the middle
    offset = np.linspace(-0.25, 0.25, len(rows)) if len(rows) > 1 else np.zeros(1)
    for ax, (title, gap, tol) in zip(axes, panels):
        if tol is not None:
            ax.axvspan(-tol, tol, color="#E8E8E8", zorder=0, label="asked: within" if ax is axes[0] else None)
            ax.axvline(0.0, color="#777777", lw=0.8)
        else:
            ax.axvline(1.0, color="#777777", lw=0.8)
        for k, (step, items) in enumerate(rows.items()):
            xs = [gap(a, b) for _, a, b in items]
            ys = [places.index(p) + offset[k] for p, _, _ in items]
            ax.plot(xs, ys, ls="none", marker=_STEP_MARKERS[k % len(_STEP_MARKERS)],
                    color=_STEP_COLOURS[k % len(_STEP_COLOURS)], label=step)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", color="#DDDDDD", lw=0.6)
    axes[0].set_yticks(y, places)
    axes[0].set_ylim(len(places) - 0.5, -0.5)  # the first placement on top
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    return fig
