"""Parts of the planning page drawn from results: the verdict with its numbers,
the comparison of two placements, the impedance chart and the probabilities.

Plain functions from a summary (the dict of ``rfsim predict --json`` or of
``rfsim predict --uncertainty N --json``) or an impedance profile to Dash
components or a Plotly figure; no model calls.
"""

from __future__ import annotations

from dash import html

from rfsim.uncertainty.fidelity import model_lines
from rfsim.uncertainty.summary import format_interval, format_percentiles

GOOD, BAD = "#1b7f3b", "#b3261e"


def _pct(v):
    return f"{v:.0%}" if v >= 0.995 or v == 0 else f"{v:.1%}"


def numbers(s: dict) -> list:
    """The figures a planner reads, as (label, text) pairs."""
    target = s["target"]
    margin = "n/a" if s.get("cst_margin_mm") is None else f"{s['cst_margin_mm']:.2f} mm"
    return [
        ("placement", f"{s['side']} side, {target}, offset {s['offset_mm']:g} mm, depth {s['depth_mm']:g} mm"),
        ("electrode", f"{s['electrode_diameter_mm']:g} mm x {s['tip_length_mm']:g} mm tip"),
        ("protocol", f"{s['lesions']} x {s['set_temperature_c'][0]:g} C for {s['duration_s'][0]:g} s"),
        ("model, anatomy", f"{s['model']}, {s['anatomy']}"),
        (f"STT {target} zone", _pct(s["stt_zone_coverage"][target])),
        ("cord cross-section", _pct(s["cord_area_fraction"])),
        ("corticospinal tract", f"{_pct(s['cst_lesioned_fraction'])} lesioned, margin {margin}"),
        ("lesion", f"{s['lesion_width_mm']:.2f} mm wide, {s['lesion_length_mm']:.2f} mm long, "
                   f"{s['lesion_volume_mm3']:.1f} mm3, {s['lesion_depth_mm']:.2f} mm past the pia"),
        ("impedance at start", f"{s['impedance_ohm']:.0f} ohm"),
        ("generator", f"peak {s['peak_power_w']:.2f} W, final {s['final_voltage_v']:.1f} V; hottest tissue "
                      f"{s['max_tissue_temperature_c']:.1f} C"),
    ]


def verdict_line(s: dict) -> list:
    """The verdict in words, coloured: relief, then the corticospinal tract."""
    relief = s["relief_predicted"]
    spared = s["cst_spared"]
    return [html.Span("relief PREDICTED" if relief else "relief NOT predicted",
                      style={"color": GOOD if relief else BAD}),
            html.Span(" · "),
            html.Span("corticospinal tract spared" if spared else "corticospinal tract REACHED",
                      style={"color": GOOD if spared else BAD})]


def heading(title: str, s: dict) -> str:
    """A figure's heading that says which placement it shows."""
    return (f"{title}: {s['side']} {s['target']}, offset {s['offset_mm']:g} mm, depth {s['depth_mm']:g} mm "
            f"({s['model']})")


def verdict_panel(s: dict) -> list:
    """The verdict, its numbers and any warnings."""
    rows = [html.Tr([html.Th(k, style={"textAlign": "left", "paddingRight": "1em", "fontWeight": "normal",
                                       "color": "#555"}), html.Td(v)]) for k, v in numbers(s)]
    out = [html.Div(verdict_line(s), id="verdict-line", style={"fontSize": "1.35em", "fontWeight": "bold"}),
           html.Table(rows, style={"fontSize": "0.92em", "marginTop": "0.4em"})]
    for w in s.get("warnings", []):
        out.append(html.Div("warning: " + w, style={"color": BAD, "fontSize": "0.85em"}))
    return out


def probability_rows(u: dict) -> list:
    """The probabilities with their 95 % intervals and the percentiles of an
    uncertainty answer, as (label, text) pairs, worded as ``rfsim predict
    --uncertainty N`` prints them."""
    return [
        ("P(relief)", format_interval(u["p_relief"], u["p_relief_ci"]) + "  (95 % Wilson interval)"),
        ("P(CST reached)", format_interval(u["p_cst_reached"], u["p_cst_reached_ci"])),
        ("P(ventral horn)", format_interval(u["p_ventral_horn"], u["p_ventral_horn_ci"])),
        ("cord fraction (%)", format_percentiles(u["cord_area_fraction_percentiles"], 100, "{:.1f}")),
        ("CST margin (mm)", format_percentiles(u["cst_margin_mm_percentiles"])),
        ("draws", f"{u['draws_ok']} of {u['draws']} ran (seed {u['seed']}) in {u['runtime_s']:.0f} s"),
    ]


