"""The cross-section figure: tissue layers, grey matter, the tracts, the
somatotopic zones of the spinothalamic tract, the dentate line, the needle with
its exposed tip, and optionally a lesion and isotherms.

It draws what it is given: the needle path, the lesion and the temperature
fields are computed by the caller (:func:`rfsim.cordotomy.placement.needle_path`,
:func:`rfsim.prediction.cross_section`).  The image is in radiological orientation
by default (the subject's right on the image's left, anterior up), the same
whatever the side (:func:`rfsim.plots.style.orient`).  matplotlib is imported
inside the functions, and the figure is a :class:`matplotlib.figure.Figure` of
its own: no backend is switched and no pyplot state is touched.
:func:`rfsim.plots.save_figure` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.plots.lesion import draw_isotherms, draw_lesion
from rfsim.plots.style import (ABBREVIATIONS, ATLAS_TRACT_COLOURS, ATLAS_ZONE_COLOURS, COLOURS, HORNS,
                               OTHER_TRACTS, add_outline, contour_fill, contour_line, distance_ticks, interior_point, orient,
                               scale_bar)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the cross-section figure.
CROSS_SECTION_DPI = 150
#: Sampling step (m) of the regions drawn, whole cross-section and zoomed panel.
DRAW_STEP_M = 25e-6
#: Regions whose visible area is below this (mm^2) get no label.
MIN_LABELLED_AREA_MM2 = 0.12

_STT_ZONES = ("stt_arm", "stt_trunk", "stt_leg", "stt_sacral")


def _grid(anatomy, window_mm, step_m):
    """Sample points (mm, ij-indexed) over the cord's box, cut to the window."""
    x0, x1, y0, y1 = (v * 1e3 for v in anatomy.bbox_m)
    if window_mm is not None:
        x0, x1 = max(x0, window_mm[0]), min(x1, window_mm[1])
        y0, y1 = max(y0, window_mm[2]), min(y1, window_mm[3])
    s = step_m * 1e3
    xs, ys = np.arange(x0, x1 + s, s), np.arange(y0, y1 + s, s)
    return xs, ys, *np.meshgrid(xs, ys, indexing="ij")


def _place_labels(ax, pending):
    """Write the region labels, most important first, leaving out any that
    would cover one already written or stick out of the panel."""
    ax.apply_aspect()
    # one renderer for every measurement: without one, each text's extent makes
    # its own by a dry run of the figure's printing (~5 ms each)
    renderer = ax.figure._get_renderer()
    frame = ax.get_window_extent(renderer)
    placed = []
    for _, xy, text, kw in sorted(pending, key=lambda p: p[0]):
        t = ax.text(*xy, text, ha="center", va="center", zorder=14, clip_on=True,
                    bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.6), **kw)
        box = t.get_window_extent(renderer).expanded(1.1, 1.15)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if not inside or any(box.overlaps(b) for b in placed):
            t.remove()
        else:
            placed.append(box)


def _layers(ax, anatomy):
    from matplotlib.patches import Ellipse, Polygon

    mm = 1e3
    a_in, b_in = anatomy.dura_inner_semi_axes_m
    cx, cy = anatomy.dura_center_m
    t_d = anatomy.dura_thickness_m
    ax.set_facecolor(COLOURS["beyond"])
    for w, h, col in (((a_in + t_d) * 2, (b_in + t_d) * 2, COLOURS["dura"]), (a_in * 2, b_in * 2, COLOURS["csf"])):
        ax.add_patch(Ellipse((cx * mm, cy * mm), w * mm, h * mm, facecolor=col, edgecolor="none", zorder=1))
    px, py = anatomy.outline.points(anatomy.pia_thickness_m)
    add_outline(ax, Polygon(np.c_[px, py] * mm, closed=True, facecolor=COLOURS["pia"], edgecolor="none", zorder=2))
    ox, oy = anatomy.outline.points()
    add_outline(ax, Polygon(np.c_[ox, oy] * mm, closed=True, facecolor=COLOURS["white_matter"], edgecolor="none",
                            zorder=3))


