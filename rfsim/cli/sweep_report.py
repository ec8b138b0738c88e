"""``rfsim sweep-report F.h5``: per placement, the probabilities of relief and of
corticospinal involvement.

The figure never replaces the store or another file by surprise: its path must
end in an image extension and differ from the store; an existing file is
replaced only when ``--plot`` names it, or when it is the default ``F.png`` and
a figure this command wrote for ``F.h5`` (docs/sweeps.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rfsim.errors import ConfigError
from rfsim.plots.sweep import plot_summary
from rfsim.sweep.report import format_table, summarize

#: Extensions of the figure (formats matplotlib writes without extra packages).
FIGURE_EXTENSIONS = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps")
#: What the figure's metadata says made it (PNG text chunk ``Software``).
SOFTWARE = "rfsim sweep-report"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _made_by_us(path: Path, store: Path) -> bool:
    """True if ``path`` is a PNG this command wrote for ``store``."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            text = getattr(im, "text", {}) or {}
    except Exception:  # noqa: BLE001 - not an image PIL reads: not ours
        return False
    return text.get("Software") == SOFTWARE and text.get("Source") == store.name


def figure_path(store, plot) -> Path:
    """The figure's path, or ConfigError if writing it could destroy a file.

    A sweep-report-only check of an output path; the command line's generic
    output checks may take it over.

    Parameters
    ----------
    store : str
        The store, as given.
    plot : str or None
        ``--plot`` as given (None: the default, the store's name with ``.png``).
    """
    store = Path(store)
    path = Path(plot) if plot is not None else store.with_suffix(".png")
    shown = str(path) + ("" if plot is not None else " (the default)")
    if path.suffix.lower() not in FIGURE_EXTENSIONS:
        raise ConfigError("--plot", shown, f"a figure file must end in {', '.join(FIGURE_EXTENSIONS)}")
    if not path.parent.is_dir():
        raise ConfigError("--plot", shown, f"folder {path.parent} does not exist")
    if path.resolve() == store.resolve() or (path.exists() and store.exists() and path.samefile(store)):
        raise ConfigError("--plot", shown, "is the store itself; name another figure file with --plot, "
                                           "or pass --no-plot")
    if path.is_dir() or (path.exists() and not path.is_file()):
        raise ConfigError("--plot", shown, "is a folder or a device, not a figure file")
    if path.exists():
        with open(path, "rb") as f:
            if f.read(8) == _HDF5_SIGNATURE:
                raise ConfigError("--plot", shown, "is an HDF5 file (a sweep store?), not a figure; "
                                                   "name another figure file")
        if plot is None and not _made_by_us(path, store):
            raise ConfigError("--plot", shown, "exists and is not a figure of this store; name it with --plot "
                                               "to replace it, name another file, or pass --no-plot")
    return path


def _save(fig, path: Path, store: Path) -> None:
    """Write the figure next to its path and move it into place (a failed
    write leaves no half figure)."""
    fmt = path.suffix.lower().lstrip(".")
    tmp = path.with_name(f".{path.name}.tmp")
    meta = {"Software": SOFTWARE, "Source": store.name} if fmt == "png" else None
    try:
        fig.savefig(tmp, dpi=120, format="jpeg" if fmt == "jpg" else fmt, metadata=meta)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def add_command(sub) -> None:
    """Add ``rfsim sweep-report`` to the CLI's subparsers."""
    r = sub.add_parser("sweep-report", help="probabilities of relief and CST involvement per placement")
    r.add_argument("store", metavar="SWEEP.h5", help="results of rfsim sweep")
    r.add_argument("--plot", metavar="FILE.png",
                   help="figure path (default: SWEEP.png next to the store; an existing file is replaced only "
                        "when named here, or when it is that default and a figure of this store)")
    r.add_argument("--no-plot", action="store_true", help="print the table only")
    r.add_argument("--json", action="store_true", help="print the summaries as JSON")

    def report(args):
        path = None if args.no_plot else figure_path(args.store, args.plot)  # before anything is printed
        rows = summarize(args.store)
        print(json.dumps(rows) if args.json else format_table(rows))
        if path is not None:
            _save(plot_summary(rows), path, Path(args.store))
            if not args.json:
                print(f"figure: {path}")
        return 0

    r.set_defaults(func=report)
