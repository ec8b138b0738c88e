"""``rfsim validate``: the validation suite (measured against predicted)."""

from __future__ import annotations


def add_command(sub):
    """``rfsim validate``: run the validation cases and print the comparison."""
    p = sub.add_parser("validate", help="run the validation suite: measured against predicted (docs/validation.md)")
    p.add_argument("--case", action="append", metavar="NAME", help="run only this case (repeatable)")
    p.add_argument("--quick", action="store_true", help="only the quick subset (the one the tests run)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--json", action="store_true", help="print a JSON list of rows")

    def run(args):
        import sys

        from rfsim.validation.cases import load_cases
        from rfsim.validation.report import text_table, to_json
        from rfsim.validation.runner import evaluate

        cases = load_cases(args.case, args.quick)
        if args.list:
            for c in cases:
                print(f"{c.name:36s} {c.kind:10s} {c.title}")
            return 0
        rows = []
        for c in cases:
            if not args.json:
                print(f"running {c.name} ...", file=sys.stderr, flush=True)
            rows.append(evaluate(c))
        print(to_json(rows) if args.json else text_table(rows))
        return 0

    p.set_defaults(func=run)