class _Labels:
    """Region labels collected while the regions are drawn, written at the end
    (:func:`_place_labels`): most important first, off the needle."""

    def __init__(self, on, xs, ys, avoid):
        self.on, self.xs, self.ys, self.avoid = on, xs, ys, avoid
        self.cell_mm2 = (xs[1] - xs[0]) * (ys[1] - ys[0])
        self.pending = []

    def add(self, name, mask, priority, size=7.5, colour="#333333", weight="normal", style="normal"):
        free = mask & ~self.avoid
        if self.on and free.sum() * self.cell_mm2 >= MIN_LABELLED_AREA_MM2:
            self.pending.append((priority, interior_point(free, self.xs, self.ys), ABBREVIATIONS[name][0],
                                 dict(fontsize=size, color=colour, fontweight=weight, fontstyle=style)))


def _fill(ax, X, Y, mask, colour, alpha, edge, lw, z):
    m = mask.astype(float)
    contour_fill(ax, X, Y, m, 0.5, 2.0, colour=colour, alpha=alpha, zorder=z)
    contour_line(ax, X, Y, m, 0.5, colour=edge, lw=lw, zorder=z + 0.5)


def _grey_matter(ax, sample, X, Y, labels):
    """One grey for the grey matter; its horns as dotted outlines, named."""
    from matplotlib.patches import Patch

    g = sample("grey_matter") >= 0.5
    contour_fill(ax, X, Y, g.astype(float), 0.5, 2.0, colour=COLOURS["grey_matter"], zorder=4)
    for name in HORNS:
        m = (sample(name) >= 0.5) & g
        if m.any():
            contour_line(ax, X, Y, m.astype(float), 0.5, colour="#8C8C8C", lw=0.6, ls=":", zorder=5)
            labels.add(name, m, 4, size=6.5, colour="#555555")
    return [Patch(facecolor=COLOURS["grey_matter"], edgecolor="#999999", label="grey matter")]


def _other_tracts(ax, sample, X, Y, labels, tracts):
    """The tracts the verdict does not rest on: filled in the atlas figure,
    outlined in the prediction's; named either way."""
    from matplotlib.patches import Patch

    handles = []
    for name in OTHER_TRACTS:
        m = sample(name) >= 0.5
        if not m.any():
            continue
        short, long = ABBREVIATIONS[name]
        if tracts == "atlas":
            _fill(ax, X, Y, m, ATLAS_TRACT_COLOURS[name], 0.75, "#333333", 0.4, 5)
            handles.append(Patch(facecolor=ATLAS_TRACT_COLOURS[name], alpha=0.75, label=f"{short}  {long}"))
        else:
            contour_line(ax, X, Y, m.astype(float), 0.5, colour=COLOURS["other_tract"], lw=0.7, zorder=6)
        labels.add(name, m, 3, colour="#333333" if tracts == "atlas" else "#5A5A5A", style="italic")
    if tracts != "atlas":
        handles.append(Patch(facecolor="none", edgecolor=COLOURS["other_tract"],
                             label="other tracts (" + ", ".join(ABBREVIATIONS[n][0] for n in OTHER_TRACTS) + ")"))
    return handles


def _spinothalamic(ax, sample, X, Y, labels, tracts, target):
    """The zones of the spinothalamic tract: a light-to-dark ramp in the atlas
    figure; in the prediction's the target zone yellow, the others pale."""
    from matplotlib.patches import Patch

    handles = []
    for name in _STT_ZONES:
        m = sample(name) >= 0.5
        if not m.any():
            continue
        zone = name.replace("stt_", "")
        if tracts == "atlas":
            colour, alpha = ATLAS_ZONE_COLOURS[name], 0.9
            handles.append(Patch(facecolor=colour, edgecolor="#555555", label=f"STT {zone}"))
        else:
            colour, alpha = (COLOURS["stt_target"], 0.9) if zone == target else (COLOURS["stt_other"], 1.0)
        _fill(ax, X, Y, m, colour, alpha, "#555555", 0.4, 6)
        labels.add(name, m, 1 if zone == target else 2, weight="bold" if zone == target else "normal")
    if tracts != "atlas":
        handles += [Patch(facecolor=COLOURS["stt_target"], edgecolor="#555555", label=f"STT {target} zone (target)"),
                    Patch(facecolor=COLOURS["stt_other"], edgecolor="#555555", label="other STT zones")]
    contour_line(ax, X, Y, sample("lateral_spinothalamic"), 0.5, colour="#333333", lw=1.2, zorder=8)
    return handles


