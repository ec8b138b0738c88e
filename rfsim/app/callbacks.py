"""What the planning page does when something changes.

Each behaviour is a plain function of plain values (tested without a browser),
and :func:`register` wires it to the page's components.  A tab's state travels
with each request (the ``current``, ``kept`` and ``job`` stores), so two tabs
never share one; the results they point to are immutable cache entries
(:mod:`rfsim.app.results`).

Bad input: the message goes beside its field, the answer shown stays (its
outputs are left unchanged), and the server goes on.
"""

from __future__ import annotations

import base64
import logging
import time

from dash import Input, Output, State, ctx, dcc, no_update

from rfsim.app import results, views
from rfsim.app.artifacts import file_name
from rfsim.app.form import FIELD_IDS, FormErrors, field_of, message_of, placement_defaults, scenario_from_form
from rfsim.app.jobs import RUNNER
from rfsim.errors import ConfigError, NumericalError

_log = logging.getLogger(__name__)


def answer_form(form: dict) -> dict:
    """The layered model's answer to a form.

    Returns
    -------
    dict
        ``errors`` (field id -> message; '' is the form as a whole), and when
        there are none ``current`` (what the tab keeps: ``key``, ``form``,
        ``model``, ``summary``) and ``seconds`` (time to answer).
    """
    t0 = time.perf_counter()
    try:
        entry = results.answer(scenario_from_form(form))
    except FormErrors as e:
        return {"errors": e.messages}
    except ConfigError as e:  # the placement checks run inside the model
        return {"errors": {field_of(e): message_of(e)}}
    except NumericalError as e:
        return {"errors": {"": f"numerical failure: {e}"}}
    except Exception as e:  # noqa: BLE001 - a bug must not blank the page; the log has the traceback
        _log.exception("prediction failed")
        return {"errors": {"": f"internal error ({type(e).__name__}: {e}); the server log has the details"}}
    current = {"key": entry.key, "form": dict(form), "model": "axisymmetric", "summary": entry.summary}
    return {"errors": {}, "current": current, "seconds": time.perf_counter() - t0}


def entry_for(current: dict) -> results.Entry:
    """The cache entry a tab's answer points to; a layered one that has left
    the cache is computed again.

    Raises
    ------
    LookupError
        A 3-D answer that has left the cache.
    """
    e = results.cached(current["key"])
    if e is not None:
        return e
    if current["model"] != "axisymmetric":
        raise LookupError("this 3-D answer is no longer kept on the server: run the 3-D model again")
    return results.answer(scenario_from_form(current["form"]))


def figure_src(current: dict | None) -> str:
    """The page's figure of an answer as a ``data:`` URL ('' for none)."""
    if not current:
        return ""
    png = results.file_of(entry_for(current), "page")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def impedance_rows(current: dict | None) -> list:
    """The impedance profile along the answer's needle path (layered model)."""
    return results.impedance(scenario_from_form(current["form"])) if current else []


def download(kind: str, current: dict) -> dict:
    """What ``dcc.Download`` needs for one of the answer's files."""
    ext = {"png": "png", "json": "json", "h5": "h5"}[kind]
    return dcc.send_bytes(results.file_of(entry_for(current), kind), file_name(current["summary"], ext))


def job_view(job) -> dict:
    """Progress bar value, its text, and whether polling stops, for a 3-D job."""
    if job is None:
        return {"value": 0, "text": "unknown 3-D job (the server was restarted?)", "stop": True}
    text = {"queued": job.message, "running": f"3-D model: {job.message} {job.fraction:.0%}",
            "done": "3-D model: done", "failed": f"3-D model failed: {job.message}"}[job.state]
    return {"value": job.fraction, "text": text, "stop": job.state in ("done", "failed")}


def form_outputs(values) -> tuple:
    """The page's outputs for the form's values (in :data:`FIELD_IDS` order):
    one message per field, the form's own message, the status line, the
    tab's answer and the verdict panel.  With bad input the last two are
    ``no_update``: the answer shown stays."""
    out = answer_form(dict(zip(FIELD_IDS, values)))
    errs = [out["errors"].get(f, "") for f in FIELD_IDS] + [out["errors"].get("", "")]
    if out["errors"]:
        return *errs, "input error: the answer shown is still that of the last good input", no_update, no_update
    cur = out["current"]
    return *errs, _status(cur, out["seconds"]), cur, views.verdict_panel(cur["summary"])


