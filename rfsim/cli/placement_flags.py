"""Flags shared by ``predict`` and ``impedance``: they override the --config file."""

from __future__ import annotations

from rfsim.cli.common import per_target
from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM, TARGETS
from rfsim.errors import ConfigError
from rfsim.physics.electrode import KANPOLAT_DIAMETER_MM, KANPOLAT_TIP_MM


#: The scenario key each flag sets: an error about that key names the flag when the
#: user typed it (--depth 50 is reported as --depth, not placement.depth_mm).
FLAG_KEYS = {"--offset": "placement.offset_mm", "--depth": "placement.depth_mm",
             "--electrode-diameter": "electrode.diameter_mm", "--tip-length": "electrode.tip_length_mm",
             "--temperature": "protocol.set_temperature_c", "--duration": "protocol.duration_s",
             "--lesions": "protocol.lesions", "--start": "start_mm", "--step": "step_mm"}
#: Lesions per protocol (as a scenario file's protocol.lesions).
MAX_LESIONS = 10


def add_placement_flags(p):
    """Flags shared by ``predict`` and ``impedance`` (they override --config)."""
    p.add_argument("--config", metavar="FILE.toml", help="cordotomy scenario (see: rfsim template cordotomy)")
    p.add_argument("--target", choices=TARGETS, help=f"somatotopic target (default {TARGETS[0]})")
    p.add_argument("--side", choices=("left", "right"), help="side of the cord lesioned (default right)")
    p.add_argument("--offset", type=float, metavar="MM", help=f"entry anterior to the dentate ligament (mm; default {per_target(DEFAULT_OFFSET_MM)})")
    p.add_argument("--depth", type=float, metavar="MM", help=f"tip end past the pia (mm; default {per_target(DEFAULT_DEPTH_MM)})")
    p.add_argument("--electrode-diameter", type=float, metavar="MM", help=f"electrode diameter (mm; default {KANPOLAT_DIAMETER_MM:.2f})")
    p.add_argument("--tip-length", type=float, metavar="MM", help=f"exposed tip length (mm; default {KANPOLAT_TIP_MM:g})")
    p.add_argument("--model", choices=("axisymmetric", "3d"), help="layered axisymmetric (default) or 3-D model")
    p.add_argument("--patient-folder", dest="patient_folder", metavar="DIR",
                   help="anatomy from the output folder of sct_warp_template (docs/patient.md)")
    p.add_argument("--segmentation", metavar="FILE.nii.gz", help="anatomy from a cord segmentation (sct_deepseg_sc)")
    p.add_argument("--vertebral-labels", dest="vertebral_labels", metavar="FILE.nii.gz",
                   help="vertebral levels of sct_label_vertebrae (default: next to the segmentation)")


def scenario_from_flags(args):
    """The cordotomy scenario of --config (or the default) with the flags applied."""
    from dataclasses import replace

    from rfsim.scenario.config import Scenario, load_scenario
    from rfsim.physics.generator import Lesion, Protocol

    sc = load_scenario(args.config, "--config") if args.config else Scenario(kind="cordotomy",
                                                                           protocol=Protocol.clinical(3))
    if sc.kind != "cordotomy":
        raise ConfigError("scenario.kind", sc.kind, "rfsim predict needs a \"cordotomy\" scenario")
    ps = sc.placement
    changes = {k: v for k, v in (("target", args.target), ("side", args.side), ("offset_mm", args.offset),
                                 ("depth_mm", args.depth)) if v is not None}
    if args.target is not None and args.target != ps.target:  # the other target's defaults
        changes.setdefault("offset_mm", None)
        changes.setdefault("depth_mm", None)
    kw = {"placement": replace(ps, **changes) if changes else ps}
    el = sc.electrode
    if args.electrode_diameter is not None or args.tip_length is not None:
        d = el.diameter_m if args.electrode_diameter is None else args.electrode_diameter / 1e3
        t = el.tip_length_m if args.tip_length is None else args.tip_length / 1e3
        kw["electrode"] = replace(el, diameter_m=d, tip_length_m=t)
    if args.model:
        kw["model"] = args.model
    patient = {k: getattr(args, k, None) for k in ("patient_folder", "segmentation", "vertebral_labels")}
    if any(patient.values()):  # these flags switch the anatomy to the patient's images
        kw["anatomy"] = replace(sc.anatomy, source="patient", **{k: v for k, v in patient.items() if v})
    for key in ("temperature", "duration", "lesions"):
        if getattr(args, key, None) is not None:
            les = sc.protocol.lesions
            T = les[0].set_temperature_c if args.temperature is None else args.temperature
            D = les[0].duration_s if args.duration is None else args.duration
            n = len(les) if args.lesions is None else args.lesions
            if not 1 <= n <= MAX_LESIONS:
                raise ConfigError("--lesions", n, f"must be a whole number from 1 to {MAX_LESIONS}")
            kw["protocol"] = Protocol(tuple(Lesion(T, D) for _ in range(n)), sc.protocol.cooling_s)
            break
    return replace(sc, **kw)
