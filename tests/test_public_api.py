"""The public API: every name in ``rfsim.__all__`` resolves, and the README's
first example runs through it."""

import rfsim


def test_every_public_name_resolves():
    for name in rfsim.__all__:
        assert getattr(rfsim, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rfsim.nope


def test_prediction_through_the_public_api():
    sc = rfsim.cordotomy_scenario(target="leg", offset_mm=1.5, depth_mm=2.5)
    p = rfsim.predict(sc)
    assert isinstance(p, rfsim.Prediction)
    assert 0.0 < p.summary["cord_area_fraction"] < 1.0
