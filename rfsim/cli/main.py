"""The ``rfsim`` command line: one module per command.

Each command module has ``add_command(subparsers)``, which adds its parser and the
function that runs it.  What a user sees when something goes wrong (exit status,
and one line on stderr, never a traceback; docs/robustness.md):

* 2: bad input: a flag, a scenario or a file that cannot be read or written
  (:class:`~rfsim.errors.ConfigError`, argparse's errors, and an ``OSError`` on a
  path the user named); checked before any computation where it can be;
* 3: numerical failure, or an answer no tissue can give
  (:class:`~rfsim.errors.NumericalError`);
* 130: interrupted (Ctrl-C);
* 141: the reader of the output went away (``rfsim predict | head -3``), as for
  any tool killed by SIGPIPE; nothing more is printed.
"""

from __future__ import annotations

import os
import sys

from rfsim.cli import (anatomy, bench, cohort, impedance, optimize, predict, run, sensitivity, serve, sweep,
                       sweep_report, template, validate)
from rfsim.cli.common import Parser, typed_flags
from rfsim.cli.placement_flags import FLAG_KEYS as PLACEMENT_FLAG_KEYS
from rfsim.errors import ConfigError, NumericalError, keys_as_typed, one_line
from rfsim.outputs import HDF5_SUFFIXES, check_output
from rfsim.version import __version__

#: The commands, in the order ``rfsim --help`` lists them.
COMMANDS = (predict, impedance, run, template, anatomy, sweep, sweep_report, bench, validate,
            sensitivity, cohort, optimize, serve)
#: Commands whose ``--out`` (HDF5) and ``--plot`` (a figure) are checked before they
#: run.  ``sweep`` and ``sweep-report`` check their store and figure themselves
#: (a store may be resumed; the figure's default path comes from the store's).
CHECKED_OUTPUTS = ("predict", "impedance", "run", "anatomy")
#: Per command, the name its code gives each flag's value (flag -> key): an error
#: about a value the user typed as a flag names the flag.
FLAG_KEYS = {"predict": PLACEMENT_FLAG_KEYS, "impedance": PLACEMENT_FLAG_KEYS, "anatomy": anatomy.FLAG_KEYS}
#: Exit status when stdout's reader has gone (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141


def build_parser() -> Parser:
    """The parser of ``rfsim`` with every command."""
    parser = Parser(prog="rfsim", description="RF thermal lesions in the cervical spinal cord")
    parser.add_argument("--version", action="version", version=f"rfsim {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for command in COMMANDS:
        command.add_command(sub)
    return parser


def check_outputs(args) -> None:
    """Check the paths a command will write before it computes anything
    (:func:`rfsim.outputs.check_output`)."""
    if args.command not in CHECKED_OUTPUTS:
        return
    if getattr(args, "out", None) is not None:
        check_output(args.out, "--out", HDF5_SUFFIXES)
    if getattr(args, "plot", None) is not None:
        from rfsim.plots import figure_suffixes

        check_output(args.plot, "--plot", figure_suffixes())


def main(argv=None) -> int:
    """Run ``rfsim`` with ``argv`` (default: the process's arguments); returns
    the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _main(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and argparse's errors
        return 0 if e.code is None else e.code if isinstance(e.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        check_outputs(args)
        with keys_as_typed(typed_flags(args, FLAG_KEYS.get(args.command, {}))):
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("rfsim: interrupted", file=sys.stderr)
        return 130
    except ConfigError as e:
        print(f"rfsim: error: {e}", file=sys.stderr)
        return 2
    except NumericalError as e:
        print(f"rfsim: numerical failure: {one_line(str(e), 1000)}", file=sys.stderr)
        return 3
    except BrokenPipeError:
        raise
    except MemoryError:
        print("rfsim: error: out of memory: the run needs more memory than is free (coarsen [mesh]; "
              "docs/robustness.md)", file=sys.stderr)
        return 2
    except OSError as e:  # a file named by the user that went wrong after the checks (disk full, ...)
        where = e.filename if e.filename is not None else "input/output"
        print(f"rfsim: error: {one_line(str(where), 200)}: {one_line(e.strerror or str(e), 200)}",
              file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush does not
    raise BrokenPipeError again and print a traceback of it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # captured or already closed: nothing to flush to
        pass
