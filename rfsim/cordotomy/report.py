"""Short views of a prediction's summary: one line for ``repr`` and a small
HTML table for notebooks (``Prediction._repr_html_``).

Both read only the summary dict (the keys of ``rfsim predict --json``), so
they stay short whatever the size of the fields behind it.
"""

from __future__ import annotations

from html import escape

#: Rows of the HTML table: (summary key, label, format).
VERDICT_ROWS = (
    ("relief_predicted", "relief predicted", "yes/no"),
    ("cst_spared", "corticospinal tract spared", "yes/no"),
    ("cord_area_fraction", "cord cross-section lesioned", "{:.1%}"),
    ("cord_volume_fraction", "cord segment lesioned", "{:.1%}"),
    ("cst_lesioned_fraction", "corticospinal tract lesioned", "{:.1%}"),
    ("cst_margin_mm", "margin to the corticospinal tract", "{:.2f} mm"),
    ("ventral_horn_lesioned_fraction", "ventral horn lesioned", "{:.1%}"),
    ("lesion_width_mm", "lesion width", "{:.2f} mm"),
    ("lesion_length_mm", "lesion length", "{:.2f} mm"),
    ("lesion_volume_mm3", "lesion volume", "{:.1f} mm3"),
    ("lesion_depth_mm", "lesion depth past the pia", "{:.2f} mm"),
    ("impedance_ohm", "impedance", "{:.0f} ohm"),
    ("max_tissue_temperature_c", "hottest tissue", "{:.1f} C"),
)


def _fmt(value, fmt):
    if value is None:
        return "n/a"
    if fmt == "yes/no":
        return "yes" if value else "no"
    return fmt.format(value)


def short_text(summary: dict) -> str:
    """One line (well under 500 characters): placement, lesion and verdict."""
    s = summary
    target = s.get("target", "?")
    zone = s.get("stt_zone_coverage", {}).get(target)
    parts = [f"{s.get('model', '?')} model, {s.get('anatomy', '?')} anatomy, {s.get('side', '?')} side, "
             f"target {target}",
             f"offset {_fmt(s.get('offset_mm'), '{:g}')} mm, depth {_fmt(s.get('depth_mm'), '{:g}')} mm, "
             f"{s.get('lesions', '?')} lesion(s)",
             f"lesion {_fmt(s.get('lesion_width_mm'), '{:.2f}')} x {_fmt(s.get('lesion_length_mm'), '{:.2f}')} mm, "
             f"{_fmt(s.get('lesion_volume_mm3'), '{:.1f}')} mm3",
             f"cord {_fmt(s.get('cord_area_fraction'), '{:.1%}')}, {target} zone {_fmt(zone, '{:.0%}')}, "
             f"CST {_fmt(s.get('cst_lesioned_fraction'), '{:.1%}')}",
             f"relief {'predicted' if s.get('relief_predicted') else 'not predicted'}, "
             f"CST {'spared' if s.get('cst_spared') else 'reached'}"]
    n = len(s.get("warnings", []))
    if n:
        parts.append(f"{n} warning(s)")
    return "Prediction(" + "; ".join(parts) + ")"


def html_table(summary: dict) -> str:
    """The verdict metrics as a small HTML table, with the warnings below it."""
    target = summary.get("target", "?")
    rows = [(label, _fmt(summary.get(key), fmt)) for key, label, fmt in VERDICT_ROWS if key in summary]
    zone = summary.get("stt_zone_coverage", {})
    if target in zone:
        rows.insert(2, (f"{target} zone of the spinothalamic tract lesioned", _fmt(zone[target], "{:.0%}")))
    head = (f"<b>rfsim prediction</b>: {escape(str(summary.get('model', '?')))} model, "
            f"{escape(str(summary.get('anatomy', '?')))} anatomy, {escape(str(summary.get('side', '?')))} side, "
            f"target {escape(str(target))}")
    body = "".join(f"<tr><td style='text-align:left'>{escape(a)}</td><td style='text-align:right'>{escape(b)}</td>"
                   "</tr>" for a, b in rows)
    warn = "".join(f"<li>{escape(w)}</li>" for w in summary.get("warnings", []))
    return f"<div>{head}<table>{body}</table>" + (f"<ul>{warn}</ul>" if warn else "") + "</div>"