def _corticospinal(ax, sample, X, Y, labels):
    """The corticospinal tract, on top of the tracts it overlaps in an atlas,
    with its partial-volume fringe (atlas probability 10-50 %) lighter."""
    from matplotlib.patches import Patch

    cst = sample("lateral_corticospinal")
    handles = []
    if (cst >= 0.1).any() and (cst < 0.5)[cst >= 0.1].mean() > 0.3:
        contour_fill(ax, X, Y, cst, 0.1, 0.5, colour=COLOURS["cst"], alpha=0.22, zorder=9)
        contour_line(ax, X, Y, cst, 0.1, colour=COLOURS["cst"], lw=0.7, ls="--", zorder=9)
        handles.append(Patch(facecolor=COLOURS["cst"], alpha=0.22, edgecolor=COLOURS["cst"], ls="--",
                             label="CST, atlas 10-50 %"))
    contour_fill(ax, X, Y, cst, 0.5, 2.0, colour=COLOURS["cst"], alpha=0.6, zorder=9)
    contour_line(ax, X, Y, cst, 0.5, colour=COLOURS["cst"], lw=1.4, zorder=9)
    handles.append(Patch(facecolor=COLOURS["cst"], alpha=0.6, edgecolor=COLOURS["cst"],
                         label="CST  lateral corticospinal tract"))
    labels.add("lateral_corticospinal", cst >= 0.5, 0, colour="#00395E", weight="bold")
    return handles


def _regions(ax, anatomy, xs, ys, X, Y, tracts, target, labels, avoid):
    """Grey matter, horns, tracts and zones, clipped to the cord, then their
    labels; returns their legend entries."""
    from matplotlib.patches import Polygon

    # each region's membership at the drawing points (mm), the regions sharing their parts
    sample = anatomy.membership_at(X * 1e-3, Y * 1e-3)

    # an atlas's tract maps reach past the cord's edge: draw them in the cord only
    ox, oy = anatomy.outline.points()
    cord = Polygon(np.c_[ox, oy] * 1e3, closed=True, facecolor="none", edgecolor="none")
    add_outline(ax, cord)
    first = len(ax.collections)
    names = _Labels(labels, xs, ys, avoid)
    handles = _grey_matter(ax, sample, X, Y, names)
    handles += _other_tracts(ax, sample, X, Y, names, tracts)
    handles += _spinothalamic(ax, sample, X, Y, names, tracts, target)
    handles += _corticospinal(ax, sample, X, Y, names)
    for c in ax.collections[first:]:
        c.set_clip_path(cord)
    _place_labels(ax, names.pending)
    return handles


def _dentate(ax, anatomy):
    from matplotlib.lines import Line2D

    mm = 1e3
    a_in, b_in = anatomy.dura_inner_semi_axes_m
    cx, cy = anatomy.dura_center_m
    dx, dy = anatomy.dentate_m
    x_dura = cx + a_in * np.sqrt(max(0.0, 1.0 - ((dy - cy) / b_in) ** 2))
    ax.plot([dx * mm, x_dura * mm], [dy * mm, dy * mm], color=COLOURS["dentate"], lw=2.0, zorder=10)
    ax.plot([dx * mm], [dy * mm], "o", color=COLOURS["dentate"], ms=5, zorder=10)
    return Line2D([], [], color=COLOURS["dentate"], lw=2, marker="o", ms=4, label="dentate ligament")


def _near_needle(needle, X, Y, reach_mm, clearance_mm=0.25):
    """Cells (X, Y in mm) within ``clearance_mm`` of the drawn needle."""
    if needle is None:
        return np.zeros(X.shape, bool)
    d = np.array(needle.direction[:2], float)
    d /= np.linalg.norm(d)
    tip = np.array(needle.tip_m[:2]) * 1e3
    s = np.clip((X - tip[0]) * d[0] + (Y - tip[1]) * d[1], 0.0, reach_mm)
    dist = np.hypot(X - tip[0] - s * d[0], Y - tip[1] - s * d[1])
    return dist < needle.radius_m * 1e3 + clearance_mm


