"""Figures of the uncertainty answers: the lesion's probability contours over
the tracts, the sensitivity indices, the cohort's cord fractions and the
optimisation maps.  Each function draws what it is given and returns a
matplotlib Figure built without pyplot state (the caller saves it).

The cross-section under the contours is drawn by
:func:`rfsim.plots.cross_section.draw_cross_section`, in its radiological
orientation.
"""

from __future__ import annotations

import numpy as np

#: Probability contours drawn over the tracts, with their colours.
LEVELS = ((0.1, "#fdae61"), (0.5, "#d7191c"), (0.9, "#67001f"))


def _figure(size):
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def probability_figure(anatomy, placement, needle, lesion_probability, summary: dict):
    """The nominal cross-section with the tracts and the needle, and the 10, 50
    and 90 % contours of the lesion's probability over the draws.

    Parameters
    ----------
    anatomy, placement, needle
        The nominal anatomy, placement and needle path (rfsim.prediction.place).
    lesion_probability : (x_edges_m, y_edges_m, p)
        The probability (0..1) on a raster of the nominal cord
        (rfsim.uncertainty.probability_map.on_anatomy).
    summary : dict
        The answer (``rfsim predict --uncertainty N --json``) for the title.
    """
    from matplotlib.lines import Line2D

    from rfsim.plots.cross_section import draw_cross_section

    fig = _figure((11.0, 7.5))
    ax = fig.add_subplot(1, 1, 1)
    # the planner's view: the lesion half of the cord, not the whole canal
    half_rl, half_ap = 0.5 * anatomy.rl_m * 1e3, 0.5 * anatomy.ap_m * 1e3
    draw_cross_section(ax, anatomy, placement, needle, window_mm=(-1.5, half_rl + 2.5, -half_ap - 1.5, half_ap + 1.5),
                       tracts="verdict")
    x, y, p = lesion_probability
    xc, yc = 0.5 * (x[1:] + x[:-1]) * 1e3, 0.5 * (y[1:] + y[:-1]) * 1e3
    handles, labels = ax.get_legend_handles_labels()
    leg = ax.get_legend()
    extra = []
    if np.isfinite(p).any() and np.nanmax(p) > 0:
        for level, colour in LEVELS:
            if np.nanmax(p) >= level:
                ax.contour(xc, yc, p.T, levels=[level], colors=[colour], linewidths=2.2, zorder=14)
            extra.append(Line2D([], [], color=colour, lw=2.2, label=f"lesioned in {level:.0%} of draws"))
    if leg is not None:
        handles = list(leg.legend_handles) + extra
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    s = summary
    c, m = s["cord_area_fraction_percentiles"], s["cst_margin_mm_percentiles"]
    rm = s.get("reduced_model")
    model = "full model" if not rm else (f"reduced model: mesh refine {rm['mesh_refine']:g}, "
                                         f"steps {rm['step_tolerance_c']:g} C / {rm['dt_max_s']:g} s")
    fig.suptitle(
        f"{s['draws_ok']} of {s['draws']} draws (seed {s['seed']}, {model}): "
        f"P(relief) {format_interval(s['p_relief'], s['p_relief_ci'])}, "
        f"P(CST reached) {format_interval(s['p_cst_reached'], s['p_cst_reached_ci'])}, "
        f"P(ventral horn) {format_interval(s['p_ventral_horn'], s['p_ventral_horn_ci'])}\n"
        f"cord fraction p5/p50/p95 {_pc(c['p5'], 100)}/{_pc(c['p50'], 100)}/{_pc(c['p95'], 100)} %; "
        f"CST margin p5/p50/p95 {_pc(m['p5'])}/{_pc(m['p50'])}/{_pc(m['p95'])} mm "
        "(contours in cord-normalised coordinates on the nominal cord)", fontsize=10)
    fig.tight_layout()
    return fig


def format_interval(p, ci) -> str:
    """``42 % [35, 49]`` (n/a without a value)."""
    if p is None or p != p:
        return "n/a"
    return f"{p:.0%} [{ci[0]:.0%}, {ci[1]:.0%}]"


def _pc(v, scale=1.0):
    return "n/a" if v is None else f"{v * scale:.1f}" if scale != 1.0 else f"{v:.2f}"


