"""The progress line of a run (rfsim.cli.common.progress_printer): no ETA until
the rate means something, then one from the simulated-time rate."""

import io
import re

from rfsim.cli.common import ETA_AFTER_FRACTION, progress_printer


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _etas(text):
    return [None if m == "-" else float(m) for m in re.findall(r"eta\s+(\S+) s", text)]


def test_no_eta_after_a_slow_start_then_one_from_the_rate():
    """A 3-D run: 20 s of set-up before the first step, tiny first steps,
    then 1 s of simulated time per wall second; 60 s to simulate."""
    clock, out = Clock(), io.StringIO()
    show = progress_printer(out, clock)
    clock.now = 20.0  # grid, multigrid and kernels before the first report
    show(1e-3, 60.0)
    first = _etas(out.getvalue())
    assert first == [None]  # it used to say 24,000 s here
    times = [1e-3]
    while times[-1] < 60.0:
        clock.now += 0.5
        times.append(min(times[-1] + 0.5, 60.0))
        show(times[-1], 60.0)
    etas = _etas(out.getvalue())
    assert len(etas) == len(times)
    k = next(i for i, e in enumerate(etas) if e is not None)
    # shown once 5 % of the run has passed since the first report ...
    assert times[k] - times[0] >= ETA_AFTER_FRACTION * 60.0 > times[k - 1] - times[0]
    # ... and right from then on: one wall second per simulated second
    for t, eta in zip(times[k:], etas[k:]):
        assert abs(eta - (60.0 - t)) <= 1.0, (t, eta)
    assert etas[-1] == 0.0 and out.getvalue().endswith("\n")


def test_nothing_when_stderr_is_not_a_terminal(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_printer() is None
