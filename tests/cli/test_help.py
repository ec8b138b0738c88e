"""Defaults shown in help texts come from the code: each fact is stated once."""

import re

import pytest

from rfsim.cli.main import build_parser
from rfsim.cordotomy.placement import DEFAULT_DEPTH_MM, DEFAULT_OFFSET_MM, TARGETS
from rfsim.physics.electrode import KANPOLAT_DIAMETER_MM, KANPOLAT_TIP_MM


def _help(command):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return " ".join(sub.choices[command].format_help().split())


@pytest.mark.parametrize("command", ["predict", "impedance", "anatomy"])
def test_placement_defaults_in_help_are_the_codes(command):
    text = _help(command)
    for table in (DEFAULT_OFFSET_MM, DEFAULT_DEPTH_MM):
        shown = ", ".join(f"{t} {v:g}" for t, v in table.items())
        assert f"default {shown}" in text, (command, shown)


@pytest.mark.parametrize("command", ["predict", "impedance"])
def test_electrode_and_target_defaults_in_help_are_the_codes(command):
    text = _help(command)
    assert f"default {KANPOLAT_DIAMETER_MM:.2f}" in text
    assert f"default {KANPOLAT_TIP_MM:g}" in text
    assert f"default {TARGETS[0]}" in text


def test_no_issue_numbers_in_help():
    for command in ("predict", "impedance", "run", "template", "anatomy", "sweep", "sweep-report", "bench"):
        assert not re.search(r"issue \d", _help(command)), command