def sensitivity_figure(table: dict, title: str):
    """Morris mu* (bars) with sigma (markers) per input, one panel per output.

    Parameters
    ----------
    table : dict
        output name -> list of dict with ``name``, ``mu_star``, ``mu_star_conf``, ``sigma``
        (rfsim.uncertainty.sensitivity.morris_indices), sorted by mu*.
    """
    fig = _figure((6.0 * len(table), 0.4 * max(len(v) for v in table.values()) + 2.0))
    for i, (out, rows) in enumerate(table.items()):
        ax = fig.add_subplot(1, len(table), i + 1)
        names = [r["name"] for r in rows][::-1]
        mu = [r["mu_star"] for r in rows][::-1]
        conf = [r["mu_star_conf"] for r in rows][::-1]
        sig = [r["sigma"] for r in rows][::-1]
        yy = np.arange(len(names))
        ax.barh(yy, mu, xerr=conf, color="#4575b4", alpha=0.85, label="mu* (95 % CI)")
        ax.plot(sig, yy, "o", color="#d73027", ms=4, label="sigma (interaction / non-linearity)")
        ax.set_yticks(yy, names, fontsize=8)
        ax.set_xlabel(f"elementary effect on {out}")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def cohort_figure(cord_fractions_by_target: dict, relief_threshold: float, title: str):
    """Histogram of the cohort's lesioned cord fraction per target, with the
    relief threshold (Berger 2021) and the published minimum."""
    fig = _figure((8.0, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    allv = np.concatenate([np.asarray(v, float) for v in cord_fractions_by_target.values()] or [np.zeros(1)])
    bins = np.linspace(0.0, max(0.4, float(np.nanmax(allv)) + 0.02), 41) * 100
    for (target, v), colour in zip(cord_fractions_by_target.items(), ("#f16913", "#6baed6")):
        # outlines, so that the two targets stay readable where they overlap
        ax.hist(np.asarray(v, float) * 100, bins=bins, histtype="stepfilled", alpha=0.25, color=colour)
        ax.hist(np.asarray(v, float) * 100, bins=bins, histtype="step", lw=2.0, color=colour,
                label=f"{target} ({len(v)} patients)")
    ax.axvline(relief_threshold * 100, color="black", ls="--", lw=1.2,
               label=f"{relief_threshold:.0%}: minimum with relief (Berger 2021, T2)")
    ax.set_xlabel("lesioned share of the cord cross-section (%)")
    ax.set_ylabel("virtual patients")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def optimize_figure(offsets, depths, p_relief, p_cst, bound: float, chosen, title: str, excluded=()):
    """Maps of P(relief) and P(CST reached) over offset x depth, the bound's
    contour and the chosen placement.

    Parameters
    ----------
    offsets, depths : 1-D arrays (mm)
    p_relief, p_cst : 2-D arrays (len(offsets), len(depths)), NaN where not searched
    bound : float
        The bound on P(CST reached).
    chosen : (offset_mm, depth_mm) or None
    excluded : sequence of (offset_mm, depth_mm)
        Points not eligible because some draw could not be placed (marked x).
    """
    fig = _figure((12.0, 5.0))
    for i, (p, name, cmap) in enumerate(((p_relief, "P(relief)", "Greens"), (p_cst, "P(CST reached)", "Reds"))):
        ax = fig.add_subplot(1, 2, i + 1)
        m = ax.pcolormesh(_edges(depths), _edges(offsets), np.ma.masked_invalid(p), vmin=0, vmax=1, cmap=cmap,
                          shading="flat")
        fig.colorbar(m, ax=ax, label=name)
        if np.isfinite(p_cst).sum() >= 4 and len(offsets) > 1 and len(depths) > 1:
            ax.contour(depths, offsets, np.ma.masked_invalid(p_cst), levels=[bound], colors=["black"],
                       linewidths=1.2, linestyles="--")
        if len(excluded):
            ex = np.asarray(excluded, float)
            ax.plot(ex[:, 1], ex[:, 0], "x", ms=7, color="#404040", label="some draws cannot be placed")
        if chosen is not None:
            ax.plot([chosen[1]], [chosen[0]], "*", ms=16, color="#ffd700", mec="black", label="chosen")
        if chosen is not None or len(excluded):
            ax.legend(fontsize=8, loc="upper right")
        ax.set_xlabel("depth of the tip end past the pia (mm)")
        ax.set_ylabel("offset anterior to the dentate ligament (mm)")
        ax.set_title(f"{name}; dashed: P(CST reached) = {bound:.0%}", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _edges(c):
    """Cell edges around sorted centres (for pcolormesh)."""
    c = np.asarray(c, float)
    if c.size == 1:
        return np.array([c[0] - 0.25, c[0] + 0.25])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
