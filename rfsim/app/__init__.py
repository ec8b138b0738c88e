"""The planning page (``rfsim serve``): a local web application that answers a
planner's placement while they change it.

Modules, in the order a request meets them: :mod:`~rfsim.app.server` (the Dash
application and its start), :mod:`~rfsim.app.layout` (the components),
:mod:`~rfsim.app.callbacks` (what a change does), :mod:`~rfsim.app.form` (what
was typed -> a validated scenario), :mod:`~rfsim.app.results` (predictions,
shared safely between tabs), :mod:`~rfsim.app.jobs` (the 3-D model and the
probabilities, each in a process of its own), :mod:`~rfsim.app.views`
(verdict, comparison, impedance chart, probabilities) and
:mod:`~rfsim.app.artifacts` (figure, JSON, HDF5, NIfTI zip bytes).

Needs the ``app`` extra (``pip install ".[app]"``); nothing else in rfsim
imports this package.
"""
