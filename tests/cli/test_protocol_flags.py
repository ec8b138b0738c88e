"""The protocol of ``rfsim predict``: flags and the config file give the same
number of lesions, and the printed protocol names every set point."""

import tomllib

from rfsim.cli.main import build_parser
from rfsim.cli.placement_flags import scenario_from_flags
from rfsim.cli.predict import print_prediction


def _scenario(*argv):
    return scenario_from_flags(build_parser().parse_args(["predict", *argv]))


def test_temperature_in_the_config_and_on_the_command_line_run_as_many_lesions(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[scenario]\nkind = "cordotomy"\n[protocol]\nset_temperature_c = 70.0\n')
    from_config = _scenario("--config", str(config)).protocol
    from_flag = _scenario("--temperature", "70").protocol
    assert from_config == from_flag
    assert [les.set_temperature_c for les in from_flag.lesions] == [70.0, 70.0, 70.0]
    # a flag overrides the config, and keeps its lesion count
    config.write_text('[scenario]\nkind = "cordotomy"\n[protocol]\nset_temperature_c = 70.0\nlesions = 2\n')
    assert [les.set_temperature_c for les in _scenario("--config", str(config), "--temperature", "85")
            .protocol.lesions] == [85.0, 85.0]


def test_an_escalating_protocol_is_printed_lesion_by_lesion(tmp_path, capsys):
    from rfsim.prediction import predict

    config = tmp_path / "c.toml"
    config.write_text('[scenario]\nkind = "cordotomy"\n[protocol]\ncooling_s = 1.0\n'
                      '[[protocol.lesion]]\nset_temperature_c = 70.0\nduration_s = 5.0\n'
                      '[[protocol.lesion]]\nset_temperature_c = 80.0\nduration_s = 5.0\n')
    assert tomllib.loads(config.read_text())
    pr = predict(_scenario("--config", str(config)))
    print_prediction(pr.summary)
    out = capsys.readouterr().out
    assert "protocol    70, 80 C for 5 s each" in out
    assert "2 x 70" not in out


def test_electrode_flags_keep_the_rest_of_the_config_electrode(tmp_path):
    """--tip-length and --electrode-diameter change only those two: the metal
    and the thermocouple position of --config stay."""
    config = tmp_path / "c.toml"
    config.write_text('[scenario]\nkind = "cordotomy"\n[electrode]\nthermocouple_position = "middle"\n'
                      'metal_k_w_per_m_k = 15.0\n')
    el = _scenario("--config", str(config), "--tip-length", "3", "--electrode-diameter", "0.3").electrode
    assert (el.tip_length_m, el.diameter_m) == (3e-3, 0.3e-3)
    assert el.thermocouple_position == "middle" and el.metal.k_w_per_m_k == 15.0
