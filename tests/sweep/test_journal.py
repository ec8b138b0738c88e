"""The journal (rfsim.sweep.journal): every line carries its checksum, so a
line cut short, damaged or edited by hand is left out (and counted), never read
back as numbers, and never a traceback."""

import json
import math

import numpy as np

from rfsim.sweep.journal import decode, encode, read_journal

ROW = {"run": 3, "point": 1, "sample": 0, "param/placement.offset_mm": 1.5, "scenario_hash": "ab" * 32,
       "status": "ok", "error": "", "metric/lesion_volume_mm3": 12.345678901234567, "metric/nan": math.nan,
       "metric/per_lesion": [{"lesion_volume_mm3": 1e-300, "note": "é ✓"}], "metric/relief_predicted": True,
       "series/tip_temperature_c": np.array([37.0, 80.0 + 1e-13, -0.0])}


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k])
        elif isinstance(a[k], float) and math.isnan(a[k]):
            assert math.isnan(b[k])
        else:
            assert a[k] == b[k] and type(a[k]) is type(b[k]), k


def test_a_line_reads_back_exactly():
    line = encode(ROW)
    assert "\n" not in line and json.loads(line)["crc32"] >= 0
    _same(decode(line), ROW)


def test_every_one_character_edit_is_caught_or_changes_nothing():
    line = encode(ROW)
    for i, c in enumerate(line):
        for new in {"0", "1", "9", "x", " ", '"', "}", chr(ord(c) ^ 1)} - {c}:
            row = decode(line[:i] + new + line[i + 1:])
            if row is not None:  # e.g. a space after a colon turned into another space
                _same(row, ROW)


def test_hand_edited_truncated_and_duplicated_lines(tmp_path):
    header = encode({"format": "rfsim-sweep-2", "spec": "{}"})
    rows = [dict(ROW, run=i) for i in range(4)]
    good = [encode(r) for r in rows]
    forged = encode({"run": 9})  # a valid checksum, not a row
    edited = good[2].replace('"point": 1', '"point": 7')
    lines = [header, good[0], "[]", "{}", '{"run": 1, "crc32": 0}', forged, "\x00\xff garbage", good[1], edited,
             good[1], good[3], good[3][:40]]
    p = tmp_path / "j"
    p.write_text("\n".join(lines) + "\n")
    head, got, bad = read_journal(p)
    assert head == {"format": "rfsim-sweep-2", "spec": "{}"}
    assert [r["run"] for r in got] == [0, 1, 1, 3]  # duplicates are the store's to drop
    assert bad == 6  # the cut-short last line is what a crash leaves: not counted
    p.write_text("not json\n" + "\n".join(good) + "\n")
    assert read_journal(p)[0] is None
