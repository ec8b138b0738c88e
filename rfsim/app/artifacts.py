"""What the planning page shows and offers for download, made from a
:class:`~rfsim.prediction.Prediction`: the figure as PNG bytes, the summary as
JSON, the HDF5 results file, the NIfTI outputs as a zip; and the probability
figure of an uncertainty answer.  Each is the same as the command line's
(``rfsim predict --plot``, ``--json``, ``--out``, ``--nifti``, and
``rfsim predict --uncertainty N --plot``).
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import zipfile
from pathlib import Path

from rfsim.io import write_result

#: The figure's resolution on the page (dots per inch): the PNG download keeps
#: the command line's; the page's is lower because rendering time grows with it
#: and the figure is drawn at every change.
PAGE_DPI = 90
DOWNLOAD_DPI = 130

#: Why the NIfTI download is not offered for an anatomy without an image.
NO_NIFTI = ("NIfTI: the parametric anatomy has no image to write the lesion on; choose the PAM50 atlas or a "
            "patient folder")


_figure = None
_figure_lock = threading.Lock()


def figure_png(prediction, dpi: int = DOWNLOAD_DPI) -> bytes:
    """The figure of ``rfsim predict --plot`` as PNG bytes, cropped as it crops.

    Drawn into one :class:`~rfsim.plots.prediction.PredictionFigure` kept
    for every answer (the same figure as a new one, made faster), under a
    lock of its own: one drawing at a time.  The page's copy
    (:data:`PAGE_DPI`) is written with light compression: it is made at
    every change and only travels to the browser on this machine.  Callers
    hold the app's figure lock (:data:`rfsim.app.results.FIGURE_LOCK`) too:
    matplotlib's font caches are shared by every figure.
    """
    from rfsim.plots import render_png
    from rfsim.plots.prediction import PredictionFigure
    from rfsim.prediction import cross_section

    global _figure
    section = cross_section(prediction)
    with _figure_lock:
        if _figure is None:
            _figure = PredictionFigure()
        fig = _figure.draw(prediction, section)
        fig.set_dpi(dpi)
        return render_png(fig, crop=True, compress_level=1 if dpi == PAGE_DPI else 6)


def probability_png(u) -> bytes:
    """The probability figure of ``rfsim predict --uncertainty N --plot`` of
    an :class:`~rfsim.uncertainty.UncertaintyResult`, as PNG bytes."""
    from rfsim.plots import render_png

    fig = u.figure()
    fig.set_dpi(PAGE_DPI)
    return render_png(fig, crop=True)


def has_image(summary: dict) -> bool:
    """Whether an answer's anatomy was read from an image (PAM50 or a
    patient's): only then can the NIfTI outputs be written."""
    from rfsim.nifti import IMAGE_SOURCES

    return summary["anatomy"] in IMAGE_SOURCES


def nifti_zip(prediction) -> bytes:
    """The files of ``rfsim predict --nifti FOLDER`` (:func:`rfsim.nifti.write_nifti`)
    in one zip, as bytes.

    Raises
    ------
    ConfigError
        An anatomy without an image, or nibabel missing.
    """
    from rfsim.nifti import write_nifti

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="rfsim-app-") as tmp:
        files = write_nifti(prediction, Path(tmp) / "nifti")
        with zipfile.ZipFile(buf, "w") as z:
            for path in files.values():  # .nii.gz are compressed already
                z.write(path, path.name, zipfile.ZIP_STORED if path.suffix == ".gz" else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


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
