"""The architecture holds: no import cycle between rfsim's modules (module-level
and function-level imports alike), and no module over its size."""

from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "rfsim"
#: Modules of one job that may be longer: compiled kernels with their twins.
KERNEL_MODULES = {"rfsim/numerics/kernels.py"}
MAX_LINES = 420  # "about 400"


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return out


def test_no_import_cycle():
    graph = grimp.build_graph("rfsim")
    # the top package resolves its public names lazily; it is the API, not a layer
    for m in list(graph.find_modules_directly_imported_by("rfsim")):
        graph.remove_import(importer="rfsim", imported=m)
    assert _cycles(graph) == []


def test_modules_stay_small():
    big = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(big) <= KERNEL_MODULES, big


def test_every_subpackage_is_installed():
    """pyproject.toml lists the packages (meshes/ is mapped in): a subpackage
    missing there would import from a checkout and fail once installed."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, found - listed
