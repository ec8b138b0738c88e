"""The planning page without a browser: the form, its messages, the answers of
two sessions at once, the downloads, and the 3-D job."""

import base64
import gzip
import io
import json
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("dash", reason='the planning page needs the app extra: pip install ".[app]"')

from dash import no_update  # noqa: E402

from rfsim.app import callbacks, results  # noqa: E402
from rfsim.app.form import DEFAULTS, FIELD_IDS, FIELDS, FormErrors, field_of, scenario_from_form  # noqa: E402
from rfsim.app.layout import ROWS  # noqa: E402
from rfsim.cli import main  # noqa: E402
from rfsim.errors import ConfigError  # noqa: E402
from rfsim.prediction import cordotomy_scenario, predict  # noqa: E402


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pam50_folder():
    """The PAM50 crop beside the repository (or beside the worktrees' folder)."""
    pytest.importorskip("nibabel", reason="nibabel is needed to read the PAM50 crop (pip install 'rfsim[atlas]')")
    for base in (REPO.parent, REPO.parent.parent):
        folder = base / "shared" / "data" / "pam50_c1c3"
        if folder.is_dir():
            return folder
    pytest.skip("PAM50 crop not found in ../shared/data/pam50_c1c3")


def _same(a: dict, b: dict, tol=1e-12):
    """Two summaries agree (all keys but the run time)."""
    assert set(a) == set(b)
    for k in a:
        if k == "runtime_s":
            continue
        x, y = a[k], b[k]
        if isinstance(x, float):
            assert abs(x - y) <= tol * max(1.0, abs(y)), k
        elif isinstance(x, dict):
            _same(x, y, tol)
        elif isinstance(x, list) and x and isinstance(x[0], dict):
            for u, v in zip(x, y):
                _same(u, v, tol)
        else:
            assert x == y, k


def _concurrently(session, keys, rounds=3):
    """Run ``session(k)`` ``rounds`` times for every key, one thread per key at
    once, and return each key's list of results; a session's error fails the test."""
    got, errors = {k: [] for k in keys}, []

    def run(k):
        try:
            for _ in range(rounds):
                got[k].append(session(k))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    return got


def test_default_form_is_the_default_prediction():
    results.clear()
    out = callbacks.answer_form(dict(DEFAULTS))
    assert out["errors"] == {}
    _same(out["current"]["summary"], predict(cordotomy_scenario()).summary)


def test_form_takes_the_same_keys_as_rfsim_predict(capsys):
    form = {**DEFAULTS, "side": "left", "target": "arm", "offset": "2.2", "depth": "2.8", "diameter": "0.5",
            "tip": "1.5", "temperature": "75", "duration": "45", "lesions": "2"}
    page = callbacks.answer_form(form)["current"]["summary"]
    assert main(["predict", "--json", "--side", "left", "--target", "arm", "--offset", "2.2", "--depth", "2.8",
                 "--electrode-diameter", "0.5", "--tip-length", "1.5", "--temperature", "75", "--duration", "45",
                 "--lesions", "2"]) == 0
    _same(page, json.loads(capsys.readouterr().out))


def test_blank_offset_and_depth_take_the_targets_defaults():
    sc = scenario_from_form({**DEFAULTS, "target": "arm", "offset": "", "depth": " "})
    assert sc.placement.offset_mm is None and sc.placement.depth_mm is None
    assert sc.placement.target == "arm"


@pytest.mark.parametrize("field, text, words", [
    ("offset", "abc", "not a number"),
    ("offset", "9", "must lie in [-4, 6]"),
    ("depth", "0", "must lie in (0, 12]"),
    ("diameter", "5", "must lie in [0.1, 2]"),
    ("tip", "", "required"),
    ("temperature", "30", "must lie in [45, 95]"),
    ("duration", "-1", "must lie in (0, 600]"),
    ("lesions", "2.5", "not a whole number"),
    ("lesions", "0", "from 1 to 10"),
    ("ap", "3", "must lie in [5, 12]"),
    ("folder", "", "required"),
])
def test_bad_input_names_its_field(field, text, words):
    form = {**DEFAULTS, field: text}
    if field == "folder":
        form["anatomy"] = "patient"
    out = callbacks.answer_form(form)
    assert set(out["errors"]) == {field}, out
    assert words in out["errors"][field]


