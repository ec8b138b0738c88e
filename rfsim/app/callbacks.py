"""What the planning page does when something changes.

Each behaviour is a plain function of plain values (tested without a browser),
and :func:`register` wires it to the page's components.  A tab's state travels
with each request (the ``current``, ``kept``, ``job`` and ``unc-job`` stores),
so two tabs never share one; the results they point to are immutable cache
entries (:mod:`rfsim.app.results`).

Probabilities belong to the placement they were asked for: when the planner
changes the form afterwards, the page says they are for the earlier placement
and offers to ask again (a new answer takes a minute: it is not started on
every change).

Bad input: the message goes beside its field, the answer shown stays (its
outputs are left unchanged), and the server goes on.
"""

from __future__ import annotations

import base64
import logging
import time

from dash import Input, Output, State, ctx, dcc, no_update

from rfsim.app import results, views
from rfsim.app.artifacts import NO_NIFTI, file_name, has_image
from rfsim.app.form import (FIELD_IDS, SEED, FormErrors, draws_from_text, field_of, message_of, placement_defaults,
                            scenario_from_form)
from rfsim.app.jobs import RUNNER, uncertainty_key
from rfsim.app.layout import figure_column_style
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


#: Where the page's figure of an answer is served (:func:`page_figure`), by its key.
FIGURE_ROUTE = "/figure/<key>.png"


def figure_src(current: dict | None) -> str:
    """The address of an answer's page figure ('' for none), made sure to be
    in the cache (a layered answer that left it is computed again).

    An address, not the picture: the browser fetches it while the figure is
    still being drawn (:func:`rfsim.app.results.answer` starts it), so the
    page learns the address with the verdict, in the same reply, and the
    picture does not travel as base64 inside Dash's JSON.

    Raises
    ------
    LookupError
        A 3-D answer that has left the cache.
    """
    if not current:
        return ""
    return FIGURE_ROUTE.replace("<key>", entry_for(current).key)


def page_figure(key: str) -> bytes | None:
    """The page's figure (PNG) of the answer ``key``, waiting while it is
    drawn (a layered answer that has left the cache is computed again); None
    for a key never answered or a 3-D answer no longer kept."""
    entry = results.recall(key)
    if entry is None:
        return None
    try:
        return results.file_of(entry, "page")
    except KeyError:  # a 3-D answer without its figure
        return None


def impedance_rows(current: dict | None) -> list:
    """The impedance profile along the answer's needle path (layered model),
    once the answer's figure is drawn: on two cores the chart would slow the
    figure the planner is waiting for."""
    if not current:
        return []
    entry = results.cached(current["key"])
    if entry is not None and entry.prediction is not None:
        results.file_of(entry, "page")
    return results.impedance(scenario_from_form(current["form"]))


#: File extension of each download.
EXTENSIONS = {"png": "png", "json": "json", "h5": "h5", "nifti": "nifti.zip"}


def download(kind: str, current: dict) -> dict:
    """What ``dcc.Download`` needs for one of the answer's files.

    Raises
    ------
    LookupError, KeyError
        The answer or its file is no longer kept (a 3-D answer).
    ConfigError
        NIfTI of an anatomy without an image, or nibabel missing.
    """
    return dcc.send_bytes(results.file_of(entry_for(current), kind), file_name(current["summary"], EXTENSIONS[kind]))


def nifti_offer(current: dict | None) -> tuple:
    """Whether the NIfTI button is disabled, its tooltip and the note beside it."""
    if current and has_image(current["summary"]):
        tip = "the lesion, damage, peak temperature and needle on the anatomy's image grid, as rfsim predict --nifti"
        return False, tip, ""
    return True, NO_NIFTI, NO_NIFTI


_JOB_LABEL = {"3d": "3-D model", "uncertainty": "probabilities"}


def job_view(job) -> dict:
    """Progress bar value, its text, and whether polling stops, for a job."""
    if job is None:
        return {"value": 0, "text": "unknown job (the server was restarted?)", "stop": True}
    label = _JOB_LABEL[job.kind]
    text = {"queued": f"{label}: {job.message}", "running": f"{label}: {job.message} {job.fraction:.0%}",
            "done": f"{label}: done", "failed": f"{label} failed: {job.message}"}[job.state]
    return {"value": job.fraction, "text": text, "stop": job.state in ("done", "failed")}


