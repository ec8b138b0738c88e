"""The prediction figure, made to be read at a glance by a planner deciding
whether the corticospinal tract is reached.

* a panel zoomed on the lesion side, in radiological orientation (the
  subject's right on the image's left, anterior up, whatever the side): the
  lesion outlined only where there is cord, the corticospinal tract (CST) in
  blue with the lesion's overlap in it hatched, the target zone of the
  spinothalamic tract in yellow, the other tracts outlined and named, the
  exposed tip in a neutral dark, peak-temperature isotherms, and the reason
  for the verdict written where it lies (the margin, or the depth of overlap);
* the whole cord beside it, with a frame where the panel zooms in;
* the verdict and the numbers it rests on above, the time traces of the
  generator on the right.

It draws what it is given: the prediction and its cross-section fields
(:func:`rfsim.prediction.cross_section`).  matplotlib is imported inside the
function; no backend is switched and no pyplot state is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.plots.cross_section import draw_cross_section, draw_needle
from rfsim.plots.lesion import annotate_margin, draw_lesion, draw_overlap, lesion_in_tissue
from rfsim.plots.style import COLOURS, OKABE_ITO, add_outline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the prediction figure.
PREDICTION_DPI = 130
#: Peak-temperature isotherms drawn (C), each only where the field exceeds it.
ISOTHERMS_C = (45.0, 50.0, 60.0, 70.0)
#: Space (mm) left around what the zoomed panel must show.
ZOOM_PAD_MM = 0.6
#: Smallest side (mm) of the zoomed panel.
MIN_ZOOM_MM = 4.0


def zoom_window(section, path, target: str, aspect: float = 1.0):
    """The part of the cross-section (x0, x1, y0, y1 in mm) the zoomed panel
    shows: the lesion in the cord, the corticospinal tract, the target zone and
    the needle's way through the pia, with :data:`ZOOM_PAD_MM` around them,
    widened to ``aspect`` (width / height)."""
    xc = 0.5 * (section.x_edges_m[1:] + section.x_edges_m[:-1]) * 1e3
    yc = 0.5 * (section.y_edges_m[1:] + section.y_edges_m[:-1]) * 1e3
    reg = section.regions
    masks = [lesion_in_tissue(section.x_edges_m, section.y_edges_m, section.lesion, reg["cord"] >= 0.5),
             reg["lateral_corticospinal"] >= 0.5, reg[f"stt_{target}"] >= 0.5]
    pts = [np.array(path.tip_m[:2]) * 1e3, np.array(path.tip_proximal_m[:2]) * 1e3,
           np.array(path.entry_m[:2]) * 1e3 + np.array(path.direction[:2]) * 0.5]
    for m in masks:
        i, j = np.nonzero(m)
        if i.size:
            pts += [np.array([xc[i].min(), yc[j].min()]), np.array([xc[i].max(), yc[j].max()])]
    pts = np.array(pts)
    x0, y0 = pts.min(axis=0) - ZOOM_PAD_MM
    x1, y1 = pts.max(axis=0) + ZOOM_PAD_MM
    w, h = max(x1 - x0, MIN_ZOOM_MM), max(y1 - y0, MIN_ZOOM_MM)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    return (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def _verdict_lines(prediction) -> tuple:
    """The title: the verdict and what it rests on, then the case."""
    m = prediction.summary
    limit = prediction.scenario.verdict.max_cst_lesioned_fraction
    relief = "Relief predicted" if m["relief_predicted"] else "Relief NOT predicted"
    cst = (f"CST spared ({m['cst_lesioned_fraction']:.1%} lesioned, limit {limit:.0%})" if m["cst_spared"] else
           f"CST REACHED ({m['cst_lesioned_fraction']:.1%} of the tract lesioned, limit {limit:.0%})")
    margin = m["cst_margin_mm"]
    margin = ("no lesion" if margin is None else f"margin {margin:.2f} mm" if margin > 0
              else f"overlap {-margin:.2f} mm deep")
    per = ", ".join(f"{p['cst_lesioned_fraction']:.1%}" for p in m["per_lesion"])
    line1 = f"{relief}  \u2022  {cst}"
    line2 = (f"cord {m['cord_area_fraction']:.1%} of the cross-section, {m['target']} zone "
             f"{m['stt_zone_coverage'][m['target']]:.0%} lesioned; CST {margin}; CST lesioned after each lesion: "
             f"{per}")
    line3 = (f"rfsim {m['rfsim_version']}, {m['model']} model, {m['anatomy']} anatomy "
             f"{prediction.anatomy.level}: {m['side']} side, {m['target']} target, offset {m['offset_mm']:g} mm, "
             f"depth {m['depth_mm']:g} mm; electrode {m['electrode_diameter_mm']:g} x {m['tip_length_mm']:g} mm; "
             f"{prediction.scenario.protocol.describe()}")
    return line1, line2, line3


def _traces(fig, cells, series, kept=()):
    """The generator's traces in the ``cells``, into the Axes ``kept`` from
    an earlier drawing when given (emptied, their limits forgotten)."""
    t = series["time_s"]
    rows = (("tip_temperature_c", "tip (°C)", "black"), ("voltage_v", "voltage (V)", OKABE_ITO["blue"]),
            ("power_w", "power (W)", OKABE_ITO["blue"]), ("impedance_ohm", "impedance (Ω)", OKABE_ITO["blue"]))
    for a in kept:
        _empty_axes(a)
        a.relim()
    axes = []
    for i, (key, label, col) in enumerate(rows):
        a = kept[i] if kept else fig.add_subplot(cells[i], sharex=axes[0] if axes else None)
        a.plot(t, series[key], lw=1.2, color=col)
        if key == "tip_temperature_c":
            a.plot(t, series["set_point_c"], lw=1.0, ls="--", color="#888888", label="set point")
            a.legend(fontsize=7, frameon=False, loc="lower right")
        a.set_ylabel(label, fontsize=8.5)
        a.tick_params(labelsize=7.5)
        a.grid(alpha=0.25)
        if i < len(rows) - 1:
            a.tick_params(labelbottom=False)
        else:
            a.set_xlabel("time (s)", fontsize=8.5)
        axes.append(a)
    # number the lesions where each one starts
    idx = np.asarray(series["lesion_index"], float) if "lesion_index" in series else None
    if idx is not None and idx.size == t.size:
        starts = [int(k) for k in np.nonzero(np.diff(np.r_[-1, idx]) != 0)[0] if np.isfinite(idx[k])]
        for n, k in enumerate(starts):
            axes[0].annotate(f"lesion {n + 1}", (t[k], 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                             textcoords="offset points", fontsize=7, va="bottom", color="#555555")
    return axes


def plot_prediction(prediction, section, *, radiological: bool = True) -> Figure:
    """The prediction figure (see the module docstring).

    Parameters
    ----------
    prediction : rfsim.prediction.Prediction
        Anatomy, placement, needle path, scenario (protocol, verdict limits),
        time series and summary.
    section : rfsim.prediction.CrossSection
        The lesion, the peak temperature and the cord and tract fractions in
        the axial plane through the middle of the exposed tip.
    radiological : bool
        The subject's right on the image's left (default); False: on the right.

    Returns
    -------
    matplotlib.figure.Figure
        15 x 8 in at :data:`PREDICTION_DPI`; write it with
        :func:`rfsim.plots.save_figure` (``crop=True`` trims the margins).
    """
    return PredictionFigure().draw(prediction, section, radiological=radiological)


class PredictionFigure:
    """The prediction figure, to be drawn again and again (the planning
    page draws one at every change).

    :meth:`draw` empties the panels and draws into them what
    :func:`plot_prediction` draws into new ones: the same functions, the
    same figure (tests/plots compare the pixels).  Keeping the Figure and
    its seven Axes saves making them, and above all their ticks: matplotlib
    makes an Axes' tick marks and labels at its first drawing (~0.1 s of
    the ~0.35 s a new prediction figure takes to render at 90 dpi), and
    reuses them at the next.  One object is not for two threads at once
    (matplotlib's figures are not): hold a lock around :meth:`draw` and the
    rendering of its figure.

    The whole cross-section beside the zoomed panel is the same for every
    placement in one anatomy, side, target and view: it stays from one
    drawing to the next, and only the needle, the lesion and the frame of
    the zoom are drawn again (another anatomy, side, target or view draws
    it anew).  The zoomed panel's window follows the lesion: it is drawn
    anew each time.
    """

    def __init__(self):
        from matplotlib import rcParams
        from matplotlib.figure import Figure

        #: The dpi of matplotlib's layout, at which the panels are laid out and the labels placed.
        self._layout_dpi = rcParams["figure.dpi"]
        self.fig = fig = Figure(figsize=(15.0, 8.0))
        gs = fig.add_gridspec(8, 3, width_ratios=(1.55, 0.95, 1.0), left=0.05, right=0.985, top=0.845,
                              bottom=0.07, wspace=0.2, hspace=0.5)
        self._panel = fig.add_subplot(gs[:, 0])
        self._inset = fig.add_subplot(gs[:3, 1])
        self._key = fig.add_subplot(gs[3:, 1])
        self._key.set_axis_off()
        self._trace_cells = [gs[2 * i:2 * i + 2, 2] for i in range(4)]
        self._traces = []
        self._title = None  # fig.suptitle's Text: suptitle changes it in place, so it stays
        self._whole = None  # what the whole cross-section was drawn for: (anatomy, target, radiological)
        self._moving = []  # what the last drawing added to the whole cross-section's anatomy

    def _empty(self, whole):
        """Take out what the last :meth:`draw` drew (every panel's artists,
        legends and the figure's texts; the whole cross-section's anatomy
        stays if it was drawn for ``whole``); the Axes and their ticks stay."""
        fig = self.fig
        fig.set_dpi(self._layout_dpi)
        if self._whole is not None and self._whole[0] is whole[0] and self._whole[1:] == whole[1:]:
            for a in self._moving:
                a.remove()
        else:
            _empty_axes(self._inset)
            self._whole = None
        self._moving = []
        for ax in (self._panel, self._key):
            _empty_axes(ax)
        for t in list(fig.texts):
            if t is not self._title:
                t.remove()

    def draw(self, prediction, section, *, radiological: bool = True) -> Figure:
        """Draw a prediction (see :func:`plot_prediction`); returns the Figure,
        at :data:`PREDICTION_DPI`."""
        self._empty((prediction.anatomy, prediction.placement.target, radiological))
        try:
            _draw(self, prediction, section, radiological)
        except BaseException:
            self._whole = None  # what a broken drawing left is not known: the next one starts afresh
            raise
        return self.fig


def _empty_axes(ax):
    """Take every artist and the legend out of an Axes."""
    for group in (ax.artists, ax.collections, ax.images, ax.lines, ax.patches, ax.tables, ax.texts):
        for a in list(group):
            a.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()


def _draw(pf, prediction, section, radiological):
    """Draw into a :class:`PredictionFigure`'s emptied panels."""
    from matplotlib.patches import Polygon, Rectangle

    fig, ax, inset, key = pf.fig, pf._panel, pf._inset, pf._key
    pr, m = prediction, prediction.summary
    xe, ye, reg = section.x_edges_m, section.y_edges_m, section.regions
    # the zoomed panel: the window follows the panel's own shape
    pos = ax.get_position(original=True)
    aspect = (pos.width * fig.get_figwidth()) / (pos.height * fig.get_figheight())
    window = zoom_window(section, pr.path, pr.placement.target, aspect)
    iso = {lvl: (xe, ye, section.peak_temperature_c) for lvl in ISOTHERMS_C
           if np.nanmax(section.peak_temperature_c) > lvl}
    handles = draw_cross_section(ax, pr.anatomy, pr.placement, pr.path, None, iso, radiological=radiological,
                                 window_mm=window, tracts="verdict", legend=False, title=False)
    ox, oy = pr.anatomy.outline.points()
    cord = Polygon(np.c_[ox, oy] * 1e3, closed=True, facecolor="none", edgecolor="none", transform=ax.transData)
    add_outline(ax, cord)
    tissue = reg["cord"] >= 0.5
    lesion = lesion_in_tissue(xe, ye, section.lesion, tissue)
    handles += draw_lesion(ax, xe, ye, lesion, tissue, clip=cord)
    handles += draw_overlap(ax, xe, ye, lesion, reg["lateral_corticospinal"], clip=cord)
    # the label of the verdict's reason goes to the medial, anterior corner of
    # the panel, away from the posterolateral tract
    medial_x = 0.8 if ax.xaxis_inverted() else 0.2
    annotate_margin(ax, xe, ye, lesion, reg["lateral_corticospinal"] >= 0.5, m["cst_margin_mm"], (medial_x, 0.16))
    ax.set_title(f"zoomed on the lesion, axial plane through the middle of the exposed tip "
                 f"({'radiological' if radiological else 'neurological'} view)", fontsize=9.5)
    # the whole cord, with the zoom framed
    bx0, bx1, by0, by1 = (v * 1e3 for v in pr.anatomy.bbox_m)
    whole = (bx0 - 1.0, bx1 + 1.0, by0 - 1.0, by1 + 1.0)
    if pf._whole is None:  # its anatomy, kept while the anatomy, target and view stay
        draw_cross_section(inset, pr.anatomy, radiological=radiological, tracts="verdict", target=pr.placement.target,
                           window_mm=whole, labels=False, legend=False, title=False, letters=False, step_m=60e-6)
        inset.set_xlabel("")
        inset.set_ylabel("")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_title("whole cross-section, same orientation (frame: zoomed panel)", fontsize=9)
        pf._whole = (pr.anatomy, pr.placement.target, radiological)
    anatomy_drawn = set(inset.get_children())
    draw_needle(inset, pr.anatomy, pr.path)
    cord_inset = Polygon(np.c_[ox, oy] * 1e3, closed=True, facecolor="none", edgecolor="none",
                         transform=inset.transData)
    add_outline(inset, cord_inset)
    draw_lesion(inset, xe, ye, lesion, tissue, clip=cord_inset, lw=1.4)
    inset.add_patch(Rectangle((window[0], window[2]), window[1] - window[0], window[3] - window[2], fill=False,
                              ec="black", lw=1.2, ls="-", zorder=30))
    pf._moving = [a for a in inset.get_children() if a not in anatomy_drawn]
    key.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncol=1, borderaxespad=0.0,
               handlelength=2.2)
    pf._traces = _traces(fig, pf._trace_cells, pr.result.series, pf._traces)
    line1, line2, line3 = _verdict_lines(pr)
    colour = COLOURS["lesion"] if not m["cst_spared"] or not m["relief_predicted"] else "black"
    pf._title = fig.suptitle(line1, fontsize=14, fontweight="bold", color=colour, y=0.985)
    fig.text(0.5, 0.93, line2, ha="center", va="center", fontsize=10)
    fig.text(0.5, 0.9, line3, ha="center", va="center", fontsize=9, color="#444444")
    # drawn at matplotlib's default 100 dpi, written finer
    fig.set_dpi(PREDICTION_DPI)
