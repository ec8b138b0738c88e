"""The planning page's components: the form on the left, the answer on the
right (verdict, impedance chart, probabilities, figure, the placement kept for
comparison), downloads, the 3-D and the uncertainty requests.  Ids are the contract with
:mod:`rfsim.app.callbacks` and the browser tests.

Per-tab state lives in the browser (``dcc.Store`` in memory): the answer shown,
the placement kept, the 3-D job.  The server keeps no session.
"""

from __future__ import annotations

from dash import dcc, html

from rfsim.app.artifacts import NO_NIFTI
from rfsim.app.form import ANATOMIES, DEFAULTS, DRAWS_DEFAULT, DRAWS_RANGE, FIELDS, SEED

ERROR_STYLE = {"color": "#b3261e", "fontSize": "0.8em", "minHeight": "0"}
_SMALL = {"fontSize": "0.75em", "color": "#666"}
_BUTTON = {"marginRight": "0.4em", "marginTop": "0.3em"}
#: How the form lays its fields out: one row each.
ROWS = (("side", "target"), ("offset", "depth"), ("diameter", "tip"), ("temperature", "duration", "lesions"),
        ("anatomy",), ("folder",), ("ap", "rl"))
#: Width (em) below which a figure is too small to read: the figures of two
#: placements sit side by side when both get this much, else one above the other.
FIGURE_MIN_EM = 52


def _input(f):
    if f.kind == "choice":
        labels = ANATOMIES if f.id == "anatomy" else {c: c for c in f.choices}
        return dcc.RadioItems(id=f.id, options=[{"label": labels[c], "value": c} for c in f.choices],
                              value=f.default, inline=f.id != "anatomy",
                              labelStyle={"marginRight": "0.8em", "display": "inline-block" if f.id != "anatomy"
                                          else "block"})
    # text, not type="number": a browser's number field reports nothing for
    # text it cannot read, and the planner would not learn why
    return dcc.Input(id=f.id, type="text", value=f.default, debounce=True, inputMode="decimal"
                     if f.kind != "text" else "text", placeholder="default" if f.optional else "",
                     disabled=f.id == "folder", style={"width": "100%" if f.kind == "text" else "6em"})


def _field(f):
    label = f.label + (f" ({f.unit})" if f.unit else "")
    return html.Div([html.Label(label, htmlFor=f.id, style={"fontWeight": "bold", "fontSize": "0.85em"}),
                     html.Div(_input(f)),
                     html.Div(f.hint, style=_SMALL) if f.hint else None,
                     html.Div(id=f"{f.id}-error", className="field-error", style=ERROR_STYLE)],
                    style={"marginBottom": "0.4em", "flex": "1 1 0"})


def _progress(prefix: str):
    """A job's progress bar and its text, hidden until a job starts."""
    return html.Div([html.Progress(id=f"progress-{prefix}", max=1, value=0, style={"width": "100%"}),
                     html.Div(id=f"progress-{prefix}-text", style=_SMALL)], id=f"progress-{prefix}-box",
                    style={"display": "none"})


def _uncertainty_request():
    lo, hi = DRAWS_RANGE
    return html.Div([
        dcc.Checklist(id="uncertainty", options=[{"label": " probabilities (uncertainty)", "value": "on"}],
                      value=[]),
        html.Div([html.Label("draws", htmlFor="draws", style={"fontWeight": "bold", "fontSize": "0.85em",
                                                              "marginRight": "0.5em"}),
                  dcc.Input(id="draws", type="text", value=str(DRAWS_DEFAULT), debounce=True, inputMode="numeric",
                            style={"width": "5em"}),
                  html.Span(f" seed {SEED} (fixed: the same question, the same answer)", id="seed", style=_SMALL)]),
        html.Div(id="draws-error", className="field-error", style=ERROR_STYLE),
        html.Div(f"{lo} to {hi} draws over the declared uncertainties (docs/uncertainty.md) around the placement "
                 "shown, on the reduced model; 200 draws take 100 s of CPU time, about a minute on two free cores", style=_SMALL),
        _progress("unc"),
        html.Button("probabilities for this placement", id="unc-again", style={**_BUTTON, "display": "none"}),
    ])


