"""``rfsim anatomy``: the C1-C2 cross-section with every tract and the needle."""

from __future__ import annotations

from rfsim.cli.common import per_target
from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM


#: What the anatomy and placement code calls each flag's value: an error about
#: it names the flag the user typed (rfsim.errors.keys_as_typed).
FLAG_KEYS = {"--mesh": "anatomy.mesh", "--pam50": "pam50", "--level": "level", "--ap": "ap_mm", "--rl": "rl_mm",
             "--csf-gap": "csf_gap_mm", "--displacement": "displacement_mm", "--offset": "offset_mm",
             "--depth": "depth_mm", "--tilt": "tilt_deg[cranio_caudal]", "--tilt-in-plane": "tilt_deg[in_plane]"}


def add_command(sub):
    """Add ``rfsim anatomy`` to the CLI's subparsers."""
    p = sub.add_parser("anatomy", help="draw the C1-C2 cross-section with tracts and the needle")
    p.add_argument("--plot", metavar="FILE.png", required=True, help="where to write the figure")
    p.add_argument("--source", choices=("parametric", "pam50"), default="parametric")
    p.add_argument("--pam50", metavar="DIR", help="PAM50 folder (default $SCT_DIR/data/PAM50)")
    p.add_argument("--mesh", metavar="FILE.toml", help="parametric anatomy file (default meshes/c1c2.toml)")
    p.add_argument("--level", choices=("C1", "C2"), default="C2", help="vertebral level (default C2)")
    p.add_argument("--side", choices=("right", "left"), default="right", help="side being lesioned")
    p.add_argument("--ap", type=float, metavar="MM", help="cord anteroposterior diameter (mm)")
    p.add_argument("--rl", type=float, metavar="MM", help="cord right-left diameter (mm)")
    p.add_argument("--csf-gap", dest="csf_gap", type=float, metavar="MM", help="lateral CSF gap (mm)")
    p.add_argument("--displacement", type=float, default=0.0, metavar="MM",
                   help="cord pushed away from the needle (mm, 0-5)")
    p.add_argument("--target", choices=("leg", "arm"), default="leg", help="somatotopic target")
    p.add_argument("--offset", type=float, metavar="MM",
                   help=f"entry anterior to the dentate ligament (mm; default {per_target(DEFAULT_OFFSET_MM)})")
    p.add_argument("--depth", type=float, metavar="MM", help=f"tip end past the pia (mm; default {per_target(DEFAULT_DEPTH_MM)})")
    p.add_argument("--tilt", type=float, default=0.0, metavar="DEG", help="cranio-caudal tilt (degrees)")
    p.add_argument("--tilt-in-plane", dest="tilt_in_plane", type=float, default=0.0, metavar="DEG",
                   help="in-plane (anteroposterior) tilt (degrees)")
    p.add_argument("--no-needle", dest="no_needle", action="store_true", help="draw the anatomy only")

    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``rfsim anatomy``: build the anatomy (parametric or PAM50) and the
    placement from the flags, and draw the cross-section figure."""
    from rfsim.cordotomy.placement import Placement, needle_path
    from rfsim.plots import save_figure
    from rfsim.plots.cross_section import plot_cross_section

    kw = dict(level=getattr(args, "level", "C2"), side=getattr(args, "side", "right"))
    if getattr(args, "source", "parametric") == "pam50":
        from rfsim.anatomy.pam50 import load_pam50

        anatomy = load_pam50(getattr(args, "pam50", None), **kw,
                             displacement_mm=getattr(args, "displacement", 0.0) or 0.0)
    else:
        from rfsim.anatomy.parametric import load_parametric

        anatomy = load_parametric(getattr(args, "mesh", None), **kw, ap_mm=getattr(args, "ap", None),
                                  rl_mm=getattr(args, "rl", None), csf_gap_mm=getattr(args, "csf_gap", None),
                                  displacement_mm=getattr(args, "displacement", 0.0) or 0.0)
    placement = needle = None
    if not getattr(args, "no_needle", False):
        placement = Placement.from_mm(side=anatomy.side, target=getattr(args, "target", "leg"),
                                      offset_mm=getattr(args, "offset", None), depth_mm=getattr(args, "depth", None),
                                      tilt_deg=(getattr(args, "tilt", 0.0) or 0.0,
                                                getattr(args, "tilt_in_plane", 0.0) or 0.0))
        needle = needle_path(anatomy, placement)  # validates before drawing
    out = save_figure(plot_cross_section(anatomy, placement, needle), args.plot)
    print(f"rfsim: wrote {out}")
    return 0
