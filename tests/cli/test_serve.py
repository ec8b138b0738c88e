"""``rfsim serve``: its flags, loopback by default, and the one-line message
when the app extra is missing."""

import importlib.util

import pytest

from rfsim.cli import main
from rfsim.cli import serve as serve_cmd


def test_help_names_port_and_host(capsys):
    assert main(["serve", "--help"]) == 0  # the command line returns --help's status (it never exits)
    out = capsys.readouterr().out
    assert "--port" in out and "--host" in out and "127.0.0.1" in out


def test_missing_app_extra_says_how_to_install(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(serve_cmd.importlib.util, "find_spec", lambda name, *a: None if name == "dash" else
                        real(name, *a))
    assert main(["serve", "--port", "8123"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['rfsim: error: rfsim serve needs the app extra: pip install ".[app]"']


def test_bad_port_is_a_config_error(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port = 70000" in capsys.readouterr().err


def test_serve_binds_loopback_by_default_and_says_so(monkeypatch):
    pytest.importorskip("dash", reason='needs the app extra: pip install ".[app]"')
    from rfsim.app import server

    ran = {}

    class FakeApp:
        def run(self, **kw):
            ran.update(kw)

    monkeypatch.setattr(server, "create_app", FakeApp)
    lines = []
    server.serve(announce=lines.append)
    assert ran["host"] == "127.0.0.1" and ran["debug"] is False
    assert any("bound to 127.0.0.1 (loopback)" in line for line in lines)
    lines.clear()
    server.serve("0.0.0.0", 8051, announce=lines.append)
    assert any(line.startswith("WARNING") for line in lines)
    assert server.is_loopback("localhost") and server.is_loopback("::1") and not server.is_loopback("10.0.0.1")
