"""The figure of a sweep: maps over offset and depth of the probability of
relief and of corticospinal involvement, from the rows
:func:`rfsim.sweep.report.summarize` returns.  It draws the rows it is given
and computes nothing.

Each design point is a cell of the map (offset across, depth down, as the
needle goes in), coloured by its probability and labelled with it, its 95 %
Wilson interval and its run count; nothing joins points, so a cliff between
neighbouring placements shows as the step it is.  Design points that are not
on a grid (sampled offsets and depths) are drawn as marks at their place.
Other design parameters give one row of maps per value.

matplotlib is imported inside the function, and the figure is drawn on its own
Agg canvas: no backend is switched and no pyplot state is touched.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_PLACEMENT_KEYS = ("placement.offset_mm", "placement.depth_mm")
#: Most rows of maps drawn (one per combination of the other design parameters).
MAX_FACETS = 4
#: The two maps: probability key, interval key, title and a colour-blind-safe
#: colour map (the CST's light at 0, where it is spared).
_MAPS = (("p_relief", "relief_ci", "P(relief predicted)", "viridis"),
         ("p_cst", "cst_ci", "P(corticospinal tract reached)", "magma_r"))


def _value_label(v) -> str:
    """A design parameter's value in a label (floats to 4 digits)."""
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _cell_text(r, p, ci) -> str:
    if math.isnan(r[p]):
        return f"all failed\n0/{r['runs']}"
    return f"{r[p]:.0%}\n[{r[ci][0]:.0%}, {r[ci][1]:.0%}]\n{r['ok']}/{r['runs']}"


def _ink(cmap, value) -> str:
    """Black or white text, whichever reads on the cell's colour."""
    red, green, blue, _ = cmap(value)
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def _grid_map(ax, rows, p, ci, cmap, fontsize):
    offs = sorted({r["offset_mm"] for r in rows})
    deps = sorted({r["depth_mm"] for r in rows})
    grid = np.full((len(deps), len(offs)), np.nan)
    at = {}
    for r in rows:
        i, j = deps.index(r["depth_mm"]), offs.index(r["offset_mm"])
        grid[i, j] = r[p]
        at[(i, j)] = r
    ax.set_facecolor("#EDEDED")  # a place with no design point, or no finished run
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0, vmax=1.0, origin="upper", aspect="auto",
                      interpolation="nearest")
    for (i, j), r in at.items():
        colour = "#333333" if math.isnan(r[p]) else _ink(cmap, r[p])
        ax.text(j, i, _cell_text(r, p, ci), ha="center", va="center", fontsize=fontsize, color=colour,
                linespacing=1.15)
    ax.set_xticks(range(len(offs)), [f"{v:g}" for v in offs])
    ax.set_yticks(range(len(deps)), [f"{v:g}" for v in deps])
    # thin white rules between the cells
    ax.set_xticks(np.arange(len(offs) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(deps) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.tick_params(which="minor", length=0)
    return image


def _scatter_map(ax, rows, p, cmap):
    x = np.array([r["offset_mm"] for r in rows], float)
    y = np.array([r["depth_mm"] for r in rows], float)
    v = np.array([r[p] for r in rows], float)
    image = ax.scatter(x, y, c=np.ma.masked_invalid(v), cmap=cmap.with_extremes(bad="#EDEDED"), vmin=0.0,
                       vmax=1.0, s=110, marker="s", edgecolors="#333333", linewidths=0.5, plotnonfinite=True)
    if len(rows) <= 30:
        for r, xi, yi in zip(rows, x, y):
            text = "failed" if math.isnan(r[p]) else f"{r[p]:.0%} ({r['ok']}/{r['runs']})"
            ax.annotate(text, (xi, yi), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=7)
    ax.invert_yaxis()  # deeper down, as the needle goes in
    ax.grid(alpha=0.3)
    return image


def plot_summary(rows: list) -> Figure:
    """Maps over offset and depth of the probabilities of relief and of
    corticospinal tract (CST) involvement (see the module docstring).

    Parameters
    ----------
    rows : list of dict
        One per design point, as :func:`rfsim.sweep.report.summarize` returns
        them: ``offset_mm`` and ``depth_mm`` (mm), ``runs``, ``ok``,
        ``p_relief``, ``relief_ci``, ``p_cst``, ``cst_ci`` (probabilities,
        [low, high] intervals) and the design parameters by their dotted keys.

    Returns
    -------
    matplotlib.figure.Figure
        Two maps per row of other design parameters, 11 in wide; the caller
        saves it (``fig.savefig(path, dpi=120)``).
    """
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    others = [k for k in (rows[0] if rows else {}) if "." in k and k not in _PLACEMENT_KEYS]
    facets = {}
    for r in rows:
        key = tuple(r[k] for k in others)
        facets.setdefault(key, []).append(r)
    shown = list(facets.items())[:MAX_FACETS] or [((), [])]
    # about square cells: a row of maps as tall as its depths need
    depths = max((len({r["depth_mm"] for r in rs}) for _, rs in shown), default=1)
    fig = Figure(figsize=(11.0, 0.6 + min(4.0, 1.5 + 0.85 * depths) * len(shown)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_2d(fig.subplots(len(shown), 2, squeeze=False))
    for (key, rs), row_axes in zip(shown, axes):
        pairs = {(r["offset_mm"], r["depth_mm"]) for r in rs}
        n_off = len({o for o, _ in pairs})
        n_dep = len({d for _, d in pairs})
        on_grid = bool(rs) and n_off * n_dep <= 2 * len(pairs)
        cells = n_off * n_dep
        fontsize = 8.5 if cells <= 16 else 7 if cells <= 42 else 5.5
        label = ", ".join(f"{k.rpartition('.')[2]} {_value_label(v)}" for k, v in zip(others, key))
        for ax, (p, ci, title, cmap_name) in zip(row_axes, _MAPS):
            cmap = colormaps[cmap_name]
            if not rs:
                ax.text(0.5, 0.5, "no runs stored yet", ha="center", va="center", transform=ax.transAxes)
                ax.set_axis_off()
                continue
            image = (_grid_map(ax, rs, p, ci, cmap, fontsize) if on_grid
                     else _scatter_map(ax, rs, p, cmap))
            ax.set_title(title + (f"; {label}" if label else ""), fontsize=10)
            ax.set_xlabel("offset anterior to the dentate ligament (mm)")
            ax.set_ylabel("depth past the pia (mm)")
            fig.colorbar(image, ax=ax, shrink=0.85, format=lambda v, _pos: f"{v:.0%}")
    if rows:
        note = ("each design point: probability, [95 % Wilson interval] on a grid, finished/all runs; "
                "grey: no finished run")
        if len(facets) > len(shown):
            note += f"; first {len(shown)} of {len(facets)} combinations of " + ", ".join(others) + " shown"
        fig.suptitle(note, fontsize=8.5, color="#444444")
    return fig
