"""Tests of rfsim.errors: messages are one line, name the key and show the value
shortened; keys_as_typed renames an error to what the user typed."""

import pytest

from rfsim.errors import MAX_SHOWN_VALUE, ConfigError, keys_as_typed, one_line, require_number, shown


def test_a_message_is_one_line_whatever_the_user_typed():
    e = ConfigError("scenario.mo\ndel", "a\nb\x07" + "z" * 10_000_000, "allowed:\naxisymmetric")
    text = str(e)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("scenario.mo\\ndel = 'a\\nb\\x07zzz")
    assert text.endswith("...: allowed:\\naxisymmetric")


def test_values_are_shown_as_typed_and_cut_at_the_limit():
    assert shown(0.001) == "0.001" and shown("x") == "'x'"
    long = shown("y" * 1000)
    assert long == "'" + "y" * (MAX_SHOWN_VALUE - 1) + "..."
    assert shown(10 ** 5000).endswith("...") or shown(10 ** 5000) == "<int>"  # repr may refuse huge ints
    assert one_line("\u2028ok") == "\\u2028ok"


def test_keys_as_typed_renames_only_the_keys_it_knows():
    with pytest.raises(ConfigError) as e, keys_as_typed({"depth_mm": "--depth"}):
        raise ConfigError("depth_mm", 50.0, "must lie in (0, 12]")
    assert str(e.value) == "--depth = 50.0: must lie in (0, 12]"
    with pytest.raises(ConfigError) as e, keys_as_typed({"depth_mm": "--depth"}):
        raise ConfigError("offset_mm", 9.0, "misses")
    assert e.value.key == "offset_mm"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10 ** 400, "1", True, None])
def test_require_number_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ConfigError, match="must be a finite number"):
        require_number("k", value)