def draw_needle(ax, anatomy, needle) -> list:
    """The needle: its insulated shaft out past the dura, its exposed tip and
    the entry through the pia; returns the legend entries."""
    return _needle(ax, needle, reach_mm=4 * _half_size_mm(anatomy)[0])


def _half_size_mm(anatomy):
    """Half the width and height (mm) of the dura plus 1.5 mm around it."""
    a_in, b_in = anatomy.dura_inner_semi_axes_m
    return (a_in + anatomy.dura_thickness_m) * 1e3 + 1.5, (b_in + anatomy.dura_thickness_m) * 1e3 + 1.5


def _needle(ax, needle, reach_mm):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    mm = 1e3
    d = np.array(needle.direction[:2])
    d2 = d / np.linalg.norm(d)
    perp = np.array([-d2[1], d2[0]]) * needle.radius_m
    tip = np.array(needle.tip_m[:2])
    prox = np.array(needle.tip_proximal_m[:2])
    far = tip + d2 * reach_mm * 1e-3

    def bar(p, q, face, z):
        pts = np.array([p + perp, q + perp, q - perp, p - perp]) * mm
        ax.add_patch(Polygon(pts, closed=True, facecolor=face, edgecolor="black", lw=0.8, zorder=z))

    bar(prox, far, COLOURS["shaft"], 16)
    bar(tip, prox, COLOURS["tip"], 17)
    ax.plot([needle.entry_m[0] * mm], [needle.entry_m[1] * mm], "x", color="black", ms=6, mew=1.5, zorder=18)
    return [Patch(facecolor=COLOURS["shaft"], edgecolor="black", label="insulated shaft"),
            Patch(facecolor=COLOURS["tip"], edgecolor="black",
                  label=f"exposed tip ({needle.tip_length_m * mm:g} mm)"),
            Line2D([], [], ls="none", marker="x", color="black", mew=1.5, label="entry through the pia")]


