"""The command line as a user meets it: exit codes, one-line errors, outputs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# every test here starts the command line as a process
pytestmark = pytest.mark.slow


def rfsim(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "rfsim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def assert_one_line_error(p, *words):
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_version():
    p = rfsim("--version")
    assert p.returncode == 0 and p.stdout.startswith("rfsim ")


def test_predict_json_plot_and_hdf5(tmp_path):
    from rfsim.io import read_result

    p = rfsim("predict", "--json", "--lesions", "1", "--out", tmp_path / "p.h5", "--plot", tmp_path / "p.png")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["lesions"] == 1 and 0 < s["cord_area_fraction"] < 1
    assert (tmp_path / "p.png").stat().st_size > 20_000
    r = read_result(tmp_path / "p.h5")
    assert r["metrics"]["cord_area_fraction"] == pytest.approx(s["cord_area_fraction"])
    assert r["units"]["fields/temperature_c"] == "C" and r["units"]["series/power_w"] == "W"
    assert "kind = \"cordotomy\"" in r["scenario"]
    assert r["fields"]["omega"].shape == r["fields"]["temperature_c"].shape
    assert r["rfsim_version"] == s["rfsim_version"]


def test_template_round_trip(tmp_path):
    p = rfsim("template", "cordotomy")
    assert p.returncode == 0
    f = tmp_path / "c.toml"
    f.write_text(p.stdout.replace("lesions = 3", "lesions = 1").replace('target = "leg"', 'target = "arm"'))
    q = rfsim("predict", "--config", f, "--json")
    assert q.returncode == 0, q.stderr
    s = json.loads(q.stdout)
    assert s["target"] == "arm" and s["lesions"] == 1 and s["offset_mm"] == 2.5


def test_run_homogeneous(tmp_path):
    f = tmp_path / "h.toml"
    f.write_text(rfsim("template", "homogeneous").stdout.replace("duration_s = 60.0", "duration_s = 20.0"))
    p = rfsim("run", f, "--json")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["lesion_width_mm"] > 1.0 and s["final_tip_temperature_c"] == pytest.approx(80.0, abs=0.01)


def test_impedance_json():
    p = rfsim("impedance", "--json", "--step", "0.5")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert {"depth_mm", "impedance_ohm", "tissue"} <= set(rows[0])
    assert [r["tissue"] for r in rows if r["depth_mm"] == 0.0] == ["pia"]


@pytest.mark.parametrize("args,words", [
    (["predict", "--offset", "9"], ["--offset", "9"]),  # the flag the user typed, not placement.offset_mm
    (["predict", "--depth", "-1"], ["--depth", "-1"]),
    (["predict", "--temperature", "30"], ["--temperature", "30", "[45, 95]"]),
    (["predict", "--lesions", "0"], ["--lesions", "0"]),
    (["predict", "--tip-length", "30"], ["--tip-length", "30"]),
    (["predict", "--target", "foot"], ["invalid choice", "foot"]),
    (["predict", "--config", "missing.toml"], ["--config", "missing.toml", "not found"]),
    (["template", "nope"], ["template", "nope", "cordotomy"]),
    (["bench", "--threads", "0"], ["--threads", "0", "must be 1 to"]),
])
def test_bad_input_exits_2_with_one_line(args, words):
    assert_one_line_error(rfsim(*args), *words)


def test_bad_scenario_file(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[scenario]\nkind = \"cordotomy\"\n[placement]\nofset_mm = 1.0\n")
    assert_one_line_error(rfsim("predict", "--config", f), "placement.ofset_mm", "offset_mm")
    f.write_text("[medium]\nsigma_s_per_m = nan\n")
    assert_one_line_error(rfsim("run", f), "medium.sigma_s_per_m", "nan")
    f.write_text("[protocol]\nlesions = 0\n")
    assert_one_line_error(rfsim("run", f), "protocol.lesions")