def request_uncertainty(ticked: bool, draws_text, current: dict | None) -> dict:
    """What ticking the probabilities box (or asking again) does.

    Returns
    -------
    dict
        ``error``: the message beside the draws field ('' for none); ``unc``:
        the tab's uncertainty request (``key`` of its answer, ``placement``:
        the layered key of the placement asked for, ``form``, ``id`` of its
        job or None when the answer is at hand), None when there is nothing to
        ask, or absent when the request stands as it was.
    """
    try:  # checked ticked or not: the message comes as the number is typed
        n = draws_from_text(draws_text)
    except ValueError as e:
        return {"error": str(e)}
    if not ticked:
        return {"error": "", "unc": None}
    if not current:
        return {"error": ""}
    sc = scenario_from_form(current["form"])
    unc = {"key": uncertainty_key(sc, n, SEED), "placement": results.scenario_key(sc), "form": current["form"],
           "id": None}
    if results.cached(unc["key"]) is None:
        unc["id"] = RUNNER.submit(current["form"], "uncertainty", draws=n, seed=SEED)
    return {"error": "", "unc": unc}


def first_answer_awaited(ticked: bool, unc: dict | None) -> bool:
    """Whether a new answer shown should start the probabilities: only when
    the box was ticked before there was any answer to ask them for (later
    changes of placement do not start a minute's work each)."""
    return ticked and not unc


def earlier_placement(unc: dict, current: dict | None) -> str:
    """'' when the probabilities asked for are those of the placement shown
    now, else a sentence that says they are not."""
    if not current or results.scenario_key(scenario_from_form(current["form"])) == unc["placement"]:
        return ""
    return ("These probabilities are for an earlier placement, not the one shown now: press "
            "\u201cprobabilities for this placement\u201d for its own.")


def uncertainty_outputs(unc: dict | None, current: dict | None) -> tuple:
    """The probabilities panel (children, style) and the ask-again button's style."""
    hidden = {"display": "none"}
    entry = results.cached(unc["key"]) if unc else None
    if entry is None:
        return [], hidden, hidden
    earlier = earlier_placement(unc, current)
    src = "data:image/png;base64," + base64.b64encode(entry.files["page"]).decode()
    panel = views.uncertainty_panel(entry.summary, src, earlier)
    return panel, {"display": "block", "marginTop": "0.5em"}, ({"display": "inline-block"} if earlier else hidden)


def form_outputs(values) -> tuple:
    """The page's outputs for the form's values (in :data:`FIELD_IDS` order):
    one message per field, the form's own message, the status line, the
    tab's answer, the verdict panel, and the figure's address and heading
    (:func:`figure_src`).  With bad input the last four are ``no_update``:
    the answer shown stays."""
    out = answer_form(dict(zip(FIELD_IDS, values)))
    errs = [out["errors"].get(f, "") for f in FIELD_IDS] + [out["errors"].get("", "")]
    if out["errors"]:
        return (*errs, "input error: the answer shown is still that of the last good input", no_update, no_update,
                no_update, no_update)
    cur = out["current"]
    return *errs, _status(cur, out["seconds"]), cur, *_shown(cur)


def _shown(current: dict) -> tuple:
    """The verdict panel, the figure's address and its heading of an answer."""
    return (views.verdict_panel(current["summary"]), figure_src(current),
            views.heading("This placement", current["summary"]))


def _status(current: dict, seconds: float | None = None) -> str:
    s = current["summary"]
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    return (f"{s['model']} model answered{took}: {s['side']} {s['target']}, offset {s['offset_mm']:g} mm, "
            f"depth {s['depth_mm']:g} mm")


