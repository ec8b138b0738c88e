"""Local sweeps start their workers with ``spawn``, and a spawned worker first
imports the main script.  A script that calls :func:`rfsim.sweep.run_sweep` at
its top level, without ``if __name__ == "__main__":``, would run the sweep
again in every worker; they die, and the pool reports only
``BrokenProcessPool``.  :func:`check_main_guard` finds that before any file is
touched and says what to do instead.
"""

from __future__ import annotations

import ast
import sys

#: What to do, said once: by the check, and when workers die while starting.
GUARD_ADVICE = ("local sweep workers start by importing the main script, which must not start the sweep "
                "again: put the call under `if __name__ == \"__main__\":`")


class WorkerStartError(RuntimeError):
    """The local worker processes could not start (see :data:`GUARD_ADVICE`)."""


def _guarded_lines(tree) -> list:
    """Line ranges (first, last) of ``if __name__ == "__main__":`` bodies."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        t = node.test
        if (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq)
                and {ast.unparse(t.left), ast.unparse(t.comparators[0])} in ({"__name__", "'__main__'"},
                                                                            {"__name__", '"__main__"'})):
            out.append((node.body[0].lineno, max(getattr(n, "end_lineno", n.lineno) for n in node.body)))
    return out


def check_main_guard() -> None:
    """Raise :class:`WorkerStartError` if this call comes from the top level of
    the main script outside ``if __name__ == "__main__":``.

    Nothing is checked when there is no main script (an interactive session,
    a notebook, ``python -c``): spawned workers then import nothing of the
    caller.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not path.endswith(".py"):
        return
    # as multiprocessing.spawn: a package's __main__ (python -m package) is not imported again
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if name == "__main__" or name.endswith(".__main__"):
        return
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_code.co_name == "<module>" and frame.f_globals is vars(main)):
        frame = frame.f_back
    if frame is None:  # not called from the script's own top level (a worker of its own, say)
        return
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return
    line = frame.f_lineno
    if not any(lo <= line <= hi for lo, hi in _guarded_lines(tree)):
        raise WorkerStartError(f"{path}, line {line}: {GUARD_ADVICE}")
