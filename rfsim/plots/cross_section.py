"""The cross-section figure: tissue layers, grey matter, every tract, the
somatotopic zones of the spinothalamic tract, the dentate line, the needle with
its exposed tip, and optionally a lesion outline and isotherms.

It draws what it is given: the needle path, the lesion and the temperature
fields are computed by the caller (:func:`rfsim.cordotomy.placement.needle_path`,
:func:`rfsim.prediction.cross_section`).  matplotlib is imported inside the
functions, and the figure is a :class:`matplotlib.figure.Figure` of its own: no
backend is switched and no pyplot state is touched.
:func:`rfsim.plots.save_figure` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the cross-section figure.
CROSS_SECTION_DPI = 150

_TRACT_STYLE = {  # name: (colour, label)
    "lateral_corticospinal": ("#1f77b4", "lateral corticospinal"),
    "rubrospinal": ("#9467bd", "rubrospinal"),
    "dorsal_spinocerebellar": ("#8c564b", "dorsal spinocerebellar"),
    "ventral_spinocerebellar": ("#e377c2", "ventral spinocerebellar"),
    "dorsal_columns": ("#bcbd22", "dorsal columns"),
    "ventral_funiculus": ("#17becf", "ventral funiculus"),
    "ventral_horn": ("#7f7f7f", "ventral horn"),
    "dorsal_horn": ("#a0a0a0", "dorsal horn"),
    "intermediate_zone": ("#c7c7c7", "intermediate zone"),
}
_ZONE_STYLE = {"stt_arm": ("#fdd0a2", "STT arm"), "stt_trunk": ("#fdae6b", "STT trunk"),
               "stt_leg": ("#f16913", "STT leg"), "stt_sacral": ("#a63603", "STT sacral")}



def draw_cross_section(ax, anatomy, placement=None, needle=None, lesion=None, isotherms=None):
    """Draw the cross-section into a matplotlib Axes (see :func:`plot_cross_section`).

    ``placement`` and its ``needle`` path come together (the title states the
    placement, the needle is drawn).  ``lesion`` is (x_edges_m, y_edges_m,
    fraction) whose 0.5 contour is drawn; ``isotherms`` maps a temperature (C)
    to (x_edges_m, y_edges_m, field) whose contour at that level is drawn.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Ellipse as EllipsePatch
    from matplotlib.patches import Patch, Polygon

    if placement is not None and needle is None:
        raise ValueError("draw_cross_section: give the needle path of the placement "
                         "(rfsim.cordotomy.placement.needle_path)")
    mm = 1e3
    a_in, b_in = anatomy.dura_inner_semi_axes_m
    cx, cy = anatomy.dura_center_m
    t_d = anatomy.dura_thickness_m
    half_w = (a_in + t_d) * mm + 1.5
    half_h = (b_in + t_d) * mm + 1.5
    ax.set_facecolor("#f3e3d3")  # tissue beyond the dura
    for (w, h, col) in (((a_in + t_d) * 2, (b_in + t_d) * 2, "#6b6b6b"), (a_in * 2, b_in * 2, "#d6ecfa")):
        ax.add_patch(EllipsePatch((cx * mm, cy * mm), w * mm, h * mm, facecolor=col, edgecolor="none", zorder=1))
    px, py = anatomy.outline.points(anatomy.pia_thickness_m)
    ax.add_patch(Polygon(np.c_[px, py] * mm, closed=True, facecolor="#7a3b8f", edgecolor="none", zorder=2))
    ox, oy = anatomy.outline.points()
    ax.add_patch(Polygon(np.c_[ox, oy] * mm, closed=True, facecolor="#f7f4ea", edgecolor="#333333", lw=0.8,
                         zorder=3))
    # regions on a fine grid
    x0, x1, y0, y1 = anatomy.bbox_m
    step = 25e-6
    xs = np.arange(x0, x1, step)
    ys = np.arange(y0, y1, step)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    g = anatomy.regions["grey_matter"].sample(X, Y)
    ax.contourf(X * mm, Y * mm, g, levels=[0.5, 2.0], colors=["#d9d9d9"], zorder=4)
    handles = [Patch(facecolor="#d9d9d9", label="grey matter"), Patch(facecolor="#f7f4ea", label="white matter"),
               Patch(facecolor="#7a3b8f", label="pia"), Patch(facecolor="#d6ecfa", label="CSF"),
               Patch(facecolor="#6b6b6b", label="dura"),
               Patch(facecolor="#f3e3d3", label=anatomy.beyond_tissue.replace("_", " "))]
    for name, (col, label) in list(_TRACT_STYLE.items()) + list(_ZONE_STYLE.items()):
        if name not in anatomy.regions:
            continue
        m = anatomy.regions[name].sample(X, Y)
        if m.max() < 0.5:
            continue
        ax.contourf(X * mm, Y * mm, m, levels=[0.5, 2.0], colors=[col], alpha=0.85, zorder=5)
        ax.contour(X * mm, Y * mm, m, levels=[0.5], colors=["#333333"], linewidths=0.4, zorder=6)
        handles.append(Patch(facecolor=col, label=label))
    stt = anatomy.regions["lateral_spinothalamic"].sample(X, Y)
    ax.contour(X * mm, Y * mm, stt, levels=[0.5], colors=["#7f2704"], linewidths=1.4, zorder=7)
    # dentate ligament: from its attachment laterally to the dura
    dx, dy = anatomy.dentate_m
    x_dura = cx + a_in * np.sqrt(max(0.0, 1.0 - ((dy - cy) / b_in) ** 2))
    ax.plot([dx * mm, x_dura * mm], [dy * mm, dy * mm], color="#2ca02c", lw=2.0, zorder=8)
    ax.plot([dx * mm], [dy * mm], "o", color="#2ca02c", ms=5, zorder=8)
    handles.append(Line2D([], [], color="#2ca02c", lw=2, label="dentate ligament"))
    if needle is not None:
        n = needle
        d = np.array(n.direction[:2])
        d2 = d / np.linalg.norm(d)
        perp = np.array([-d2[1], d2[0]]) * n.radius_m
        tip = np.array(n.tip_m[:2])
        prox = np.array(n.tip_proximal_m[:2])
        far = tip + d2 * (half_w * 2e-3)

        def bar(p, q, col, z):
            pts = np.array([p + perp, q + perp, q - perp, p - perp]) * mm
            ax.add_patch(Polygon(pts, closed=True, facecolor=col, edgecolor="black", lw=0.5, zorder=z))

        bar(prox, far, "#505050", 9)
        bar(tip, prox, "#d62728", 10)
        ax.plot([n.entry_m[0] * mm], [n.entry_m[1] * mm], "x", color="black", ms=6, zorder=11)
        handles += [Patch(facecolor="#505050", label="insulated shaft"),
                    Patch(facecolor="#d62728", label=f"exposed tip ({n.tip_length_m * mm:g} mm)")]
    for level, (ix, iy, tf) in sorted((isotherms or {}).items()):
        ixc, iyc = 0.5 * (np.asarray(ix)[1:] + np.asarray(ix)[:-1]), 0.5 * (np.asarray(iy)[1:] + np.asarray(iy)[:-1])
        cs = ax.contour(ixc * mm, iyc * mm, np.asarray(tf).T, levels=[level], colors=["#1f4e9e"],
                        linewidths=0.9, linestyles="--", zorder=12)
        ax.clabel(cs, fmt=lambda v: f"{v:g} C", fontsize=7)
    if isotherms:
        handles.append(Line2D([], [], color="#1f4e9e", lw=1, ls="--", label="peak-temperature isotherms"))
    if lesion is not None:
        lx, ly, lf = lesion
        lxc, lyc = 0.5 * (np.asarray(lx)[1:] + np.asarray(lx)[:-1]), 0.5 * (np.asarray(ly)[1:] + np.asarray(ly)[:-1])
        ax.contour(lxc * mm, lyc * mm, np.asarray(lf).T, levels=[0.5], colors=["red"], linewidths=2.0, zorder=12)
        handles.append(Line2D([], [], color="red", lw=2, label="lesion"))
    # scale bar, 2 mm, bottom left
    xb, yb = -half_w + 0.8, -half_h + 0.8
    ax.plot([xb, xb + 2.0], [yb, yb], color="black", lw=3, zorder=13, solid_capstyle="butt")
    ax.text(xb + 1.0, yb + 0.3, "2 mm", ha="center", va="bottom", fontsize=9, zorder=13)
    ax.set_xlim(-half_w, half_w)
    ax.set_ylim(-half_h, half_h)
    ax.set_aspect("equal")
    other = "left" if anatomy.side == "right" else "right"
    ax.set_xlabel(f"x (mm): subject's {other}  <-  ->  subject's {anatomy.side} (lesion side)")
    ax.set_ylabel("y (mm): posterior  <-  ->  anterior")
    title = f"{anatomy.source} cross-section, {anatomy.level}, lesion side {anatomy.side}"
    if placement is not None:
        title += (f"; target {placement.target}, offset {placement.offset_m * mm:g} mm, "
                  f"depth {placement.depth_m * mm:g} mm")
    ax.set_title(title, fontsize=10)
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)


