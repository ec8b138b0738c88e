"""Compare and format: the suite's table as text, markdown or JSON."""

from __future__ import annotations

import json


def _num(v, unit):
    if v is None:
        return "-"
    if unit == "ohm":
        return f"{v:.0f}"
    if unit == "1" and abs(v) < 1:
        return f"{v:.3g}"
    return f"{v:.3g}"


def _err(r):
    if r["predicted"] is None:
        return "-"
    if r["relative_error"] is not None and r["measured_low"] is not None and r["measured_high"] is not None:
        return f"{100 * r['relative_error']:+.0f} %"
    return f"{r['error']:+.3g} {'' if r['unit'] == '1' else r['unit']}".rstrip()


def text_table(rows) -> str:
    """Plain-text table: case, measured, predicted, error, verdict."""
    head = ("case", "unit", "measured", "predicted", "error", "verdict", "s")
    body = [(r["case"], r["unit"], r["measured"], _num(r["predicted"], r["unit"]), _err(r), r["verdict"],
             f"{r['runtime_s']:.1f}") for r in rows]
    w = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(str(x[i]).ljust(w[i]) for i in range(len(head))) for x in [head] + body]
    lines.insert(1, "  ".join("-" * n for n in w))
    n_in = sum(r["verdict"] == "within" for r in rows)
    n_judged = sum(r["verdict"] in ("within", "outside") for r in rows)
    lines.append(f"{n_in} of {n_judged} cases within the measured spread")
    return "\n".join(lines)


def markdown_table(rows) -> str:
    """The table of docs/validation.md."""
    out = ["| case | quantity | measured | predicted | error | verdict | measured end point |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        unit = "" if r["unit"] == "1" else f" ({r['unit']})"
        out.append(f"| {r['case']} | {r['quantity']}{unit} | {r['measured']} | {_num(r['predicted'], r['unit'])} "
                   f"| {_err(r)} | {r['verdict']} | {r['measured_end_point']} |")
    return "\n".join(out)


def to_json(rows) -> str:
    """The rows as a JSON list."""
    return json.dumps(rows, indent=1)