def register(app) -> None:
    """Attach every callback of the page to ``app`` (a ``dash.Dash``)."""
    errors_out = [Output(f"{f}-error", "children") for f in FIELD_IDS] + [Output("form-error", "children")]

    @app.server.route(FIGURE_ROUTE)
    def figure_file(key):
        from flask import Response, abort

        png = page_figure(key)
        if png is None:
            abort(404, "this answer is no longer kept on the server: change the placement or run it again")
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})

    # the figure's address comes with the verdict: one reply, and the browser fetches the picture at once
    @app.callback(*errors_out, Output("status", "children"), Output("current", "data"),
                  Output("verdict", "children"), Output("now-figure", "src"), Output("now-title", "children"),
                  *[Input(f, "value") for f in FIELD_IDS])
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

    @app.callback(Output("impedance", "figure"), Input("current", "data"))
    def on_current_impedance(current):
        try:
            return views.impedance_figure(impedance_rows(current))
        except (FormErrors, ConfigError):
            return views.impedance_figure(None)

    @app.callback(Output("get-nifti", "disabled"), Output("get-nifti", "title"), Output("nifti-note", "children"),
                  Input("current", "data"))
    def on_current_nifti(current):
        return nifti_offer(current)

    @app.callback(Output("kept", "data"), Input("keep", "n_clicks"), Input("unkeep", "n_clicks"),
                  State("current", "data"), prevent_initial_call=True)
    def on_keep(_keep, _unkeep, current):
        return current if ctx.triggered_id == "keep" else None

    @app.callback(Output("kept-figure", "src"), Output("kept-title", "children"), Output("kept-column", "style"),
                  Output("comparison", "children"), Input("kept", "data"), Input("current", "data"))
    def on_kept(kept, current):
        style = figure_column_style(bool(kept))
        table = views.comparison(current["summary"], kept["summary"] if kept else None) if current else []
        if not kept:
            return "", "", style, table
        title = views.heading("Kept", kept["summary"])
        try:
            src = figure_src(kept) if ctx.triggered_id == "kept" or ctx.triggered_id is None else no_update
        except LookupError as e:
            return "", title, style, [str(e)]
        return src, title, style, table

    @app.callback(Output("download", "data"), Output("nifti-note", "children", allow_duplicate=True),
                  Input("get-png", "n_clicks"), Input("get-json", "n_clicks"), Input("get-h5", "n_clicks"),
                  Input("get-nifti", "n_clicks"), State("current", "data"), prevent_initial_call=True)
    def on_download(_png, _json, _h5, _nifti, current):
        if not current:
            return no_update, no_update
        try:
            return download(ctx.triggered_id.removeprefix("get-"), current), no_update
        except ConfigError as e:
            return no_update, f"{e.value}: {e.allowed}"
        except (LookupError, KeyError):
            return no_update, "this answer's files are no longer kept on the server: run it again"

    @app.callback(Output("job", "data"), Output("poll", "disabled"), Output("progress-3d-box", "style"),
                  Input("run-3d", "n_clicks"), *[State(f, "value") for f in FIELD_IDS],
                  prevent_initial_call=True)
    def on_run_3d(_n, *values):
        form = dict(zip(FIELD_IDS, values))
        return {"id": RUNNER.submit(form, "3d"), "form": form}, False, {"display": "block"}

    @app.callback(Output("draws-error", "children"), Output("unc-job", "data"), Output("poll-unc", "disabled"),
                  Output("progress-unc-box", "style"), Input("uncertainty", "value"), Input("draws", "value"),
                  Input("unc-again", "n_clicks"), Input("current", "data"), State("unc-job", "data"),
                  prevent_initial_call=True)
    def on_uncertainty(ticked, draws, _again, current, unc):
        if ctx.triggered_id == "current" and not first_answer_awaited(bool(ticked), unc):
            return no_update, no_update, no_update, no_update
        out = request_uncertainty(bool(ticked), draws, current)
        if "unc" not in out:
            return out["error"], no_update, no_update, no_update
        unc = out["unc"]
        running = bool(unc and unc["id"])
        return out["error"], unc, not running, {"display": "block" if running else "none"}

    @app.callback(Output("progress-unc", "value"), Output("progress-unc-text", "children"),
                  Output("poll-unc", "disabled", allow_duplicate=True),
                  Output("unc-job", "data", allow_duplicate=True), Input("poll-unc", "n_intervals"),
                  State("unc-job", "data"), prevent_initial_call=True)
    def on_poll_uncertainty(_n, unc):
        job = RUNNER.status(unc["id"]) if unc and unc.get("id") else None
        v = job_view(job)
        done = job is not None and job.state == "done"
        return v["value"], v["text"], v["stop"], ({**unc, "id": None} if done else no_update)

    @app.callback(Output("uncertainty-panel", "children"), Output("uncertainty-panel", "style"),
                  Output("unc-again", "style"), Input("unc-job", "data"), Input("current", "data"))
    def on_uncertainty_panel(unc, current):
        return uncertainty_outputs(unc, current)

    @app.callback(Output("progress-3d", "value"), Output("progress-3d-text", "children"),
                  Output("poll", "disabled", allow_duplicate=True),
                  Output("current", "data", allow_duplicate=True), Output("status", "children", allow_duplicate=True),
                  Output("verdict", "children", allow_duplicate=True),
                  Output("now-figure", "src", allow_duplicate=True),
                  Output("now-title", "children", allow_duplicate=True), Input("poll", "n_intervals"),
                  State("job", "data"), prevent_initial_call=True)
    def on_poll(_n, job_data):
        job = RUNNER.status(job_data["id"]) if job_data else None
        v = job_view(job)
        if job is None or job.state != "done":
            return v["value"], v["text"], v["stop"], *[no_update] * 5
        entry = results.cached(job.key)
        if entry is None:
            return 1, "3-D answer no longer kept: run it again", True, *[no_update] * 5
        cur = {"key": job.key, "form": job_data["form"], "model": "3d", "summary": entry.summary}
        return 1, v["text"], True, cur, _status(cur), *_shown(cur)
