"""Tests of rfsim.outputs: an output path is checked before any work, and the
check leaves nothing behind."""

import os

import pytest

from rfsim.errors import ConfigError
from rfsim.outputs import HDF5_SUFFIXES, check_output


def test_a_writable_path_passes_and_nothing_is_left(tmp_path):
    p = tmp_path / "r.h5"
    assert check_output(p, "--out", HDF5_SUFFIXES) == p
    assert not p.exists()
    assert check_output(tmp_path / "R.HDF5", "--out", HDF5_SUFFIXES).name == "R.HDF5"  # case of the extension


def test_an_existing_file_is_left_unchanged(tmp_path):
    p = tmp_path / "r.h5"
    p.write_bytes(b"old")
    mtime = p.stat().st_mtime_ns
    check_output(p, "--out", HDF5_SUFFIXES)
    assert p.read_bytes() == b"old" and p.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("name,words", [
    ("adir", "is a directory"),
    ("noext", "has no extension"),
    ("x.png", "extension .png is not supported"),
    ("file.txt/x.h5", "is not a folder"),
    ("missing/x.h5", "does not exist"),
])
def test_bad_paths_name_the_flag_and_the_path(tmp_path, name, words):
    (tmp_path / "adir").mkdir()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ConfigError) as e:
        check_output(tmp_path / name, "--out", HDF5_SUFFIXES)
    assert str(e.value).startswith("--out = ") and words in str(e.value)
    assert sorted(os.listdir(tmp_path)) == ["adir", "file.txt"]


def test_a_path_that_cannot_be_created_is_refused():
    with pytest.raises(ConfigError, match="cannot be written"):
        check_output("/proc/rfsim-test.h5", "--out", HDF5_SUFFIXES)


def test_figure_formats_come_from_matplotlib_and_leave_out_pgf():
    from rfsim.plots import figure_suffixes

    formats = figure_suffixes()
    assert {".png", ".pdf", ".svg"} <= set(formats) and ".pgf" not in formats
