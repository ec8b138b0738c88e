"""The command line's promises beyond bad input (docs/robustness.md): warnings of
the run's plausibility reach the user, a closed pipe ends quietly, and
``impedance --model 3d`` runs the 3-D model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rfsim.cli.main import EXIT_BROKEN_PIPE, main

ROOT = Path(__file__).resolve().parents[2]


def test_a_set_point_never_reached_is_printed(tmp_path, capsys):
    f = tmp_path / "weak.toml"
    f.write_text("[generator]\nvoltage_limit_v = 1e-6\n[protocol]\nduration_s = 1.0\ncooling_s = 0.0\n")
    assert main(["run", str(f), "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("not the set 80 C" in w and "voltage_limit_v" in w for w in warnings)


def test_a_closed_pipe_ends_quietly(monkeypatch, capsys):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self):
            raise ValueError("no file")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["template", "cordotomy"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def _env():
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


@pytest.mark.slow
def test_predict_into_a_closed_pipe_prints_no_traceback(tmp_path):
    """``rfsim predict | head -3``: the reader goes away before the result is printed."""
    p = subprocess.Popen([sys.executable, "-m", "rfsim", "predict", "--lesions", "1", "--duration", "5"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=tmp_path)
    p.stdout.close()  # as head does once it has its lines
    err = p.stderr.read().decode()
    assert p.wait(timeout=600) == EXIT_BROKEN_PIPE
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.slow
def test_impedance_model_3d_runs_the_3d_model(tmp_path):
    """``--model 3d`` once ran the layered model; the 3-D cord reading is far lower
    (current leaves along the cord, docs/model3d.md).  A coarse 3-D grid keeps it quick."""
    f = tmp_path / "coarse.toml"
    f.write_text('[scenario]\nkind = "cordotomy"\n[mesh]\nrefine = 0.5\n')

    def readings(model):
        p = subprocess.run([sys.executable, "-m", "rfsim", "impedance", "--config", str(f), "--model", model,
                            "--start", "-0.5", "--step", "2", "--json"], capture_output=True, text=True,
                           env=_env(), timeout=900)
        assert p.returncode == 0, p.stderr
        return {r["depth_mm"]: r["impedance_ohm"] for r in json.loads(p.stdout)}

    layered, three_d = readings("axisymmetric"), readings("3d")
    assert layered.keys() == three_d.keys()
    assert three_d[2.5] < 0.7 * layered[2.5]