def uncertainty_panel(u: dict, figure_src: str, earlier: str = "") -> list:
    """An uncertainty answer: its placement, the probabilities, the model and
    its measured error, notes, and the probability figure beside them.
    ``earlier``: why these are not the probabilities of the placement shown
    now ('' if they are)."""
    rows = [html.Tr([html.Th(k, style={"textAlign": "left", "paddingRight": "1em", "fontWeight": "normal",
                                       "color": "#555", "whiteSpace": "nowrap"}),
                     html.Td(v, style={"whiteSpace": "pre-wrap"})]) for k, v in probability_rows(u)]
    first, *errors = model_lines(u["reduced_model"])
    small = {"fontSize": "0.8em", "color": "#444", "marginTop": "0.3em"}
    head = (f"Probabilities: {u['side']} {u['target']}, offset {u['offset_mm']:g} mm, depth {u['depth_mm']:g} mm "
            f"({u['model']} model, {u['anatomy']} anatomy)")
    text = [html.H4(head, id="uncertainty-title", style={"margin": "0.3em 0"})]
    if earlier:
        text.append(html.Div(earlier, id="uncertainty-earlier", style={"color": BAD, "fontWeight": "bold"}))
    text += [html.Table(rows, style={"fontSize": "0.92em"}),
             html.Div("drawn: " + ", ".join(x["name"] for x in u["uncertainties"]), style=small),
             html.Div([html.Div("model: " + first)] + [html.Div(e, style={"paddingLeft": "1.5em"}) for e in errors]
                      + [html.Div("note: " + n) for n in u.get("notes", []) + u.get("failed_reasons", [])],
                      style=small)]
    figure = html.Img(id="uncertainty-figure", src=figure_src, alt="probability contours of the lesion over the "
                      "tracts", style={"width": "100%", "opacity": 0.45 if earlier else 1})
    return [html.Div([html.Div(text, style={"flex": "1 1 26em", "minWidth": "22em"}),
                      html.Div(figure, style={"flex": "1 1 36em", "maxWidth": "58em"})],
                     style={"display": "flex", "gap": "1em", "flexWrap": "wrap", "alignItems": "flex-start"})]


def comparison(a: dict, b: dict | None) -> list:
    """Two placements' numbers side by side (``b``: the one kept, or None)."""
    if b is None:
        return [html.Div("Press \u201ckeep for comparison\u201d to hold this answer here while you try another.",
                         style={"color": "#666"})]
    head = html.Tr([html.Th(""), html.Th("now", style={"textAlign": "left"}),
                    html.Th("kept", style={"textAlign": "left"})])
    rows = [html.Tr([html.Th("verdict", style={"textAlign": "left"}), html.Td(verdict_line(a)),
                     html.Td(verdict_line(b))])]
    for (k, x), (_, y) in zip(numbers(a), numbers(b)):
        style = {"fontWeight": "bold"} if x != y else {}
        rows.append(html.Tr([html.Th(k, style={"textAlign": "left", "fontWeight": "normal", "color": "#555",
                                               "paddingRight": "1em"}),
                             html.Td(x, style=style), html.Td(y, style=style)]))
    return [html.Table([head] + rows, style={"fontSize": "0.9em", "borderSpacing": "0.6em 0.15em"})]


def impedance_figure(rows: list | None) -> dict:
    """Plotly figure of the impedance as the electrode advances (ohm against
    depth past the pia, mm), points coloured by where the tip end is."""
    colours = {"csf": "#1f77b4", "pia": "#7a3b8f", "cord": "#d62728"}
    data = []
    if rows:
        data.append({"type": "scatter", "mode": "lines", "x": [r["depth_mm"] for r in rows],
                     "y": [r["impedance_ohm"] for r in rows], "line": {"color": "#999", "width": 1},
                     "showlegend": False, "hoverinfo": "skip"})
        for tissue, col in colours.items():
            pts = [r for r in rows if r["tissue"] == tissue]
            if pts:
                data.append({"type": "scatter", "mode": "markers", "name": f"tip in {tissue}",
                             "x": [r["depth_mm"] for r in pts], "y": [r["impedance_ohm"] for r in pts],
                             "marker": {"color": col, "size": 7}})
    return {"data": data, "layout": {
        "title": {"text": "impedance while advancing", "font": {"size": 14}},
        "xaxis": {"title": {"text": "tip end past the pia (mm)"}, "zeroline": True},
        "yaxis": {"title": {"text": "impedance (ohm)"}},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 45}, "height": 300,
        "legend": {"orientation": "h", "y": -0.3}}}
