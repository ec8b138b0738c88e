"""What every command shares: the argument parser that exits with status 2 on bad
flags, the progress line, writing or printing a result, and the checks of the
paths a command will write and of the flags a user typed."""

from __future__ import annotations

import argparse
import re
import sys

from rfsim.errors import MAX_SHOWN_VALUE, one_line


class Parser(argparse.ArgumentParser):
    """argparse's own errors as one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"rfsim: error: {argparse_message(message)}\n")


#: Share of the simulated time that must have passed, since the first report,
#: before an ETA is shown.  The first report comes after the set-up (grid, JIT
#: loading) and the first steps are short (the step size restarts small), so
#: a rate taken earlier says little: it once promised 24,000 s for a 60 s run.
ETA_AFTER_FRACTION = 0.05


def progress_printer(stream=None, clock=None):
    """A one-line progress display: simulated time, elapsed time and an ETA.

    Parameters
    ----------
    stream : file, optional
        Where to write; default stderr, and then only on a terminal (nothing
        when output is piped: the function returns None).
    clock : callable, optional
        Wall clock in s (default :func:`time.perf_counter`).

    Returns
    -------
    callable or None
        ``show(t_s, t_end_s)``, called after every time step.  The ETA is the
        remaining simulated time at the rate simulated since the first call,
        shown once :data:`ETA_AFTER_FRACTION` of the run has passed since it.
    """
    if stream is None:
        if not sys.stderr.isatty():
            return None
        stream = sys.stderr
    if clock is None:
        import time

        clock = time.perf_counter
    start = clock()
    first = []  # (wall, simulated) at the first report, once set-up is over
    last = [-1.0]

    def show(t, t_end):
        now = clock() - start
        if not first:
            first.append((now, t))
        if now - last[0] <= 0.2 and t < t_end:
            return
        last[0] = now
        w0, t0 = first[0]
        if t >= t_end:
            eta = "    0 s"
        elif t - t0 >= ETA_AFTER_FRACTION * t_end and now > w0:
            eta = f"{(t_end - t) * (now - w0) / (t - t0):5.0f} s"
        else:
            eta = "    - s"
        end = "\n" if t >= t_end else ""
        print(f"\r  simulated {t:7.1f} / {t_end:.1f} s   elapsed {now:5.1f} s   eta {eta}",
              end=end, file=stream, flush=True)

    return show


def emit(args, result, printer) -> int:
    """Write ``--out`` and print the summary as JSON (``--json``) or a table."""
    import json

    if args.out:
        from rfsim.io import write_result

        write_result(args.out, result)
    if args.json:
        print(json.dumps(result.summary))
    else:
        printer(result.summary)
    return 0


def print_summary(summary: dict) -> None:
    width = max(len(k) for k in summary)
    for k, v in summary.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        elif isinstance(v, list):
            v = "; ".join(", ".join(f"{kk}={vv:.4g}" if isinstance(vv, float) else f"{kk}={vv}"
                                    for kk, vv in item.items()) if isinstance(item, dict) else str(item)
                          for item in v)
        print(f"{k:<{width}}  {v}")


def per_target(mm: dict) -> str:
    """A per-target default for a help text, from the code's own table (mm)."""
    return ", ".join(f"{target} {value:g}" for target, value in mm.items())


def argparse_message(message: str) -> str:
    """argparse's message on one line, each quoted value the user typed cut to
    :data:`rfsim.errors.MAX_SHOWN_VALUE` characters (``--offset`` followed by a
    10 MB argument once gave a 10 MB "line")."""
    cut = re.sub(r"'([^']{%d})[^']+'" % MAX_SHOWN_VALUE, r"'\1...'", message)
    return one_line(cut, 1000)


def warn_printer():
    """warn(message): a warning known before a run starts, on stderr (stdout
    stays for the result, JSON included)."""

    def warn(message: str) -> None:
        print(f"rfsim: warning: {one_line(message)}", file=sys.stderr, flush=True)

    return warn


def typed_flags(args, flags: dict) -> dict:
    """For :func:`rfsim.errors.keys_as_typed`: scenario key -> the flag the user
    typed it as, for the flags of ``flags`` (flag -> key) that were given."""
    return {key: flag for flag, key in flags.items()
            if getattr(args, flag.lstrip("-").replace("-", "_"), None) is not None}
