"""Geometric multigrid V-cycle for the 3-D finite-volume operator, as a CG preconditioner.

The operator is the one of :func:`rfsim.numerics.kernels.apply_operator`:
``y = mask (diag x + sum_faces G (x - x_nb))``, with fixed (Dirichlet) cells
held at zero and outer boundary faces acting as neighbours at zero.  Grids are
tensor-product, graded (cells from ~50 um to 2 mm), and the coefficients jump by
decades (CSF 2 S/m vs cord 0.1 S/m; metal 20 W/m/K vs tissue 0.5; the electrode
cells are Dirichlet for the potential).  The choices follow from that:

* **Coarsening by aggregation** (:mod:`~rfsim.numerics.multigrid.transfer`).
  Neighbouring cells are merged in pairs along every axis (2x2x2 aggregates; an
  axis with two cells or fewer is left alone).  The coarse grid is again a
  tensor-product grid, so the coarse operator has the same seven-point form and
  the same kernels run on every level.
* **Conductance-summing coarse operators** (same module).  The conductance of a
  coarse face is the sum of the fine conductances crossing it, scaled by
  (h_L + h_R) / (H_L + H_R), the ratio of the fine to the coarse centre-to-centre
  distance across that face (fine cell widths h, coarse widths H).  Unscaled, the
  sum is the Galerkin operator of piecewise-constant interpolation, which is a
  factor ~2 too stiff per level and makes V-cycles degrade with depth; scaled, it
  is the operator rediscretised on the coarse grid, exact on uniform grids and
  still summing conductances, so jumps and insulating faces (G = 0) carry over
  without any knowledge of the material.  Faces between a free and a fixed cell
  become Dirichlet links on the coarse diagonal, scaled the same way; the
  diagonal term (capacity / dt, perfusion) is summed (it is a volume integral).
* **Symmetric Gauss-Seidel smoothing** (:mod:`~rfsim.numerics.multigrid.smoother`):
  one forward sweep before the coarse correction and one backward sweep after
  it, so the V-cycle is a symmetric positive definite preconditioner, as CG
  requires.  The sweep cuts axis 0 into slabs swept in parallel, and a ``block``
  of strongly coupled cells (the electrode metal in the heat problem) is solved
  exactly after the point sweep, before it on the way back
  (:class:`~rfsim.numerics.multigrid.hierarchy.Level`).
* **Direct coarse solve**: a sparse LU factorisation of the coarsest operator
  (a few thousand unknowns).
* **Single precision**: the cycle's arrays are ``CYCLE_PRECISION``; CG stays in
  double (:meth:`Multigrid.apply` converts on the way in and out).

The hierarchy and the cycle are in :mod:`~rfsim.numerics.multigrid.hierarchy`;
its tunable constants (``COARSE_MAX_UNKNOWNS``, ``BLOCK_LEVELS``,
``CYCLE_PRECISION``, ``MAX_LEVELS``) are read from there.
"""

from rfsim.numerics.multigrid.hierarchy import Multigrid

__all__ = ["Multigrid"]
