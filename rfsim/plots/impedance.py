"""The impedance chart of ``rfsim impedance --plot``: impedance against the
depth of the tip as the electrode advances from the CSF through the pia into
the cord, over the bands a generator's reading is checked against.

It draws the rows it is given (:func:`rfsim.prediction.impedance_profile`) and
computes nothing.  matplotlib is imported inside the function; no backend is
switched and no pyplot state is touched.
"""

from __future__ import annotations

import textwrap

from typing import TYPE_CHECKING

import numpy as np

from rfsim.plots.style import COLOURS, OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the impedance chart.
IMPEDANCE_DPI = 130
#: The impedance bands of CT-guided cordotomy (ohm): below 200 with the tip in
#: the CSF, below 400 at the pial surface, above 700 in the cord (Shepherd TM
#: et al., AJNR 2017;38:387-390: "<200 ohm for CSF, <400 ohm for pial surface,
#: and >700 ohm for cord parenchyma").
SHEPHERD_BANDS_OHM = {"csf": (0.0, 200.0), "pia": (200.0, 400.0), "cord": (700.0, None)}

_TISSUE_STYLE = {"csf": (OKABE_ITO["sky_blue"], "o", "tip in CSF"),
                 "pia": (OKABE_ITO["reddish_purple"], "s", "tip in the pia"),
                 "cord": (OKABE_ITO["orange"], "D", "tip in the cord")}


def plot_impedance(rows: list, title: str = "", tip_length_mm: float | None = None) -> Figure:
    """Impedance against tip depth, with the expected bands shaded.

    Parameters
    ----------
    rows : list of dict
        ``{"depth_mm", "impedance_ohm", "tissue"}`` per reading, tissue
        ``"csf"``, ``"pia"`` or ``"cord"`` (as ``rfsim impedance --json``).
    title : str
        Stated above the chart (the placement, say).
    tip_length_mm : float, optional
        Exposed tip length (mm): marks the depth past which the whole exposed
        tip is in the cord, where the reading jumps.

    Returns
    -------
    matplotlib.figure.Figure
        7.5 x 4.6 in at :data:`IMPEDANCE_DPI`; write it with
        :func:`rfsim.plots.save_figure`.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    depth = np.array([r["depth_mm"] for r in rows], float)
    z = np.array([r["impedance_ohm"] for r in rows], float)
    tissue = [r["tissue"] for r in rows]
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.add_subplot()
    top = max(float(np.nanmax(z)) * 1.12 if z.size else 0.0, 1000.0)
    handles = []
    for name, (lo, hi) in SHEPHERD_BANDS_OHM.items():
        col, _, _ = _TISSUE_STYLE[name]
        hi_ = top if hi is None else hi
        ax.axhspan(lo, hi_, color=col, alpha=0.18, lw=0, zorder=0)
        edge = lo if hi is None else hi
        ax.axhline(edge, color=col, lw=1.0, ls="--", zorder=1)
        text = f"cord > {lo:g} Ω" if hi is None else f"{'CSF' if name == 'csf' else 'pia'} < {hi:g} Ω"
        handles.append(Patch(facecolor=col, alpha=0.35, edgecolor=col, ls="--", label=f"expected: {text}"))
    # where the tip end meets the pia
    ax.axvline(0.0, color=COLOURS["pia"], lw=1.0, zorder=1)
    ax.annotate("pia", (0.0, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3), textcoords="offset points",
                ha="left", va="top", fontsize=8, color=COLOURS["pia"])
    if tip_length_mm is not None:
        ax.axvline(tip_length_mm, color="#444444", lw=1.0, ls=":", zorder=1)
        ax.annotate("whole exposed tip in the cord", (tip_length_mm, 0.0), xycoords=("data", "axes fraction"),
                    xytext=(-3, 4), textcoords="offset points", ha="right", va="bottom", fontsize=8,
                    color="#444444")
    ax.plot(depth, z, color="#444444", lw=1.0, zorder=2)
    for name, (col, marker, label) in _TISSUE_STYLE.items():
        sel = np.array([t == name for t in tissue], bool)
        if sel.any():
            ax.plot(depth[sel], z[sel], ls="none", marker=marker, ms=5.5, mfc=col, mec="black", mew=0.6, zorder=3)
            handles.append(Line2D([], [], ls="none", marker=marker, ms=6, mfc=col, mec="black", mew=0.6, label=label))
    ax.set_ylim(0.0, top)
    if depth.size:
        pad = 0.04 * max(float(depth.max() - depth.min()), 0.5)
        ax.set_xlim(depth.min() - pad, depth.max() + pad)
    ax.set_xlabel("tip end past the pia (mm; < 0: still in the CSF)")
    ax.set_ylabel("impedance (Ω)")
    ax.grid(alpha=0.25)
    ax.legend(handles=handles, fontsize=8, loc="upper left", frameon=True, framealpha=0.9)
    # wrapped: the axes are narrower than a full scenario description
    ax.set_title(textwrap.fill(title or "impedance as the electrode advances", 85), fontsize=10)
    fig.set_dpi(IMPEDANCE_DPI)
    return fig
