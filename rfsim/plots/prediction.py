"""The prediction figure: the cross-section in the needle's axial plane with the
lesion outline and peak-temperature isotherms, beside the time traces of the
generator.  It draws what it is given: the prediction and its cross-section
fields (:func:`rfsim.prediction.cross_section`).  matplotlib is imported inside
the function; no backend is switched and no pyplot state is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rfsim.plots.cross_section import draw_cross_section

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution (dots per inch) of the prediction figure.
PREDICTION_DPI = 130
#: Peak-temperature isotherms drawn (C), each only where the field exceeds it.
ISOTHERMS_C = (45.0, 50.0, 60.0, 70.0)


def plot_prediction(prediction, section) -> Figure:
    """The prediction figure: the cross-section in the needle's axial plane with
    the tracts, the lesion outline (cumulative) and peak-temperature isotherms
    (:data:`ISOTHERMS_C`), beside the time traces of tip temperature, voltage,
    power and impedance.

    Parameters
    ----------
    prediction : rfsim.prediction.Prediction
        Anatomy, placement, needle path, time series and summary.
    section : rfsim.prediction.CrossSection
        The lesion and the peak temperature in the axial plane through the
        middle of the exposed tip.

    Returns
    -------
    matplotlib.figure.Figure
        At :data:`PREDICTION_DPI`; write it with :func:`rfsim.plots.save_figure`
        (``crop=True``: the traces and the legend leave uneven margins).
    """
    from matplotlib.figure import Figure

    xe, ye, tpeak = section.x_edges_m, section.y_edges_m, section.peak_temperature_c
    fig = Figure(figsize=(15.0, 7.5))
    gs = fig.add_gridspec(4, 2, width_ratios=(1.9, 1.0), hspace=0.35, wspace=0.45)
    ax = fig.add_subplot(gs[:, 0])
    iso = {lvl: (xe, ye, tpeak) for lvl in ISOTHERMS_C if np.nanmax(tpeak) > lvl}
    draw_cross_section(ax, prediction.anatomy, prediction.placement, prediction.path,
                       (xe, ye, section.lesion.astype(float)), iso)
    s = prediction.result.series
    t = s["time_s"]
    m = prediction.summary
    traces = (("tip_temperature_c", "tip (C)"), ("voltage_v", "voltage (V)"), ("power_w", "power (W)"),
              ("impedance_ohm", "impedance (ohm)"))
    for i, (key, label) in enumerate(traces):
        a = fig.add_subplot(gs[i, 1])
        a.plot(t, s[key], lw=1.2, color="#d62728" if i == 0 else "#1f4e9e")
        if key == "tip_temperature_c":
            a.plot(t, s["set_point_c"], lw=0.8, ls="--", color="black", label="set point")
            a.legend(fontsize=7, frameon=False)
        a.set_ylabel(label, fontsize=9)
        a.tick_params(labelsize=8)
        if i == len(traces) - 1:
            a.set_xlabel("time (s)", fontsize=9)
    verdict = ("relief predicted" if m["relief_predicted"] else "relief NOT predicted") + ", " + \
        ("CST spared" if m["cst_spared"] else "CST REACHED")
    fig.suptitle(f"rfsim {m['rfsim_version']}: {m['lesions']} x {m['set_temperature_c'][0]:g} C / "
                 f"{m['duration_s'][0]:g} s, {m['model']} model.  Cord area {m['cord_area_fraction']:.1%}, "
                 f"{m['target']} zone {m['stt_zone_coverage'][m['target']]:.0%}, CST "
                 f"{m['cst_lesioned_fraction']:.1%}: {verdict}", fontsize=11)
    # drawn at matplotlib's default 100 dpi, written finer
    fig.set_dpi(PREDICTION_DPI)
    return fig