def test_bad_input_keeps_the_answer_shown():
    good = callbacks.form_outputs([DEFAULTS[f] for f in FIELD_IDS])
    n = len(FIELD_IDS)
    assert all(m == "" for m in good[:n + 1]) and good[n + 3] is not no_update
    assert good[n + 4] == callbacks.figure_src(good[n + 2]) and "offset 1.5 mm" in good[n + 5]
    bad = callbacks.form_outputs([("nine" if f == "offset" else DEFAULTS[f]) for f in FIELD_IDS])
    assert "not a number" in bad[FIELD_IDS.index("offset")]
    assert all(v is no_update for v in bad[n + 2:])  # the answer, the verdict and the figure stay
    assert "input error" in bad[n + 1]


def test_every_scenario_key_of_the_form_leads_back_to_its_field():
    for f in FIELDS:
        if f.key:
            assert field_of(ConfigError(f.key, 0, "x")) == f.id
    # the placement checks inside the model use bare keys
    assert field_of(ConfigError("offset_mm", 0, "x")) == "offset"
    assert field_of(ConfigError("pam50", "/x", "x")) == "folder"
    assert field_of(ConfigError("something.else", 0, "x")) == ""


def test_layout_places_every_field_once():
    assert sorted(sum(ROWS, ())) == sorted(FIELD_IDS)
    from rfsim.app.server import create_app

    assert create_app().layout is not None


def test_pam50_atlas_from_a_folder(pam50_folder):
    out = callbacks.answer_form({**DEFAULTS, "anatomy": "pam50", "folder": str(pam50_folder)})
    assert out["errors"] == {}
    assert out["current"]["summary"]["anatomy"].startswith("pam50")


def test_two_sessions_at_once_get_their_own_answers():
    """Two tabs asking different placements at the same time each get the
    answer a lone request gets (the model runs under the app's lock)."""
    forms = {"a": {**DEFAULTS, "offset": "1.1"}, "b": {**DEFAULTS, "offset": "2.4", "lesions": "2"}}
    results.clear()
    alone = {k: predict(scenario_from_form(f)).summary for k, f in forms.items()}
    results.clear()

    def session(k):
        cur = callbacks.answer_form(forms[k])["current"]
        answer = cur["summary"], callbacks.figure_src(cur), callbacks.impedance_rows(cur)
        results.clear()  # the next round computes again, concurrently with the other tab
        return answer

    got = _concurrently(session, forms)
    for k in forms:
        assert len(got[k]) == 3
        for summary, src, rows in got[k]:
            _same(summary, alone[k])
            assert src.startswith("/figure/")
            assert rows[-1]["depth_mm"] == pytest.approx(summary["depth_mm"])
    assert got["a"][0][1] != got["b"][0][1]


def test_downloads_are_the_command_lines_files(tmp_path):
    from rfsim.io import read_result

    cur = callbacks.answer_form(dict(DEFAULTS))["current"]
    js = callbacks.download("json", cur)
    assert js["filename"] == "rfsim_right_leg_off1.5_dep2.5_axisymmetric.json"
    assert json.loads(base64.b64decode(js["content"])) == cur["summary"]
    png = base64.b64decode(callbacks.download("png", cur)["content"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    h5 = tmp_path / "r.h5"
    h5.write_bytes(base64.b64decode(callbacks.download("h5", cur)["content"]))
    back = read_result(h5)
    assert back["metrics"]["cord_area_fraction"] == cur["summary"]["cord_area_fraction"]
    assert io.BytesIO(png).getbuffer().nbytes > 10_000


def test_an_answer_that_left_the_cache_is_computed_again():
    cur = callbacks.answer_form(dict(DEFAULTS))["current"]
    results.clear()
    assert callbacks.entry_for(cur).summary["cord_area_fraction"] == cur["summary"]["cord_area_fraction"]
    results.clear()
    with pytest.raises(LookupError):  # a 3-D answer is not recomputed behind the planner's back
        callbacks.entry_for({**cur, "model": "3d"})


def test_form_errors_read_as_one_line():
    with pytest.raises(FormErrors) as e:
        scenario_from_form({**DEFAULTS, "offset": "x", "tip": ""})
    assert "offset" in str(e.value) and "tip" in str(e.value)


@pytest.mark.slow
def test_3d_job_runs_in_its_own_process_and_reports_progress(pam50_folder):
    """A 3-D job on the atlas: progress, the four files plus the NIfTI zip,
    whose lesion lies on the atlas's image grid."""
    import zipfile

    import nibabel

    from rfsim.nifti import FILES

    from rfsim.app.jobs import Runner

    runner = Runner()
    job_id = runner.submit({**DEFAULTS, "lesions": "1", "duration": "5", "anatomy": "pam50",
                            "folder": str(pam50_folder)})
    seen = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1800:  # ~30 s alone; much longer on a shared, loaded machine
        job = runner.status(job_id)
        seen.append(job.fraction)
        view = callbacks.job_view(job)
        if view["stop"]:
            break
        time.sleep(0.5)
    assert job.state == "done", job
    assert seen == sorted(seen) and 0 < max(seen) <= 1
    entry = results.cached(job.key)
    assert entry.summary["model"] == "3d"
    assert set(entry.files) == {"page", "png", "json", "h5", "nifti"}
    current = {"key": job.key, "model": "3d", "form": {}, "summary": entry.summary}
    assert callbacks.figure_src(current)
    assert callbacks.nifti_offer(current)[0] is False
    got = callbacks.download("nifti", current)
    assert got["filename"].endswith("_3d.nifti.zip")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(got["content"]))) as z:
        assert json.loads(z.read("rfsim_nifti.json"))["anatomy"] == "pam50"
        lesion = nibabel.Nifti1Image.from_bytes(gzip.decompress(z.read(FILES["lesion"])))
    cord = nibabel.load(pam50_folder / "template" / "PAM50_cord.nii.gz")
    assert lesion.shape == cord.shape and (lesion.affine == cord.affine).all()
    assert 0 < lesion.get_fdata().sum() < lesion.get_fdata().size