def _status(current: dict, seconds: float | None = None) -> str:
    s = current["summary"]
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    return (f"{s['model']} model answered{took}: {s['side']} {s['target']}, offset {s['offset_mm']:g} mm, "
            f"depth {s['depth_mm']:g} mm")


def register(app) -> None:
    """Attach every callback of the page to ``app`` (a ``dash.Dash``)."""
    errors_out = [Output(f"{f}-error", "children") for f in FIELD_IDS] + [Output("form-error", "children")]

    @app.callback(*errors_out, Output("status", "children"), Output("current", "data"),
                  Output("verdict", "children"), *[Input(f, "value") for f in FIELD_IDS])
    def on_form(*values):
        return form_outputs(values)

    @app.callback(Output("offset", "value"), Output("depth", "value"), Input("target", "value"),
                  prevent_initial_call=True)
    def on_target(target):  # as `rfsim predict --target`: the other target's offset and depth
        d = placement_defaults(target)
        return d["offset"], d["depth"]

    @app.callback(Output("folder", "disabled"), Input("anatomy", "value"))
    def on_anatomy(anatomy):
        return anatomy == "parametric"

    @app.callback(Output("now-figure", "src"), Output("now-title", "children"),
                  Output("form-error", "children", allow_duplicate=True),
                  Input("current", "data"), prevent_initial_call=True)
    def on_current_figure(current):
        try:  # figure and heading change together
            return figure_src(current), views.heading("This placement", current["summary"]), no_update
        except LookupError as e:
            return no_update, no_update, str(e)

    @app.callback(Output("impedance", "figure"), Input("current", "data"))
    def on_current_impedance(current):
        try:
            return views.impedance_figure(impedance_rows(current))
        except (FormErrors, ConfigError):
            return views.impedance_figure(None)

    @app.callback(Output("kept", "data"), Input("keep", "n_clicks"), Input("unkeep", "n_clicks"),
                  State("current", "data"), prevent_initial_call=True)
    def on_keep(_keep, _unkeep, current):
        return current if ctx.triggered_id == "keep" else None

    @app.callback(Output("kept-figure", "src"), Output("kept-title", "children"), Output("kept-column", "style"),
                  Output("comparison", "children"), Input("kept", "data"), Input("current", "data"))
    def on_kept(kept, current):
        style = {"flex": "1 1 0", "minWidth": 0, "display": "block" if kept else "none"}
        table = views.comparison(current["summary"], kept["summary"] if kept else None) if current else []
        if not kept:
            return "", "", style, table
        title = views.heading("Kept", kept["summary"])
        try:
            src = figure_src(kept) if ctx.triggered_id == "kept" or ctx.triggered_id is None else no_update
        except LookupError as e:
            return "", title, style, [str(e)]
        return src, title, style, table

    @app.callback(Output("download", "data"), Input("get-png", "n_clicks"), Input("get-json", "n_clicks"),
                  Input("get-h5", "n_clicks"), State("current", "data"), prevent_initial_call=True)
    def on_download(_png, _json, _h5, current):
        if not current:
            return no_update
        return download(ctx.triggered_id.removeprefix("get-"), current)

    @app.callback(Output("job", "data"), Output("poll", "disabled"), Output("progress-3d-box", "style"),
                  Input("run-3d", "n_clicks"), *[State(f, "value") for f in FIELD_IDS],
                  prevent_initial_call=True)
    def on_run_3d(_n, *values):
        form = dict(zip(FIELD_IDS, values))
        return {"id": RUNNER.submit(form), "form": form}, False, {"display": "block"}

    @app.callback(Output("progress-3d", "value"), Output("progress-3d-text", "children"),
                  Output("poll", "disabled", allow_duplicate=True),
                  Output("current", "data", allow_duplicate=True), Output("verdict", "children", allow_duplicate=True),
                  Output("status", "children", allow_duplicate=True), Input("poll", "n_intervals"),
                  State("job", "data"), prevent_initial_call=True)
    def on_poll(_n, job_data):
        job = RUNNER.status(job_data["id"]) if job_data else None
        v = job_view(job)
        if job is None or job.state != "done":
            return v["value"], v["text"], v["stop"], no_update, no_update, no_update
        entry = results.cached(job.key)
        if entry is None:
            return 1, "3-D answer no longer kept: run it again", True, no_update, no_update, no_update
        cur = {"key": job.key, "form": job_data["form"], "model": "3d", "summary": entry.summary}
        return 1, v["text"], True, cur, views.verdict_panel(entry.summary), _status(cur)
