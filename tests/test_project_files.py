"""The licence, the changelog and the citation file say what pyproject and
rfsim/version.py say."""

import re
import tomllib
from pathlib import Path

from rfsim.version import __version__

ROOT = Path(__file__).resolve().parents[1]


def _cff() -> dict:
    """The top-level scalar keys of CITATION.cff (a YAML subset: no parser needed)."""
    out = {}
    for line in (ROOT / "CITATION.cff").read_text(encoding="utf-8").splitlines():
        m = re.match(r'^([a-z-]+):\s*"?([^"#]*?)"?\s*$', line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_the_citation_names_this_version():
    cff = _cff()
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == __version__
    assert cff["license"] == "MIT"
    for key in ("message", "title", "authors"):
        assert key in cff, key


def test_the_licence_is_the_mit_licence_pyproject_names():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 rfsim developers" in text


def test_the_changelog_has_unreleased_changes_and_this_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    assert f"## [{__version__}] - " in text


def test_asv_builds_each_commit_of_a_range():
    """``asv run HEAD~2..HEAD`` needs asv to build commits: a virtualenv per
    environment, a build and an install command, the repository above."""
    import json

    text = (ROOT / "benchmarks" / "asv.conf.json").read_text()
    conf = json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))
    assert conf["environment_type"] == "virtualenv" and conf["repo"] == ".."
    assert conf["build_command"] and conf["install_command"] and conf["pythons"]
    assert (ROOT / "benchmarks" / conf["benchmark_dir"]).is_dir()
