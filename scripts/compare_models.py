"""Layered (axisymmetric) vs full 3-D model, placement by placement.

Runs :func:`rfsim.prediction.predict` with ``model = "axisymmetric"`` and
``model = "3d"`` for the leg and arm default placements and a deep and a
shallow leg placement, each with the test lesion (80 C for 60 s), and writes
the table of impedance, lesion volume, cord area fraction, spinothalamic
coverage (target zone and whole tract) and corticospinal margin into
docs/model3d.md between the ``<!-- table -->`` markers.

Usage::

    PYTHONPATH=. python scripts/compare_models.py [--no-write]
"""

from __future__ import annotations

import argparse
import pathlib
import re
from dataclasses import replace

from rfsim.physics.generator import Protocol
from rfsim.prediction import cordotomy_scenario, predict

#: (label, placement settings); depths in mm past the pia
CASES = (
    ("leg default", dict(target="leg")),
    ("arm default", dict(target="arm")),
    ("leg deep (4.0 mm)", dict(target="leg", depth_mm=4.0)),
    ("leg shallow (2.2 mm)", dict(target="leg", depth_mm=2.2)),
)
MODELS = ("axisymmetric", "3d")
DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "model3d.md"


def row(label, model, s):
    """One markdown table row from a prediction summary."""
    zone = s["stt_zone_coverage"][s["target"]]
    return (f"| {label} | {model} | {s['impedance_ohm']:.0f} | {s['lesion_volume_mm3']:.1f} | "
            f"{100 * s['cord_area_fraction']:.1f} | {100 * zone:.0f} | "
            f"{100 * s['tract_coverage']['lateral_spinothalamic']:.0f} | {s['cst_margin_mm']:.2f} | "
            f"{s['cells']:,} | {s['runtime_s']:.0f} |")


def table(refine_3d=1.0):
    """The comparison table (markdown) and the raw summaries; ``refine_3d``
    scales the 3-D grid only (the layered model keeps its default grid)."""
    lines = ["| placement | model | impedance (ohm) | lesion volume (mm3) | cord area (%) | STT target zone (%) "
             "| STT whole (%) | CST margin (mm) | cells | runtime (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    out = {}
    for label, kw in CASES:
        for model in MODELS:
            sc = replace(cordotomy_scenario(**kw), protocol=Protocol.clinical(1), model=model)
            if model == "3d":
                sc = replace(sc, mesh=replace(sc.mesh, refine=refine_3d))
            s = predict(sc).summary
            out[(label, model)] = s
            lines.append(row(label, model, s))
            print(lines[-1], flush=True)
    return "\n".join(lines), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    ap.add_argument("--refine", type=float, default=1.0,
                    help="refinement of the default 3-D mesh (< 1: coarser and faster; the table says which)")
    args = ap.parse_args(argv)
    text, _ = table(args.refine)
    if not args.no_write:
        doc = DOC.read_text()
        new = re.sub(r"<!-- table -->.*<!-- /table -->", lambda m: f"<!-- table -->\n{text}\n<!-- /table -->",
                     doc, flags=re.S)
        DOC.write_text(new)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
