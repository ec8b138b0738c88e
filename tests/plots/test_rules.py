"""Rules of rfsim.plots: figure modules only draw (they import nothing of the
model), never touch pyplot or the backend, and save_figure writes a file."""

import ast
from pathlib import Path

import rfsim.plots
from rfsim.plots import save_figure

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