def test_nifti_is_offered_for_an_image_anatomy_only(pam50_folder):
    import zipfile

    import nibabel

    from rfsim.app.artifacts import NO_NIFTI
    from rfsim.nifti import FILES

    par = callbacks.answer_form(dict(DEFAULTS))["current"]
    assert callbacks.nifti_offer(par) == (True, NO_NIFTI, NO_NIFTI)
    with pytest.raises(ConfigError):  # asked anyway (the button is disabled): refused with the reason
        callbacks.download("nifti", par)
    cur = callbacks.answer_form({**DEFAULTS, "anatomy": "pam50", "folder": str(pam50_folder)})["current"]
    disabled, _, note = callbacks.nifti_offer(cur)
    assert not disabled and note == ""
    got = callbacks.download("nifti", cur)
    assert got["filename"].endswith("_axisymmetric.nifti.zip")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(got["content"]))) as z:
        names = set(z.namelist())
        assert names == {FILES[k] for k in ("lesion", "damage", "peak_temperature", "needle")} | {"rfsim_nifti.json"}
        side = json.loads(z.read("rfsim_nifti.json"))
        lesion = nibabel.Nifti1Image.from_bytes(gzip.decompress(z.read(FILES["lesion"])))
    assert side["anatomy"] == "pam50"
    assert 0 < lesion.get_fdata().sum() < lesion.get_fdata().size


@pytest.mark.parametrize("text, words", [("abc", "not a whole number"), ("", "not a whole number"),
                                         ("5", "must lie in [10, 2000]"), ("2001", "must lie in [10, 2000]")])
def test_bad_number_of_draws_gets_a_message_and_starts_nothing(text, words):
    cur = callbacks.answer_form(dict(DEFAULTS))["current"]
    out = callbacks.request_uncertainty(True, text, cur)
    assert words in out["error"] and "unc" not in out  # the request shown stays as it was
    assert callbacks.request_uncertainty(False, text, cur)["error"] == out["error"]  # ticked or not
    assert callbacks.request_uncertainty(False, "10", cur) == {"error": "", "unc": None}


def test_probabilities_belong_to_the_placement_asked_for():
    """An answer at hand is shown at once; after a change of placement it is
    said to be the earlier placement's, and asking again is offered."""
    from rfsim.app import jobs
    from rfsim.app.form import SEED
    from rfsim.uncertainty import predict_uncertainty

    cur = callbacks.answer_form(dict(DEFAULTS))["current"]
    reports = []
    key, summary, files = jobs.compute_uncertainty(cur["form"], {"draws": 10, "seed": SEED, "workers": 0},
                                                   lambda f, m: reports.append(f))
    assert reports == sorted(reports) and reports[-1] == 1.0
    direct = predict_uncertainty(scenario_from_form(cur["form"]), n=10, seed=SEED, workers=0).summary
    assert summary["p_relief_ci"] == direct["p_relief_ci"] and summary["draws"] == 10
    results.keep(results.Entry(key, summary, None, files), job=True)
    for _ in range(results.CACHE_SIZE + 1):  # layered answers do not push a job's answer out
        results.keep(results.Entry(f"filler-{_}", {}, None, {}))
    out = callbacks.request_uncertainty(True, "10", cur)
    assert out["error"] == "" and out["unc"]["key"] == key and out["unc"]["id"] is None  # no job: at hand
    panel, style, again = callbacks.uncertainty_outputs(out["unc"], cur)
    text = str(panel)
    assert style["display"] == "block" and again["display"] == "none"
    assert "P(relief)" in text and "95 % Wilson interval" in text and "calibration" in text
    assert "earlier placement" not in text and "data:image/png;base64," in text
    moved = callbacks.answer_form({**DEFAULTS, "offset": "2"})["current"]
    panel, style, again = callbacks.uncertainty_outputs(out["unc"], moved)
    assert "earlier placement" in str(panel) and "offset 1.5 mm" in str(panel)
    assert again["display"] == "inline-block"
    assert callbacks.uncertainty_outputs(None, moved)[1] == {"display": "none"}