def form_panel():
    """The inputs, the 3-D request and the uncertainty request."""
    by_id = {f.id: f for f in FIELDS}
    return html.Div([
        html.H3("Placement and protocol", style={"marginTop": 0}),
        *[html.Div([_field(by_id[i]) for i in row], style={"display": "flex", "gap": "0.6em"}) for row in ROWS],
        html.Div(id="form-error", style=ERROR_STYLE),
        html.Hr(),
        html.Button("Run the 3-D model", id="run-3d", style=_BUTTON),
        _progress("3d"),
        html.Div("about a minute; the layered answers go on meanwhile", style=_SMALL),
        html.Hr(),
        _uncertainty_request(),
    ], style={"width": "21em", "flex": "none", "padding": "0.8em", "background": "#f6f6f4",
              "borderRight": "1px solid #ddd", "fontFamily": "sans-serif"})


def _figure_column(prefix: str, title: str):
    return html.Div([
        html.H4(title, id=f"{prefix}-title", style={"margin": "0.2em 0"}),
        dcc.Loading(html.Img(id=f"{prefix}-figure", alt="cross-section with the tracts, the lesion and the "
                             "isotherms", style={"width": "100%"}),
                    delay_show=300, overlay_style={"visibility": "visible", "opacity": 0.55}),
    ], id=f"{prefix}-column", style=figure_column_style(prefix == "now"))


def figure_column_style(shown: bool) -> dict:
    """A figure's column: shares the row with the other placement's when both
    are at least :data:`FIGURE_MIN_EM` wide, else takes a row of its own."""
    return {"flex": f"1 1 {FIGURE_MIN_EM}em", "minWidth": 0, "display": "block" if shown else "none"}


def answer_panel():
    """The verdict and numbers, the impedance chart, the figures, the
    comparison and the downloads."""
    downloads = html.Div([
        html.Span("Download: ", style={"fontWeight": "bold"}),
        html.Button("figure (PNG)", id="get-png", style=_BUTTON),
        html.Button("summary (JSON)", id="get-json", style=_BUTTON),
        html.Button("result (HDF5)", id="get-h5", style=_BUTTON),
        html.Button("NIfTI (zip)", id="get-nifti", disabled=True, title=NO_NIFTI, style=_BUTTON),
        html.Span(NO_NIFTI, id="nifti-note", style=_SMALL),
        dcc.Download(id="download"),
    ], style={"margin": "0.5em 0"})
    return html.Div([
        html.Div(id="status", style={"fontSize": "0.85em", "color": "#444", "minHeight": "1.2em"}),
        html.Div([
            html.Div(id="verdict", style={"flex": "1 1 0", "minWidth": "22em"}),
            html.Div(dcc.Graph(id="impedance", config={"displayModeBar": False}),
                     style={"flex": "0 1 30em", "minWidth": "20em"}),
        ], style={"display": "flex", "gap": "1em", "flexWrap": "wrap"}),
        html.Div(id="uncertainty-panel", style={"display": "none"}),
        html.Div([downloads, html.Div([html.Button("keep for comparison", id="keep", style=_BUTTON),
                                       html.Button("clear kept", id="unkeep", style=_BUTTON)])],
                 style={"display": "flex", "justifyContent": "space-between", "flexWrap": "wrap",
                        "alignItems": "center"}),
        html.Div([_figure_column("now", "This placement"), _figure_column("kept", "Kept placement")],
                 style={"display": "flex", "gap": "0.8em", "flexWrap": "wrap"}),
        html.Div(id="comparison", style={"marginTop": "0.5em"}),
    ], style={"flex": "1 1 0", "minWidth": 0, "padding": "0.8em", "fontFamily": "sans-serif"})


def page():
    """The whole page."""
    return html.Div([
        html.Div([html.B("rfsim"), " planning page: the RF cordotomy lesion, the tracts it takes and the "
                                   "verdict, answered by the layered model as you change the placement."],
                 style={"padding": "0.5em 0.8em", "background": "#2d3e50", "color": "white",
                        "fontFamily": "sans-serif"}),
        html.Div([form_panel(), answer_panel()], style={"display": "flex", "alignItems": "flex-start"}),
        dcc.Store(id="current"), dcc.Store(id="kept"), dcc.Store(id="job"), dcc.Store(id="unc-job"),
        dcc.Store(id="defaults", data=DEFAULTS),
        dcc.Interval(id="poll", interval=500, disabled=True),
        dcc.Interval(id="poll-unc", interval=700, disabled=True),
    ])
