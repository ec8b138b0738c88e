"""rfsim.numerics: grids, compiled finite-volume kernels and the linear solvers.

Modules, each importing only those above it: ``jit`` (Numba settings), ``grid``,
``kernels`` (compiled kernels with their NumPy twins), ``interpolation`` (an
(r, z) field at points along a needle), ``conductance`` (face conductances of a
grid), ``ldl`` (the compiled LDL^T solves and CG loop), ``ldl_factor`` (qdldl's
factorisation, compiled), ``sparse`` (the operator as a matrix and its exact
factorisation), ``multigrid`` (the V-cycle), ``preconditioners`` (the
preconditioner objects and the rule that picks one) and ``cg`` (the
preconditioned conjugate gradient).
"""
