"""rfsim: radiofrequency thermal lesions in the cervical spinal cord.

The names a user needs are here; everything else lives in the subpackages, in
the order data flows (see docs/architecture.md)::

    import rfsim

    p = rfsim.predict(rfsim.cordotomy_scenario(target="leg", offset_mm=1.5, depth_mm=2.5))
    p.summary["cord_area_fraction"], p.summary["cst_spared"]

Names are imported on first use, so ``import rfsim`` stays light (the command
line starts without compiling anything).
"""

from importlib import import_module

from rfsim.version import __version__

#: Public name -> module that defines it.
_PUBLIC = {
    # prediction of a cordotomy lesion
    "predict": "rfsim.prediction",
    "Prediction": "rfsim.prediction",
    "impedance_profile": "rfsim.prediction",
    "cordotomy_scenario": "rfsim.prediction",
    # scenarios and their loading
    "Scenario": "rfsim.scenario.config",
    "load_scenario": "rfsim.scenario.config",
    "parse_scenario": "rfsim.scenario.config",
    "to_toml": "rfsim.scenario.writer",
    "template": "rfsim.scenario.writer",
    # protocol
    "Protocol": "rfsim.physics.generator",
    "Lesion": "rfsim.physics.generator",
    # any scenario (e.g. a homogeneous block)
    "run": "rfsim.runner",
    # result files
    "write_result": "rfsim.io",
    "read_result": "rfsim.io",
    # sweeps
    "load_sweep": "rfsim.sweep",
    "parse_sweep": "rfsim.sweep",
    "run_sweep": "rfsim.sweep",
    "read_sweep": "rfsim.sweep",
    "summarize": "rfsim.sweep",
    # errors
    "RfsimError": "rfsim.errors",
    "ConfigError": "rfsim.errors",
    "NumericalError": "rfsim.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name):
    # PEP 562: import the defining module on first use
    try:
        module = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'rfsim' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
