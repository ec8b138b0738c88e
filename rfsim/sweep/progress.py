"""Progress of a running sweep, on stderr.

On a terminal, a tqdm bar with rate and ETA; otherwise (a batch job, a CI log) a
plain line every few seconds, so logs get no control codes.  The coordinator
calls :meth:`Progress.update` once per finished run.
"""

from __future__ import annotations

import sys
import time


class Progress:
    """A tqdm bar with rate and ETA on a terminal; otherwise a plain log line
    every ``every_s`` seconds (batch jobs and CI logs get no control codes).

    Parameters
    ----------
    total : int
        Runs in the sweep.
    done : int
        Runs already done before this session (``--resume``).
    stream : file, optional
        Where to write (default: stderr).
    every_s : float
        Seconds between log lines off a terminal (s).
    """

    def __init__(self, total, done, stream=None, every_s=10.0):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed, self.new = total, done, 0, 0
        self.t0 = self.last = time.perf_counter()
        self.every_s = every_s
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", file=self.stream, dynamic_ncols=True,
                            smoothing=0.1)

    def update(self, ok: bool):
        """Count one finished run (``ok`` False for a failed one)."""
        self.done += 1
        self.new += 1
        self.failed += not ok
        now = time.perf_counter()
        if self.bar is not None:
            self.bar.update(1)
            if self.failed:
                self.bar.set_postfix(failed=self.failed, refresh=False)
        elif now - self.last >= self.every_s or self.done == self.total:
            self.last = now
            self.log()

    def log(self):
        """Write one log line: runs done and failed, rate, elapsed time, ETA."""
        el = time.perf_counter() - self.t0
        rate = self.new / el * 60 if el > 0 else 0.0
        eta = (self.total - self.done) / (rate / 60) if rate > 0 else float("inf")
        print(f"rfsim sweep: {self.done}/{self.total} runs ({self.failed} failed), {rate:.1f} runs/min, "
              f"elapsed {el:.0f} s, eta {eta:.0f} s", file=self.stream, flush=True)

    def close(self):
        """Close the bar (a no-op for log lines)."""
        if self.bar is not None:
            self.bar.close()
