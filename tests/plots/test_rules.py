"""Rules of rfsim.plots: figure modules only draw (they import nothing of the
model), never touch pyplot or the backend, save_figure writes a file and
render_png gives the same picture as bytes."""

import ast
from pathlib import Path

import pytest

import rfsim.plots
from rfsim.plots import render_png, save_figure

PLOTS = Path(rfsim.plots.__file__).parent


def test_figure_modules_draw_what_they_are_given():
    for f in sorted(PLOTS.glob("*.py")):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("rfsim") or name.startswith("rfsim.plots"), (f.name, name)
                assert "pyplot" not in name, (f.name, name)
        assert "matplotlib.use(" not in f.read_text(), f.name


def test_save_figure_writes_at_the_figures_dpi(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.0, 1.0))
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.set_dpi(50)
    out = save_figure(fig, tmp_path / "a.png")
    import matplotlib.image as mi

    assert mi.imread(out).shape[:2] == (50, 100)


def _png_shape(data_or_path):
    import io

    import matplotlib.image as mi

    src = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return mi.imread(src, format="png").shape


@pytest.mark.parametrize("title", ["short", "a title far longer than the figure is wide " * 4])
def test_render_png_crops_as_save_figure_does(tmp_path, title):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.0, 3.0))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 2])
    fig.suptitle(title)  # the long one is drawn past the figure's edges
    fig.set_dpi(60)
    whole = _png_shape(render_png(fig))
    assert whole[:2] == (180, 240)
    cut = _png_shape(render_png(fig, crop=True, compress_level=1))
    ref = _png_shape(save_figure(fig, tmp_path / "a.png", crop=True))
    # one pixel of rounding at each edge of the box
    assert abs(cut[0] - ref[0]) <= 2 and abs(cut[1] - ref[1]) <= 2, (cut, ref)
    assert (cut[1] > whole[1]) == (len(title) > 10)


_BACKEND_SCRIPT = """
import sys
from dataclasses import replace

import matplotlib

before = matplotlib.get_backend()
from matplotlib.figure import Figure

from rfsim.anatomy.parametric import load_parametric
from rfsim.physics.generator import Protocol
from rfsim.plots.cross_section import plot_cross_section
from rfsim.plots.impedance import plot_impedance
from rfsim.plots.prediction import plot_prediction
from rfsim.plots.sweep import plot_summary
from rfsim.prediction import cordotomy_scenario, cross_section, predict

pr = predict(replace(cordotomy_scenario(), protocol=Protocol.clinical(1, duration_s=5.0, cooling_s=1.0)))
row = {"point": 0, "offset_mm": 1.5, "depth_mm": 2.5, "runs": 2, "ok": 2, "failed": 0, "p_relief": 1.0,
       "relief_ci": [0.3, 1.0], "p_cst": 0.0, "cst_ci": [0.0, 0.7]}
figs = [plot_prediction(pr, cross_section(pr)), plot_cross_section(load_parametric()),
        plot_impedance([{"depth_mm": 0.0, "impedance_ohm": 100.0, "tissue": "pia"}]), plot_summary([row])]
assert all(isinstance(f, Figure) for f in figs), figs
assert matplotlib.get_backend() == before, (before, matplotlib.get_backend())
assert "matplotlib.pyplot" not in sys.modules
print("backend", before)
"""


@pytest.mark.slow
def test_figure_functions_return_figures_and_leave_the_backend_alone():
    """As in a notebook: the backend in use (here svg) stays, pyplot is never
    imported, and every figure function hands back a Figure."""
    import os
    import subprocess
    import sys

    root = Path(rfsim.plots.__file__).parents[2]
    env = dict(os.environ, MPLBACKEND="svg", PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-c", _BACKEND_SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "backend svg"