def test_a_new_answer_starts_probabilities_only_when_none_were_asked_for():
    assert callbacks.first_answer_awaited(True, None)  # ticked before the first answer came
    assert not callbacks.first_answer_awaited(True, {"key": "k", "placement": "p", "form": {}, "id": None})
    assert not callbacks.first_answer_awaited(False, None)


def test_the_model_serves_predictions_before_impedance_charts():
    lock = results.ModelLock()
    order = []

    def use(name, urgent):
        with lock.hold(urgent):
            order.append(name)

    with lock.hold():
        chart = threading.Thread(target=use, args=("chart", False))
        chart.start()
        time.sleep(0.2)  # the chart asks first
        prediction = threading.Thread(target=use, args=("prediction", True))
        prediction.start()
        time.sleep(0.2)  # both wait for the lock
    chart.join(5)
    prediction.join(5)
    assert order == ["prediction", "chart"]


def test_page_figure_is_drawn_ahead_of_its_request():
    results.clear()
    cur = callbacks.answer_form({**DEFAULTS, "offset": "1.7"})["current"]
    entry = results.cached(cur["key"])
    for _ in range(600):
        if "page" in entry.files:
            break
        time.sleep(0.1)
    assert "page" in entry.files  # drawn with no request for it
    assert callbacks.figure_src(cur) == f"/figure/{cur['key']}.png"
    assert callbacks.page_figure(cur["key"]) == entry.files["page"]


def test_the_page_fetches_the_figure_from_its_address():
    """The address comes with the verdict; fetched while the figure is still
    being drawn, it answers once it is drawn, with the figure's PNG."""
    from rfsim.app.server import create_app

    results.clear()
    out = callbacks.form_outputs([("1.3" if f == "offset" else DEFAULTS[f]) for f in FIELD_IDS])
    src = out[len(FIELD_IDS) + 4]
    client = create_app().server.test_client()
    got = client.get(src)
    assert got.status_code == 200 and got.mimetype == "image/png"
    entry = results.cached(out[len(FIELD_IDS) + 2]["key"])
    assert got.data == entry.files["page"] and got.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert got.headers["Cache-Control"] == "no-store"
    results.clear(scenarios=False)  # the answer left the cache (12 newer ones): its figure is made again
    again = client.get(src)
    assert again.status_code == 200 and again.data == got.data
    results.clear()
    assert client.get(src).status_code == 404  # a key this server never answered


@pytest.mark.slow
def test_uncertainty_job_runs_in_its_own_process_and_reports_progress():
    """The job's process starts the uncertainty's own workers (it is not a
    daemon), reports draws done, and leaves the answer and its figure."""
    from rfsim.app.form import SEED
    from rfsim.app.jobs import Runner, uncertainty_key

    runner = Runner()
    job_id = runner.submit(dict(DEFAULTS), "uncertainty", draws=10, seed=SEED)
    seen, texts = [], set()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 900:
        job = runner.status(job_id)
        seen.append(job.fraction)
        view = callbacks.job_view(job)
        texts.add(view["text"])
        if view["stop"]:
            break
        time.sleep(0.3)
    assert job.state == "done", job
    assert seen == sorted(seen) and any(t.startswith("probabilities: draw") for t in texts), texts
    assert job.key == uncertainty_key(scenario_from_form(dict(DEFAULTS)), 10, SEED)
    entry = results.cached(job.key)
    assert entry.summary["draws"] == 10 and entry.files["page"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_kept_figure_draws_each_answer_as_alone_from_two_threads():
    """The page's figures are drawn into one figure kept between answers
    (artifacts.figure_png): two threads drawing different answers at once
    each get the PNG of their own answer, byte for byte as drawn alone."""
    from rfsim.app import artifacts

    prs = [predict(scenario_from_form({**DEFAULTS, **f})) for f in ({"offset": "1.2"}, {"side": "left"})]
    alone = [artifacts.figure_png(pr, artifacts.PAGE_DPI) for pr in prs]
    assert alone[0] != alone[1]
    got = _concurrently(lambda k: artifacts.figure_png(prs[k], artifacts.PAGE_DPI), (0, 1))
    for k in got:
        assert got[k] == [alone[k]] * 3
