"""What every figure shares: a colour-blind-safe palette, the names drawn on
the tracts, radiological orientation and a scale bar.

Colours are Okabe and Ito's (*Color Universal Design*, 2008) for everything a
planner decides on, and Paul Tol's muted scheme for the other tracts of the
atlas figure; no meaning rests on colour alone (the lesion is an outline, the
overlap with the corticospinal tract is hatched, every tract is labelled).
"""

from __future__ import annotations

import numpy as np

#: Okabe-Ito colours.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7"}

#: What each thing in a cross-section is drawn with.
COLOURS = {
    "beyond": "#F2E9DD",          # tissue beyond the dura (muscle)
    "dura": "#A6A6A6",
    "csf": "#DDEEF9",
    "pia": "#5E5E5E",             # a dark rim: the cord's edge
    "white_matter": "#FBFAF4",
    "grey_matter": "#DCDCDC",
    "outline": "#333333",
    "cst": OKABE_ITO["blue"],
    "stt_target": OKABE_ITO["yellow"],
    "stt_other": "#FBF6C4",       # the other spinothalamic zones, a pale yellow
    "lesion": OKABE_ITO["vermillion"],
    "overlap": OKABE_ITO["reddish_purple"],
    "tip": "#1A1A1A",             # the exposed tip: a neutral dark
    "shaft": "#FFFFFF",           # the insulated shaft: white, outlined
    "dentate": OKABE_ITO["bluish_green"],
    "isotherm": "#3C3C3C",
    "other_tract": "#7A7A7A",     # outlines of tracts not in the verdict
}

#: Fills of the tracts in the atlas figure (every tract coloured): Paul Tol's
#: muted scheme, the corticospinal tract in the Okabe-Ito blue of the
#: prediction figure.
ATLAS_TRACT_COLOURS = {
    "lateral_corticospinal": OKABE_ITO["blue"],
    "rubrospinal": "#CC6677",
    "dorsal_spinocerebellar": "#117733",
    "ventral_spinocerebellar": "#44AA99",
    "dorsal_columns": "#999933",
    "ventral_funiculus": "#88CCEE",
}
#: Fills of the somatotopic zones of the spinothalamic tract in the atlas
#: figure, light to dark along the zones (a colour-blind-safe yellow-brown ramp).
ATLAS_ZONE_COLOURS = {"stt_arm": "#FFF7BC", "stt_trunk": "#FEE391", "stt_leg": "#FEC44F", "stt_sacral": "#EC7014"}

#: Short names drawn on the regions, and their long names for the legend.
ABBREVIATIONS = {
    "lateral_corticospinal": ("CST", "lateral corticospinal tract"),
    "rubrospinal": ("RuST", "rubrospinal tract"),
    "dorsal_spinocerebellar": ("DSCT", "dorsal spinocerebellar tract"),
    "ventral_spinocerebellar": ("VSCT", "ventral spinocerebellar tract"),
    "dorsal_columns": ("DC", "dorsal columns"),
    "ventral_funiculus": ("VF", "ventral funiculus"),
    "ventral_horn": ("VH", "ventral horn"),
    "dorsal_horn": ("DH", "dorsal horn"),
    "intermediate_zone": ("IZ", "intermediate zone"),
    "stt_arm": ("arm", "STT arm zone"),
    "stt_trunk": ("trunk", "STT trunk zone"),
    "stt_leg": ("leg", "STT leg zone"),
    "stt_sacral": ("sacral", "STT sacral zone"),
}
#: Tracts drawn as fills (the atlas figure) or outlines (the prediction).
OTHER_TRACTS = ("rubrospinal", "dorsal_spinocerebellar", "ventral_spinocerebellar", "dorsal_columns",
                "ventral_funiculus")
#: Subdivisions of the grey matter, drawn as dotted outlines on it.
HORNS = ("ventral_horn", "dorsal_horn", "intermediate_zone")


def orient(ax, side: str, radiological: bool = True, letters: bool = True) -> None:
    """Set the x direction of a cross-section panel and mark the subject's sides.

    The cross-section's x axis points toward the lesion side (``side``).  In
    radiological orientation the subject's right is on the image's left
    whatever the side, as on the CT the planner works from, so a right-sided
    lesion is drawn on the left; ``radiological=False`` gives the neurological
    orientation (the subject's right on the right).  Call it after the limits
    are set.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    side : {"right", "left"}
        The subject's side at x > 0.
    radiological : bool
    letters : bool
        Write R, L, A and P at the panel's edges.
    """
    x0, x1 = sorted(ax.get_xlim())
    # x > 0 is the subject's `side`: it goes to the image's left when that side
    # is the right and the view radiological, or the left side neurologically
    flip = (side == "right") == radiological
    ax.set_xlim((x1, x0) if flip else (x0, x1))
    if letters:
        left, right = ("R", "L") if radiological else ("L", "R")
        kw = dict(transform=ax.transAxes, fontsize=10, fontweight="bold", color="#333333", zorder=30,
                  bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7))
        ax.text(0.012, 0.93, left, ha="left", va="center", **kw)
        ax.text(0.988, 0.93, right, ha="right", va="center", **kw)
        ax.text(0.5, 0.988, "A", ha="center", va="top", **kw)
        ax.text(0.5, 0.012, "P", ha="center", va="bottom", **kw)


