"""Time-step and grid convergence of the lesion size (default electrode, 80 C for 60 s).

    python scripts/timestep_study.py

Prints two markdown tables: the lesion width, length and volume of a homogeneous
cord-like block for several step tolerances, and for uniformly refined grids.
The defaults (step tolerance 0.5 C, growth 1.15, smallest cell ~19 um) are chosen
from these numbers; see the README's verification section.
"""

from rfsim.physics.domain import MeshSettings, homogeneous
from rfsim.physics.electrode import Electrode
from rfsim.physics.generator import Protocol
from rfsim.physics.lesion import axisymmetric_size
from rfsim.physics.simulation import NumericsSettings, simulate
from rfsim.physics.tissue import tissue


def lesion(mesh=MeshSettings(), numerics=NumericsSettings()):
    d = homogeneous(tissue("spinal_cord"), Electrode(), mesh)
    r = simulate(d, Protocol(), numerics=numerics)
    s = axisymmetric_size(d.grid, r.damage.criterion(), d.metal)
    return d.grid.ncells, r.steps, r.runtime_s, s.width_m * 1e3, s.length_m * 1e3, s.volume_m3 * 1e9


def table(title, rows):
    ref = rows[-1][1]
    print(f"\n{title}\n\n| case | cells | steps | run s | width mm | length mm | volume mm3 | volume vs last |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (n, st, t, w, L, v) in rows:
        print(f"| {name} | {n} | {st} | {t:.2f} | {w:.4f} | {L:.4f} | {v:.3f} | {v / ref[5] - 1:+.2%} |")


def main():
    lesion()  # compile
    table("Step tolerance (default grid)", [
        (f"tol {tol} C, dt_max {dm} s", lesion(numerics=NumericsSettings(step_tolerance_c=tol, dt_max_s=dm)))
        for tol, dm in ((1.0, 4.0), (0.5, 4.0), (0.2, 4.0), (0.05, 1.0), (0.01, 0.5))])
    table("Grid refinement (default steps)", [
        (f"refine {f}", lesion(mesh=MeshSettings(refine=f))) for f in (0.5, 1.0, 2.0, 4.0)])


if __name__ == "__main__":
    main()
