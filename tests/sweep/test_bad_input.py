"""Bad input to ``rfsim sweep`` and ``rfsim sweep-report`` (issue 16): exit
status 2, exactly one line on stderr that names the key as typed, its value
(shortened if long) and what is allowed; no traceback; no file changed or left
behind.  In-process: the command line's ``main`` with a folder that already
holds a store."""

import socket
import time

import h5py
import pytest

from rfsim.cli.main import main
from rfsim.sweep import load_sweep
from rfsim.sweep.lock import StoreLock
from rfsim.sweep.store import journal_path

from .support import fake_store

OK = """[base]
protocol = { set_temperature_c = 80.0, duration_s = 20.0, lesions = 1 }
[grid]
"placement.offset_mm" = [1.0, 2.0]
"""
BASE = "[base]\nprotocol = { set_temperature_c = 80.0, duration_s = 20.0, lesions = 1 }\n"
SPECS = {
    "seed.toml": "[sweep]\nseed = 1180591620717411303424\n" + BASE,
    "seed_long.toml": f"[sweep]\nseed = {10 ** 400}\n" + BASE,
    "newline.toml": BASE + '[grid]\n"anatomy.pam50_folder" = ["a\\nb"]\n',
    "control_base.toml": '[base]\nanatomy = {pam50_folder = "a\\u0001b"}\n',
    "newline_key.toml": '[grid]\n"placement.off\\nset_mm" = [1.0]\n',
    "empty_table.toml": BASE + '[grid]\n"placement.offset_mm" = {}\n',
    "two_spellings.toml": BASE + '[grid]\n"placement.offset_mm" = [1.0]\nplacement.offset_mm = [2.0]\n',
    "expression.toml": BASE + '[grid]\n"placement.offset_mm + 1" = [1.0]\n',
    "base_file.toml": '[sweep]\nbase = "tab.toml"\n',
    "long_text.toml": BASE + '[grid]\n"placement.side" = ["' + "left" * 2000 + '"]\n',
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# argv (run in the test folder), the key as typed, and what the message allows
CASES = [
    (["sweep", "seed.toml", "--out", "new.h5"], "sweep.seed = 1180591620717411303424", "2**63 - 1"),
    (["sweep", "seed_long.toml", "--out", "new.h5"], "sweep.seed = 1000000000", "characters)"),
    (["sweep", "newline.toml", "--out", "new.h5"], "grid.anatomy.pam50_folder = 'a\\nb'", "control characters"),
    (["sweep", "control_base.toml", "--out", "new.h5"], "base.anatomy.pam50_folder = 'a\\x01b'", "control"),
    (["sweep", "newline_key.toml", "--out", "new.h5"], "grid.placement.off\\nset_mm", "keys must not"),
    (["sweep", "empty_table.toml", "--out", "new.h5"], "grid.placement.offset_mm = {}", "non-empty list"),
    (["sweep", "two_spellings.toml", "--out", "new.h5"], "grid.placement.offset_mm", "given twice"),
    (["sweep", "expression.toml", "--out", "new.h5"], "grid.placement.offset_mm + 1", "valid keys in [placement]"),
    (["sweep", "base_file.toml", "--out", "new.h5"], "anatomy.pam50_folder = 'a\\tb'", "in sweep.base tab.toml"),
    (["sweep", "long_text.toml", "--out", "new.h5"], "placement.side = 'leftleft", "characters)"),
    (["sweep", "ok.toml", "--out", "new.h5", "--scheduler", "not a url"], "--scheduler = 'not a url'",
     "tcp://host:8786"),
    (["sweep", "ok.toml", "--out", "new.h5", "--scheduler", "tcp://127.0.0.1:PORT"], "--scheduler",
     "cannot connect"),
    (["sweep", "ok.toml", "--out", "new.h5", "--workers", "0"], "--workers = 0", "from 1 to"),
    (["sweep", "ok.toml", "--out", "adir"], "--out = 'adir'", "is a folder"),
    (["sweep", "ok.toml", "--out", "nowhere/new.h5"], "--out", "does not exist"),
    (["sweep", "ok.toml", "--out", "store.h5"], "--out = 'store.h5'", "pass --resume"),
    (["sweep", "other.toml", "--out", "store.h5", "--resume"], "--resume = 'store.h5'", "different sweep spec"),
    (["sweep", "ok.toml", "--out", "edited.h5", "--resume"], "--resume = 'edited.h5'", "no valid header"),
    (["sweep", "ok.toml", "--out", "old.h5", "--resume"], "--resume = 'old.h5'", "older format rfsim-sweep-1"),
    (["sweep-report", "adir"], "sweep store = 'adir'", "not a file"),
    (["sweep-report", "missing.h5"], "sweep store = 'missing.h5'", "file not found"),
    (["sweep-report", "figstore.png"], "--plot = 'figstore.png (the default)'", "store itself"),
    (["sweep-report", "store.h5"], "--plot = 'store.png (the default)'", "exists and is not a figure"),
    (["sweep-report", "store.h5", "--plot", "figure.h5"], "--plot = 'figure.h5'", "must end in .png"),
    (["sweep-report", "store.h5", "--plot", "store2.png"], "--plot = 'store2.png'", "is an HDF5 file"),
    (["sweep-report", "store.h5", "--plot", "nowhere/f.png"], "--plot", "does not exist"),
    (["sweep-report", "damaged.h5", "--no-plot"], "sweep store = 'damaged.h5'", "fail their checksum"),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with specs, stores (good, damaged, old format, with an edited
    journal header), a store named .png and a foreign store.png."""
    d = tmp_path_factory.mktemp("bad")
    for name, text in SPECS.items():
        (d / name).write_text(text)
    (d / "ok.toml").write_text(OK)
    (d / "other.toml").write_text(OK.replace("2.0]", "3.0]"))
    (d / "tab.toml").write_text('[scenario]\nkind = "cordotomy"\n[anatomy]\npam50_folder = "a\\tb"\n')
    (d / "adir").mkdir()
    spec = load_sweep(d / "ok.toml")
    for name in ("store.h5", "store2.png", "figstore.png", "damaged.h5", "old.h5"):
        fake_store(d / name, spec)
    (d / "store.png").write_bytes(b"\x89PNG\r\n\x1a\n not a figure of store.h5")
    fake_store(d / "edited.h5", spec, n=1, journal=True)
    lines = journal_path(d / "edited.h5").read_text().splitlines(True)
    journal_path(d / "edited.h5").write_text(lines[0].replace('"seed": 0', '"seed": 1') + "".join(lines[1:]))
    with h5py.File(d / "damaged.h5", "r+") as f:
        ds = f["runs/metric/lesion_volume_mm3"]
        offset = ds.id.get_chunk_info(0).byte_offset
    with open(d / "damaged.h5", "r+b") as f:
        f.seek(offset)
        f.write(b"\x7f" * 16)
    with h5py.File(d / "old.h5", "r+") as f:
        f.attrs["format"] = "rfsim-sweep-1"
        del f.attrs["meta_crc32"], f["row_crc32"]
    return d


def _snapshot(d):
    return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("argv, key, allowed", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(argv, key, allowed, folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    argv = [a.replace("PORT", str(_closed_port())) for a in argv]
    before = _snapshot(folder)
    t0 = time.perf_counter()
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.count("\n") == 1 and err.startswith("rfsim: error: "), err
    assert key in err and allowed in err, err
    assert len(err) < 400, err  # long values are shortened
    assert _snapshot(folder) == before
    assert time.perf_counter() - t0 < 15


def test_old_format_store_can_still_be_read(folder):
    from rfsim.sweep import read_sweep, summarize

    old, new = read_sweep(folder / "old.h5"), read_sweep(folder / "store.h5")
    assert old["meta"]["format"] == "rfsim-sweep-1" and old["n"] == new["n"] == 2
    assert summarize(folder / "old.h5") == summarize(folder / "store.h5")


def test_second_writer_on_a_store_is_refused(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    before = _snapshot(folder)
    with StoreLock(folder / "store.h5"):
        for extra in ([], ["--resume"]):
            rc = main(["sweep", "ok.toml", "--out", "store.h5", *extra])
            err = capsys.readouterr().err
            assert rc == 2 and err.count("\n") == 1, err
            assert "another rfsim sweep" in err and "is writing this store" in err, err
    after = _snapshot(folder)
    assert after == before  # the lock file is gone again


def test_a_scheduler_that_never_answers_is_one_line_within_the_timeout(folder, monkeypatch, capsys):
    """A port that accepts connections and says nothing (not a Dask
    scheduler): one line, exit 2, after the connection timeout, nothing left."""
    from rfsim.sweep import execute

    monkeypatch.setattr(execute, "CONNECT_TIMEOUT_S", 1.0)
    monkeypatch.chdir(folder)
    before = _snapshot(folder)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nobody answers
        t0 = time.perf_counter()
        rc = main(["sweep", "ok.toml", "--out", "new.h5", "--scheduler",
                   f"tcp://127.0.0.1:{silent.getsockname()[1]}"])
        seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "no Dask scheduler answers there within 1 s" in err, err
    assert seconds < 6
    assert _snapshot(folder) == before
