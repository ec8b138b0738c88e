"""Drawing a lesion on a cross-section: the lesion itself (only where there is
tissue), its overlap with the corticospinal tract, the margin between them, and
peak-temperature isotherms with labels that keep clear of each other.

Every function draws fields it is given on a 2-D grid of cells (edges in m,
values at the centres, arrays (nx, ny)) into an Axes whose data are in mm; it
computes nothing of the model.
"""

from __future__ import annotations

import numpy as np

from rfsim.plots.style import COLOURS, contour_fill, contour_line, interior_point


def _centres_mm(edges_m):
    e = np.asarray(edges_m, float) * 1e3
    return 0.5 * (e[1:] + e[:-1])


def _halo(width):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def lesion_in_tissue(x_edges_m, y_edges_m, fraction, tissue):
    """The lesion cells (fraction >= 0.5) that lie in tissue, as a bool array.

    ``tissue`` is a bool array of the cells or a callable ``tissue(x_m, y_m)``
    of the cell centres (m): the cord, so that no lesion is drawn in the CSF,
    which a thermal lesion does not denature (the damage model runs there too,
    but the metrics count the cord only).
    """
    lesion = np.asarray(fraction, float) >= 0.5
    if callable(tissue):
        X, Y = np.meshgrid(_centres_mm(x_edges_m) * 1e-3, _centres_mm(y_edges_m) * 1e-3, indexing="ij")
        tissue = tissue(X, Y)
    return lesion & np.asarray(tissue, bool)


def draw_lesion(ax, x_edges_m, y_edges_m, fraction, tissue, clip=None, lw: float = 2.4) -> list:
    """The lesion as an outlined region, only in tissue.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x_edges_m, y_edges_m : 1-D arrays
        Cell edges (m).
    fraction : array (nx, ny)
        Lesion fraction (or a bool lesion); the cells at 0.5 or more are lesion.
    tissue : array (nx, ny) of bool, or callable
        Where there is tissue (:func:`lesion_in_tissue`).
    clip : matplotlib.patches.Patch, optional
        Clip the drawing to it (the cord outline), so that not even the
        outline's stroke crosses into the CSF.
    lw : float
        Outline width (points).

    Returns
    -------
    list
        The legend entry.
    """
    from matplotlib.patches import Patch

    m = lesion_in_tissue(x_edges_m, y_edges_m, fraction, tissue).astype(float)
    if m.any():
        xc, yc = _centres_mm(x_edges_m), _centres_mm(y_edges_m)
        fill = contour_fill(ax, xc, yc, m.T, 0.5, 2.0, colour=COLOURS["lesion"], alpha=0.16, zorder=11)
        line, _ = contour_line(ax, xc, yc, m.T, 0.5, colour=COLOURS["lesion"], lw=lw, zorder=12)
        line.set_path_effects(_halo(lw + 2.0))
        if clip is not None:
            fill.set_clip_path(clip)
            line.set_clip_path(clip)
    return [Patch(facecolor=(0.84, 0.37, 0.0, 0.16), edgecolor=COLOURS["lesion"], lw=2, label="lesion (in the cord)")]


