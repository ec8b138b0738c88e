"""Tests of ``rfsim anatomy`` (rfsim.cli.anatomy): the figure is written, and a
placement the anatomy rejects exits with status 2 before anything is drawn."""


def test_anatomy_command_draws_the_figure(tmp_path, capsys):
    from rfsim.cli.main import main

    out = tmp_path / "cross-section.png"
    assert main(["anatomy", "--plot", str(out), "--target", "arm", "--side", "left"]) == 0
    assert out.stat().st_size > 20_000
    assert main(["anatomy", "--plot", str(tmp_path / "bad.png"), "--depth", "9"]) == 2
    assert "--depth = 9.0" in capsys.readouterr().err
    assert not (tmp_path / "bad.png").exists()
