"""What the planning page shows and offers for download, made from a
:class:`~rfsim.prediction.Prediction`: the figure as PNG bytes, the summary as
JSON, the HDF5 results file.  Each is the same as the command line's
(``rfsim predict --plot``, ``--json``, ``--out``).

Outputs that later issues add plug in here, as names in :data:`PLANNED`, until
they exist; the page shows them disabled with the reason.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from rfsim.io import write_result

#: The figure's resolution on the page (dots per inch): the PNG download keeps
#: the command line's; the page's is lower because rendering time grows with it
#: and the figure is drawn at every change.
PAGE_DPI = 90
DOWNLOAD_DPI = 130

#: Outputs the issue asks for that rfsim does not make yet: name -> why not.
PLANNED = {
    "nifti": "NIfTI outputs arrive with the patient-images issue (14); not in this version",
    "uncertainty": "probabilities of relief and of CST involvement arrive with the uncertainty issue (13); "
                   "not in this version",
}


def figure_png(prediction, dpi: int = DOWNLOAD_DPI) -> bytes:
    """The figure of ``rfsim predict --plot`` as PNG bytes.

    The one place the app draws: when :mod:`rfsim.plots` returns a matplotlib
    Figure, this becomes ``fig.savefig(buf)``.  Callers hold the app's figure
    lock (pyplot keeps global state).
    """
    from rfsim.plots import save_figure
    from rfsim.plots.prediction import plot_prediction
    from rfsim.prediction import cross_section

    with tempfile.TemporaryDirectory(prefix="rfsim-app-") as tmp:
        path = Path(tmp) / "prediction.png"
        fig = plot_prediction(prediction, cross_section(prediction))
        fig.set_dpi(dpi)
        save_figure(fig, path, crop=True)
        return path.read_bytes()


def summary_json(summary: dict) -> bytes:
    """The summary as ``rfsim predict --json`` prints it (UTF-8, one line)."""
    return (json.dumps(summary) + "\n").encode()


def result_hdf5(prediction) -> bytes:
    """The HDF5 results file of ``rfsim predict --out`` as bytes."""
    with tempfile.TemporaryDirectory(prefix="rfsim-app-") as tmp:
        path = write_result(Path(tmp) / "prediction.h5", prediction)
        return path.read_bytes()


def file_name(summary: dict, ext: str) -> str:
    """A download's file name that says what it holds, e.g.
    ``rfsim_right_leg_off1.5_dep2.5_axisymmetric.png``."""
    s = summary
    return (f"rfsim_{s['side']}_{s['target']}_off{s['offset_mm']:g}_dep{s['depth_mm']:g}_"
            f"{s['model']}.{ext}")
