"""``rfsim template NAME``: a commented scenario or sweep file to start from."""

from __future__ import annotations




def add_command(sub):
    """``rfsim template NAME``."""
    p = sub.add_parser("template", help="print a commented example scenario")
    p.add_argument("name", help="homogeneous or cordotomy")

    def run(args):
        from rfsim.scenario.writer import template

        print(template(args.name), end="")
        return 0

    p.set_defaults(func=run)
