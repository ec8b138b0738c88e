"""Validation: rfsim against measured lesions, impedances and clinical records.

``cases/`` holds one TOML file per case (source, conditions, measured value
with its spread, the end point measured and the one the model compares);
:mod:`rfsim.validation.cases` reads them, :mod:`rfsim.validation.runner` runs
each as an rfsim scenario, :mod:`rfsim.validation.report` compares and formats.
``rfsim validate`` is the command; docs/validation.md is the page.
"""
