"""The figure of a sweep: probabilities of relief and of corticospinal
involvement per design point, from the rows :func:`rfsim.sweep.report.summarize`
returns.  It draws the rows it is given and computes nothing.

matplotlib is imported inside the function, and the figure is drawn on its own
Agg canvas: no backend is switched and no pyplot state is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_PLACEMENT_KEYS = ("placement.offset_mm", "placement.depth_mm")


def _value_label(v) -> str:
    """A design parameter's value in a legend entry (floats to 4 digits)."""
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def plot_summary(rows: list) -> Figure:
    """Probabilities of relief and of corticospinal tract (CST) involvement,
    with their 95 % Wilson intervals as error bars.

    Drawn against the offset, one line per depth (against the depth, one line
    per offset, when only the depth varies); other design parameters, if any,
    are named in the line labels.

    Parameters
    ----------
    rows : list of dict
        One per design point, as :func:`rfsim.sweep.report.summarize` returns
        them: ``offset_mm`` and ``depth_mm`` (mm), ``p_relief``, ``relief_ci``,
        ``p_cst``, ``cst_ci`` (probabilities, [low, high] intervals) and the
        design parameters by their dotted keys.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels side by side, 10 x 4.2 in; the caller saves it
        (``fig.savefig(path, dpi=120)``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    offsets = {r["offset_mm"] for r in rows}
    x_key, line_key = ("offset_mm", "depth_mm") if len(offsets) > 1 or not rows else ("depth_mm", "offset_mm")
    others = [k for k in (rows[0] if rows else {}) if "." in k and k not in _PLACEMENT_KEYS]
    groups = {}
    for r in rows:
        label = f"{line_key.replace('_mm', '')} {r[line_key]:g} mm" + "".join(
            f", {k.rpartition('.')[2]} {_value_label(r[k])}" for k in others)
        groups.setdefault(label, []).append(r)
    for ax, p, ci, title in ((axes[0], "p_relief", "relief_ci", "relief predicted"),
                             (axes[1], "p_cst", "cst_ci", "corticospinal tract involved")):
        for label, rs in groups.items():
            rs = sorted(rs, key=lambda r: r[x_key])
            x = np.array([r[x_key] for r in rs])
            y = np.array([r[p] for r in rs])
            lo = np.array([r[ci][0] for r in rs])
            hi = np.array([r[ci][1] for r in rs])
            ax.errorbar(x, y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)], marker="o", capsize=3, label=label)
        ax.set_title(f"P({title})")
        ax.set_xlabel(x_key.replace("_mm", " (mm)"))
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("probability (95 % Wilson CI)")
    # past a dozen lines a legend hides the data it labels
    if len(groups) <= 12:
        axes[1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
