"""``rfsim impedance --plot``: the chart is written, and a path that cannot be
written is refused before any solve."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _rfsim(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "rfsim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def test_impedance_plot(tmp_path):
    p = _rfsim("impedance", "--step", "0.5", "--plot", "z.png", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "tip in" in p.stdout
    assert (tmp_path / "z.png").stat().st_size > 10_000
    p = _rfsim("impedance", "--plot", tmp_path / "missing" / "z.png", cwd=tmp_path)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "--plot" in p.stderr
    assert p.stdout == ""  # refused before the first reading
