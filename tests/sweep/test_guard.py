"""A script that starts a local sweep without ``if __name__ == "__main__":``
(rfsim.sweep.guard): one clear error before any file is touched, and, should
the workers still die while starting, no stub store left behind."""

import os
import subprocess
import sys

import pytest

from rfsim.sweep.guard import GUARD_ADVICE, _guarded_lines

from .support import ROOT

SCRIPT = """
{prelude}
from rfsim.sweep import parse_sweep, run_sweep

spec = parse_sweep({{"base": {{"protocol": {{"duration_s": 2.0, "lesions": 1, "cooling_s": 1.0}}}},
                    "grid": {{"placement.offset_mm": [1.0, 1.5]}}}})
{call}
"""


def _run(tmp_path, prelude="", call='run_sweep(spec, "s.h5", workers=1, progress=False)'):
    (tmp_path / "script.py").write_text(SCRIPT.format(prelude=prelude, call=call))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=600)


def test_the_guard_is_found_in_the_source():
    import ast

    tree = ast.parse('x = 1\nif __name__ == "__main__":\n    run()\n    more()\nif "__main__" == __name__:\n    z()\n')
    assert _guarded_lines(tree) == [(3, 4), (6, 6)]


@pytest.mark.slow
def test_an_unguarded_script_gets_one_clear_error_and_no_file(tmp_path):
    p = _run(tmp_path)
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("rfsim.sweep.guard.WorkerStartError") and GUARD_ADVICE in last and "line 7" in last
    assert "BrokenProcessPool" not in p.stderr
    assert sorted(f.name for f in tmp_path.iterdir()) == ["script.py"]


@pytest.mark.slow
def test_workers_that_die_while_starting_leave_no_stub(tmp_path):
    # the check switched off: the workers run the sweep again, fail, and die
    p = _run(tmp_path, prelude="import rfsim.sweep.execute as ex\nex.check_main_guard = lambda: None\n")
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert "WorkerStartError" in last and "died while starting" in last and GUARD_ADVICE in last
    assert sorted(f.name for f in tmp_path.iterdir()) == ["script.py"]


@pytest.mark.slow
def test_a_guarded_script_runs(tmp_path):
    p = _run(tmp_path, call='if __name__ == "__main__":\n    print(run_sweep(spec, "s.h5", workers=1, '
                            'progress=False)["ran"])')
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "2"
    assert (tmp_path / "s.h5").exists()