def plot_cross_section(anatomy, placement=None, needle=None, lesion=None) -> Figure:
    """The cross-section figure: layers, grey matter, every tract, the somatotopic
    zones of the spinothalamic tract, the dentate line, the needle with its
    exposed tip, and a 2 mm scale bar.

    Parameters
    ----------
    anatomy : rfsim.anatomy.cross_section.Anatomy
    placement : rfsim.cordotomy.placement.Placement, optional
        Stated in the title; needs ``needle``.
    needle : rfsim.cordotomy.placement.NeedlePath, optional
        The needle of ``placement`` in ``anatomy``, drawn with its exposed tip.
    lesion : (x_edges_m, y_edges_m, fraction), optional
        A lesion cross-section on a 2-D grid (cell edges in m, values in [0, 1]);
        its 0.5 contour is drawn.

    Returns
    -------
    matplotlib.figure.Figure
        At :data:`CROSS_SECTION_DPI`; write it with :func:`rfsim.plots.save_figure`.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.5, 7.0))
    ax = fig.add_subplot()
    draw_cross_section(ax, anatomy, placement, needle, lesion)
    fig.tight_layout()
    # the layout is made at matplotlib's default 100 dpi, the file written finer
    fig.set_dpi(CROSS_SECTION_DPI)
    return fig