def draw_cross_section(ax, anatomy, placement=None, needle=None, lesion=None, isotherms=None, *,
                       radiological: bool = True, window_mm=None, tracts: str = "atlas", target=None,
                       labels: bool = True, legend: bool = True, title: bool = True, letters: bool = True,
                       step_m: float = DRAW_STEP_M):
    """Draw the cross-section into a matplotlib Axes (see :func:`plot_cross_section`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    anatomy : rfsim.anatomy.cross_section.Anatomy
    placement : rfsim.cordotomy.placement.Placement, optional
        Stated in the title; needs ``needle``.
    needle : rfsim.cordotomy.placement.NeedlePath, optional
        Drawn with its exposed tip.
    lesion : (x_edges_m, y_edges_m, fraction), optional
        A lesion on a 2-D grid (cell edges in m, values in [0, 1]): the cells
        at 0.5 or more inside the cord are drawn (:func:`rfsim.plots.lesion.draw_lesion`).
    isotherms : dict, optional
        Temperature (C) -> (x_edges_m, y_edges_m, field): each contour at its level.
    radiological : bool
        The subject's right on the image's left (default); False: on the right.
    window_mm : (x0, x1, y0, y1), optional
        The part of the cross-section shown (mm); default the whole dura.
    tracts : {"atlas", "verdict"}
        ``"atlas"`` fills every tract; ``"verdict"`` fills only what the
        verdict rests on (the corticospinal tract and the spinothalamic zones,
        ``target`` highlighted) and outlines the others.
    target : {"leg", "arm"}, optional
        The target zone for ``tracts="verdict"`` (default the placement's).
    labels : bool
        Write the tract names on the tracts.
    legend, title : bool
        Put a legend beside the panel and a title above it.
    letters : bool
        Mark the subject's sides (R, L, A, P) at the panel's edges.
    step_m : float
        Sampling step (m) of the regions.

    Returns
    -------
    list
        The legend entries (matplotlib artists with labels).
    """
    if placement is not None and needle is None:
        raise ValueError("draw_cross_section: give the needle path of the placement "
                         "(rfsim.cordotomy.placement.needle_path)")
    if tracts not in ("atlas", "verdict"):
        raise ValueError(f"draw_cross_section: tracts must be 'atlas' or 'verdict', not {tracts!r}")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    mm = 1e3
    cx = anatomy.dura_center_m[0]
    half_w, half_h = _half_size_mm(anatomy)
    window = window_mm or (cx * mm - half_w, cx * mm + half_w, -half_h, half_h)
    target = target or (placement.target if placement is not None else "leg")
    # limits first: the labels go where they can be seen
    ax.set_xlim(window[0], window[1])
    ax.set_ylim(window[2], window[3])
    ax.set_aspect("equal")
    orient(ax, anatomy.side, radiological, letters=False)
    _layers(ax, anatomy)
    xs, ys, X, Y = _grid(anatomy, window, step_m)
    reach = 4 * half_w
    handles = [Patch(facecolor=COLOURS["white_matter"], edgecolor="#999999", label="white matter")]
    handles += _regions(ax, anatomy, xs, ys, X, Y, tracts, target, labels, _near_needle(needle, X, Y, reach))
    handles += [Patch(facecolor=COLOURS["pia"], label="pia"), Patch(facecolor=COLOURS["csf"], label="CSF")]
    if tracts == "atlas":  # the prediction's panels do not reach the dura
        handles += [Patch(facecolor=COLOURS["dura"], label="dura"),
                    Patch(facecolor=COLOURS["beyond"], label=anatomy.beyond_tissue.replace("_", " "))]
    handles.append(_dentate(ax, anatomy))
    if needle is not None:
        handles += draw_needle(ax, anatomy, needle)
    if isotherms:
        draw_isotherms(ax, isotherms, needle)
        handles.append(Line2D([], [], color=COLOURS["isotherm"], lw=0.9, ls="--", label="peak-temperature isotherms"))
    if lesion is not None:
        inside = lambda x, y: anatomy.outline.contains(x, y)  # noqa: E731 - the cord, in m
        handles += draw_lesion(ax, *lesion, inside)
    orient(ax, anatomy.side, radiological, letters=letters)
    distance_ticks(ax)
    span = window[1] - window[0]
    scale_bar(ax, 2.0 if span > 8 else 1.0, where=(0.06, 0.05))
    ax.set_xlabel("mm from the midline")
    ax.set_ylabel("mm anterior of the cord's centre")
    ax.tick_params(labelsize=8)
    if title:
        t = f"{anatomy.source} cross-section, {anatomy.level}, lesion side {anatomy.side}"
        if placement is not None:
            t += (f"; target {placement.target}, offset {placement.offset_m * mm:g} mm, "
                  f"depth {placement.depth_m * mm:g} mm")
        ax.set_title(t, fontsize=10)
    if legend:
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    return handles


def plot_cross_section(anatomy, placement=None, needle=None, lesion=None, *, radiological: bool = True) -> Figure:
    """The cross-section figure: layers, grey matter with its horns, every
    tract (labelled), the somatotopic zones of the spinothalamic tract, the
    dentate line, the needle with its exposed tip, and a 2 mm scale bar, in
    radiological orientation (the subject's right on the image's left).

    Parameters
    ----------
    anatomy : rfsim.anatomy.cross_section.Anatomy
    placement : rfsim.cordotomy.placement.Placement, optional
        Stated in the title; needs ``needle``.
    needle : rfsim.cordotomy.placement.NeedlePath, optional
        The needle of ``placement`` in ``anatomy``, drawn with its exposed tip.
    lesion : (x_edges_m, y_edges_m, fraction), optional
        A lesion cross-section on a 2-D grid (cell edges in m, values in [0, 1]);
        drawn where it is at least 0.5, inside the cord.
    radiological : bool
        False: the subject's right on the image's right.

    Returns
    -------
    matplotlib.figure.Figure
        At :data:`CROSS_SECTION_DPI`; write it with :func:`rfsim.plots.save_figure`.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.5, 7.0), layout="constrained")
    ax = fig.add_subplot()
    draw_cross_section(ax, anatomy, placement, needle, lesion, radiological=radiological)
    # the layout is made at matplotlib's default 100 dpi, the file written finer
    fig.set_dpi(CROSS_SECTION_DPI)
    return fig
