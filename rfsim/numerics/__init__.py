"""rfsim.numerics: grids, compiled finite-volume kernels and the linear solvers.

Modules, each importing only those above it: ``jit`` (Numba settings), ``grid``,
``kernels`` (compiled kernels with their NumPy twins), ``conductance`` (face
conductances of a grid), ``sparse`` (the operator as a matrix and its exact
factorisation), ``multigrid`` (the V-cycle), ``preconditioners`` (the
preconditioner objects and the rule that picks one) and ``cg`` (the
preconditioned conjugate gradient).
"""