def add_outline(ax, patch):
    """Add a patch with many vertices (a cord outline) to an Axes whose limits
    are already set.

    ``ax.add_patch`` also grows the Axes' data limits, walking the patch's
    path one segment at a time in Python: ~20 ms for an outline's 1441
    segments, 0.19 s of the 0.79 s (CPU) a prediction figure took to build
    over its eight outlines, for limits a fixed window never reads.  The
    patch is drawn exactly as ``add_patch`` would draw it (the same pixels).
    """
    return ax.add_artist(patch)


def _contour_generator(x, y, z):
    """contourpy's generator as ``Axes.contour`` makes it (its default
    algorithm and corner masking), NaN cells masked (a masked array costs
    more to make and to read: only when there are any)."""
    import contourpy
    from matplotlib import rcParams

    z = np.asarray(z, float)
    return contourpy.contour_generator(x, y, np.ma.masked_invalid(z) if np.isnan(z).any() else z,
                                       name=rcParams["contour.algorithm"], corner_mask=rcParams["contour.corner_mask"],
                                       line_type="SeparateCode", fill_type="OuterCode")


def _collection(ax, polygons, **style):
    """One PathCollection of the pieces (points, codes), added without
    growing the data limits (the windows are fixed, as in :func:`add_outline`)."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    pts, codes = polygons
    path = Path(np.concatenate(pts), np.concatenate(codes)) if len(pts) else Path(np.empty((0, 2)))
    return ax.add_collection(PathCollection([path], **style), autolim=False)


def contour_line(ax, x, y, z, level: float, *, colour, lw: float, ls="solid", zorder: float = 2):
    """The contour of ``z`` at ``level`` as one line artist, drawn as
    ``ax.contour(x, y, z, levels=[level], ...)`` draws it.

    A ContourSet costs ~7 ms to make whatever it holds (colour maps, norms
    and their callbacks): ~0.2 s of the prediction figure's forty-odd
    contours, against ~2 ms for the same paths from contourpy.

    Parameters
    ----------
    x, y : arrays
        Coordinates (mm): 1-D along the columns and rows of ``z``, or 2-D
        of its shape.
    z : array
    level : float
    colour, lw, ls, zorder
        Colour, width (points), line style and drawing order.

    Returns
    -------
    (matplotlib.collections.PathCollection, list)
        The artist and the contour's pieces, each an (n, 2) array of points.
    """
    pts, codes = _contour_generator(x, y, z).lines(level)
    art = _collection(ax, (pts, codes), facecolors="none", edgecolors=[colour], linewidths=lw, linestyles=ls,
                      zorder=zorder)
    return art, list(pts)


def contour_fill(ax, x, y, z, lower: float, upper: float, *, colour, alpha=None, hatch=None, zorder: float = 1):
    """Fill where ``lower < z <= upper`` as one artist, drawn as
    ``ax.contourf(x, y, z, levels=[lower, upper], ...)`` draws it (without
    antialiasing, as contourf fills); ``colour="none"`` with ``hatch`` hatches
    only (see :func:`contour_line`)."""
    pts, codes = _contour_generator(x, y, z).filled(lower, upper)
    return _collection(ax, (pts, codes), facecolors=colour, edgecolors="none", alpha=alpha, hatch=hatch,
                       antialiaseds=False, linewidths=0, zorder=zorder)


def distance_ticks(ax) -> None:
    """Label the x ticks with the distance (mm) from the midline, unsigned:
    in radiological orientation the x axis runs right to left on one side."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))


def scale_bar(ax, length_mm: float, where=(0.04, 0.05)) -> None:
    """A scale bar of ``length_mm`` at axes fraction ``where`` (the bar's start,
    on the image), labelled; the panel's data are in mm."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    sx = 1.0 if x1 > x0 else -1.0  # the bar runs rightward on the image either way
    xa = x0 + where[0] * (x1 - x0)
    ya = y0 + where[1] * (y1 - y0)
    ax.plot([xa, xa + sx * length_mm], [ya, ya], color="black", lw=3, solid_capstyle="butt", zorder=25)
    ax.text(xa + sx * length_mm / 2, ya + 0.012 * abs(y1 - y0), f"{length_mm:g} mm", ha="center", va="bottom",
            fontsize=8, zorder=25)


def interior_point(mask, xs, ys):
    """A point (x, y) well inside a region given as a boolean mask on the grid
    ``xs`` x ``ys`` (centres): the cell farthest from the region's edge, where
    a label fits best.  None for an empty mask."""
    from scipy.ndimage import distance_transform_edt

    if not mask.any():
        return None
    d = distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    i, j = np.unravel_index(np.argmax(d), d.shape)
    return float(xs[i]), float(ys[j])