def draw_overlap(ax, x_edges_m, y_edges_m, lesion, cst_fraction, clip=None) -> list:
    """The lesion's overlap with the corticospinal tract, highlighted: every
    lesioned cell of the tract in reddish purple, opaque in proportion to the
    cell's tract fraction (the weight the metrics give it), and hatched where
    the cell is at least half tract (where the margin is measured).

    Returns
    -------
    list
        The legend entry, or [] without overlap.
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    les = np.asarray(lesion, bool)
    cst = np.asarray(cst_fraction, float)
    w = np.where(les, cst, 0.0)
    if not (w > 0.02).any():
        return []
    xe, ye = np.asarray(x_edges_m) * 1e3, np.asarray(y_edges_m) * 1e3
    rgba = np.zeros(w.T.shape + (4,))
    rgba[..., :3] = to_rgb(COLOURS["overlap"])
    rgba[..., 3] = np.where(w.T > 0.02, 0.2 + 0.8 * np.clip(w.T, 0, 1), 0.0)
    mesh = ax.pcolormesh(xe, ye, rgba, shading="flat", zorder=13, rasterized=True)
    core = (les & (cst >= 0.5)).astype(float)
    arts = [mesh]
    if core.any():
        xc, yc = _centres_mm(x_edges_m), _centres_mm(y_edges_m)
        arts.append(contour_fill(ax, xc, yc, core.T, 0.5, 2.0, colour="none", hatch="xxxx", zorder=13))
        arts.append(contour_line(ax, xc, yc, core.T, 0.5, colour="black", lw=0.9, zorder=13)[0])
    if clip is not None:
        for a in arts:
            a.set_clip_path(clip)
    out = [Patch(facecolor=COLOURS["overlap"], edgecolor="black", hatch="xxxx", label="lesion in the CST")]
    if ((w > 0.02) & (cst < 0.5)).sum() > 0.2 * (w > 0.02).sum():  # an atlas's partial-volume fringe
        out.append(Patch(facecolor=COLOURS["overlap"], alpha=0.45, edgecolor="none",
                         label="lesion in the CST's fringe (shade: tract share)"))
    return out


def closest_points(a, b, xs, ys):
    """The closest pair of cells (x, y in mm) of two boolean masks on the grid
    ``xs`` x ``ys`` (cell centres, mm), edge cells only; None if either is empty."""
    def edge(m):
        inner = m.copy()
        inner[1:-1, 1:-1] = m[1:-1, 1:-1] & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]
        e = m & ~inner if m.shape[0] > 2 and m.shape[1] > 2 else m
        i, j = np.nonzero(e)
        return np.c_[xs[i], ys[j]]

    if not a.any() or not b.any():
        return None
    pa, pb = edge(a), edge(b)
    d = ((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    return pa[i], pb[j]


def annotate_margin(ax, x_edges_m, y_edges_m, lesion, cst_mask, margin_mm, text_xy) -> None:
    """The reason for the verdict, written on the panel: where the lesion and
    the corticospinal tract come closest (a double arrow labelled with the
    margin) or, when they overlap, an arrow from ``text_xy`` to the overlap.

    Parameters
    ----------
    lesion, cst_mask : arrays (nx, ny) of bool
        The lesion in tissue, and the tract's cells (at least half tract).
    margin_mm : float or None
        The prediction's ``cst_margin_mm`` (negative: depth of the overlap).
    text_xy : (x, y)
        Where the overlap's label goes, in axes fractions; the margin's label
        goes beside its arrow, on the same side of the panel.
    """
    if margin_mm is None:
        return
    xs, ys = _centres_mm(x_edges_m), _centres_mm(y_edges_m)
    box = dict(boxstyle="round,pad=0.3", fc="white", ec=COLOURS["overlap"], lw=1.2, alpha=0.95)
    overlap = lesion & cst_mask
    if margin_mm <= 0 and overlap.any():
        ax.annotate(f"lesion in the CST,\n{-margin_mm:.2f} mm deep", xy=interior_point(overlap, xs, ys),
                    xytext=text_xy, textcoords="axes fraction", fontsize=8.5, ha="center", va="center", zorder=27,
                    bbox=box, arrowprops=dict(arrowstyle="-|>", color="black", lw=1.2, shrinkB=2))
        return
    pair = closest_points(lesion, cst_mask, xs, ys)
    if pair is None:
        return
    (x0, y0), (x1, y1) = pair
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=27,
                arrowprops=dict(arrowstyle="<|-|>", color="black", lw=1.2, shrinkA=0, shrinkB=0, mutation_scale=9))
    # the label beside the arrow, toward the image's middle of the panel
    inward = 1.0 if text_xy[0] > 0.5 else -1.0
    ax.annotate(f"margin {margin_mm:.2f} mm", xy=((x0 + x1) / 2, (y0 + y1) / 2), xytext=(inward * 50, -4),
                textcoords="offset points", fontsize=8.5, ha="center", va="center", zorder=27,
                bbox={**box, "ec": COLOURS["cst"]}, arrowprops=dict(arrowstyle="-", color="#555555", lw=0.8))


def draw_isotherms(ax, isotherms, needle=None) -> None:
    """Peak-temperature isotherms as dashed lines, each labelled once.

    The labels sit where each isotherm is farthest from the exposed tip toward
    the anterior and lateral (the isotherms ring the tip, so the labels line
    up along one ray at the spacing of the isotherms, clear of one another),
    on a white ground so that the tract fills beneath do not hide them.

    Parameters
    ----------
    isotherms : dict
        Temperature (C) -> (x_edges_m, y_edges_m, field (nx, ny) in C).
    needle : rfsim.cordotomy.placement.NeedlePath, optional
        The labels' ray starts at the middle of its exposed tip (else at the
        hottest cell).
    """
    for level, (xe, ye, field) in sorted((isotherms or {}).items()):
        xc, yc = _centres_mm(xe), _centres_mm(ye)
        f = np.asarray(field, float)
        _, pieces = contour_line(ax, xc, yc, f.T, level, colour=COLOURS["isotherm"], lw=0.9, ls="--", zorder=15)
        segs = [s for s in pieces if len(s) > 1]
        if not segs:
            continue
        if needle is not None:
            anchor = np.array(needle.mid_tip_m[:2]) * 1e3
            d = np.array(needle.direction[:2], float)
            d /= np.linalg.norm(d)
        else:
            i, j = np.unravel_index(np.nanargmax(f), f.shape)
            anchor, d = np.array([xc[i], yc[j]]), np.array([1.0, 0.0])
        u = np.array([0.45 * d[0], 1.0])  # anterior, a little lateral
        u /= np.linalg.norm(u)
        v = np.concatenate(segs)
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        mx, my = 0.09 * (x1 - x0), 0.09 * (y1 - y0)  # clear of the edges and the R, L, A, P marks
        seen = v[(v[:, 0] > x0 + mx) & (v[:, 0] < x1 - mx) & (v[:, 1] > y0 + my) & (v[:, 1] < y1 - my)]
        if not len(seen):  # the isotherm runs outside the panel
            continue
        p = seen[np.argmax((seen - anchor) @ u)]
        ax.text(p[0], p[1], f"{level:g} °C", fontsize=7, ha="center", va="center", color=COLOURS["isotherm"],
                zorder=24, clip_on=True, bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
