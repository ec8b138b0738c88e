"""Preconditioners for :class:`rfsim.numerics.cg.PCG`, and the rule that picks one.

A preconditioner is an object with one life cycle, which PCG drives:

* :meth:`~Preconditioner.select` ``(key)``: the operator about to be solved is
  the one labelled ``key`` (e.g. the rung of the time-step ladder);
* :meth:`~Preconditioner.prepare` ``(G, diag)``: make ready for that operator
  (build on first use or after :meth:`~Preconditioner.invalidate`);
* :meth:`~Preconditioner.apply` ``(r, out)``: ``out = M^{-1} r``, inside the CG loop;
* :meth:`~Preconditioner.observe` ``(iterations)``: after a solve; a
  preconditioner that needed too many iterations has drifted from the operator
  and drops itself, to be rebuilt on the next solve;
* :meth:`~Preconditioner.invalidate`: drop it now (also after a failed solve).

Each is built from an *earlier* operator and kept while it stays good: the
conductances change slowly from step to step (sigma(T), perfusion shut-off, the
time step), so old factors bring CG to tolerance in a few iterations.

* :class:`FactorisedPreconditioner`: an exact sparse factorisation (LDL^T or
  SuperLU), one per recurring operator, cached by key.
* :class:`JacobiPreconditioner`: the inverse diagonal, for grids too large to
  factorise.
* :class:`MultigridPreconditioner`: a geometric multigrid V-cycle
  (:mod:`rfsim.numerics.multigrid`) on 3-D grids whose cell widths are given: its
  iteration count does not grow with resolution, and it costs a few operator
  applications instead of a fill-in that grows like n^(4/3).

:func:`choose_preconditioner` is where the choice among them is made.
"""

from __future__ import annotations

import numpy as np

from rfsim.numerics.multigrid import Multigrid
from rfsim.numerics.sparse import Factor, Pattern, operator_diagonal

#: Largest number of unknowns for which the factorised preconditioner is used.
LU_MAX_UNKNOWNS = 400_000
#: Smallest number of 3-D unknowns for which multigrid replaces the exact
#: factorisation (below it SuperLU is exact, cheap and needs no iterations).
MG_MIN_UNKNOWNS = 20_000
#: Factorisations kept per solver (one per recurring operator, e.g. time step).
CACHE_SIZE = 24
#: Default for ``refactor_after``: rebuild a factorised or Jacobi
#: preconditioner after a solve that needed more CG iterations than this.
REFACTOR_AFTER = 8


def choose_preconditioner(free, widths=None, block=None, refactor_after=REFACTOR_AFTER):
    """The preconditioner for CG on the ``free`` cells of a grid.

    Multigrid on 3-D grids of at least ``MG_MIN_UNKNOWNS`` unknowns whose cell
    widths are given; otherwise an exact factorisation up to
    ``LU_MAX_UNKNOWNS`` unknowns; Jacobi beyond.

    Parameters
    ----------
    free : bool cell array
        The unknowns.
    widths : tuple of three 1-D arrays, optional
        Cell widths (m) of a tensor-product 3-D grid; without them no multigrid.
    block : bool cell array, optional
        Strongly coupled cells the multigrid smoother solves as one block (see
        :class:`rfsim.numerics.multigrid.Multigrid`).
    refactor_after : int
        Rebuild a factorised or Jacobi preconditioner when a solve needed more
        iterations.

    Returns
    -------
    Preconditioner
    """
    free = np.ascontiguousarray(free, dtype=bool)
    nfree = int(free.sum())
    if widths is not None and 1 not in free.shape and nfree >= MG_MIN_UNKNOWNS:
        return MultigridPreconditioner(free, widths, block)
    if nfree <= LU_MAX_UNKNOWNS:
        return FactorisedPreconditioner(free, refactor_after)
    return JacobiPreconditioner(free, refactor_after)


class Preconditioner:
    """What the preconditioners share: the unknowns, the key of the operator
    being solved, and a count of builds.

    Parameters
    ----------
    free : bool cell array
        The unknowns; ``apply`` leaves the other cells at 0.

    Attributes
    ----------
    builds : int
        Preconditioners built so far (factorisations, hierarchies, diagonals).
    """

    #: The LDL^T factors (:class:`rfsim.numerics.ldl.LDLFactors`) when this
    #: preconditioner is one, ready after :meth:`prepare`: PCG then runs its
    #: whole loop compiled (:func:`rfsim.numerics.ldl.pcg_ldl`).  None otherwise.
    ldl = None

    def __init__(self, free):
        self.free = np.ascontiguousarray(free, dtype=bool)
        self.key = None
        self.builds = 0

    def select(self, key):
        """The operators to come are the one labelled ``key`` (hashable)."""
        self.key = key

    def prepare(self, G, diag):
        """Make ready to precondition the operator (G, diag) (S or W/K)."""
        raise NotImplementedError

    def apply(self, r, out):
        """out = M^{-1} r (cell arrays); returns ``out``."""
        raise NotImplementedError

    def observe(self, iterations):
        """A solve took ``iterations`` CG iterations with this preconditioner."""

    def invalidate(self):
        """Drop the preconditioner: the next :meth:`prepare` rebuilds it."""
        raise NotImplementedError


class FactorisedPreconditioner(Preconditioner):
    """An exact factorisation of an earlier operator, one per key.

    Operators that recur, as time steps on a fixed ladder do, then cost one
    factorisation each for the whole run.  The factorisation is redone when a
    solve needs more than ``refactor_after`` iterations (the operator has
    drifted), reusing the symbolic analysis of the one it replaces.

    Parameters
    ----------
    free : bool cell array
    refactor_after : int
    """

    def __init__(self, free, refactor_after=REFACTOR_AFTER):
        super().__init__(free)
        self.refactor_after = refactor_after
        self.pattern = Pattern(self.free)
        self.factor = None
        self._cache = {}  # key -> factorisation of the operator that key stands for
        self._stale = None  # a dropped factorisation whose analysis the next one reuses
        self._last = None  # the last factorisation built

    def select(self, key):
        """Use the factorisation cached under ``key``, factorising on first use."""
        self.key = key
        self.factor = self._cache.get(key)
        if self.factor is not None:  # most recently used last
            self._cache[key] = self._cache.pop(key)

    def prepare(self, G, diag):
        if self.factor is not None:
            return
        U = self.pattern.matrix(G, diag)
        reuse = self._stale
        if len(self._cache) >= CACHE_SIZE:
            evicted = self._cache.pop(next(iter(self._cache)))  # least recently used
            reuse = reuse or evicted
        # An LDL^T keeps its own factors: every factorisation can reuse the
        # symbolic analysis of the last one.
        reuse = reuse or (self._last if self._last is not None and self._last.ldl is not None else None)
        self._stale = None
        self.factor = Factor(U, reuse, planar=1 in self.free.shape, idx=self.pattern.idx)
        self._cache[self.key] = self._last = self.factor
        self.builds += 1

    @property
    def ldl(self):
        """The LDL^T factors of the current factorisation, or None (SuperLU, or none yet)."""
        return None if self.factor is None else self.factor.ldl

    def apply(self, r, out):
        out.fill(0.0)
        idx = self.pattern.idx
        out.ravel()[idx] = self.factor.solve(r.ravel()[idx])
        return out

    def observe(self, iterations):
        if iterations > self.refactor_after:
            self.invalidate()

    def invalidate(self):
        """Drop the factorisation of the current key; the next :meth:`prepare`
        refactorises, reusing its symbolic analysis."""
        self._stale = self._cache.pop(self.key, None) or self.factor
        self.factor = None


class JacobiPreconditioner(Preconditioner):
    """The inverse of the operator's diagonal, for grids too large to factorise.

    Parameters
    ----------
    free : bool cell array
    refactor_after : int
        Rebuild the diagonal when a solve needed more iterations.
    """

    def __init__(self, free, refactor_after=REFACTOR_AFTER):
        super().__init__(free)
        self.refactor_after = refactor_after
        self.inverse_diagonal = None

    def prepare(self, G, diag):
        if self.inverse_diagonal is not None:
            return
        d = operator_diagonal(G, diag)
        self.inverse_diagonal = np.where(self.free, 1.0 / np.where(d > 0, d, 1.0), 0.0)
        self.builds += 1

    def apply(self, r, out):
        np.multiply(self.inverse_diagonal, r, out=out)
        return out

    def observe(self, iterations):
        if iterations > self.refactor_after:
            self.invalidate()

    def invalidate(self):
        self.inverse_diagonal = None


class MultigridPreconditioner(Preconditioner):
    """One V-cycle of a geometric multigrid hierarchy per application.

    A new key (another time step) only replaces the diagonals of the hierarchy
    (:meth:`rfsim.numerics.multigrid.Multigrid.set_diag`): the coarse
    conductances stay.  The hierarchy is rebuilt when a solve needs clearly more
    iterations than the first solve with it did (sigma(T) has drifted).

    Parameters
    ----------
    free : bool cell array
    widths : tuple of three 1-D arrays
        Cell widths (m) along each axis.
    block : bool cell array, optional
        Cells the smoother solves as one block.

    Attributes
    ----------
    hierarchy : Multigrid or None
        The current hierarchy (None until the first :meth:`prepare`).
    """

    def __init__(self, free, widths, block=None):
        super().__init__(free)
        self.widths = widths
        self.block = block
        self.hierarchy = None
        self._diag_key = None  # key whose diagonal the hierarchy holds
        self._fresh = 0  # iterations of the first solve with a new hierarchy

    def prepare(self, G, diag):
        if self.hierarchy is None:
            self.hierarchy = Multigrid(G, diag, self.free, self.widths, self.block)
            self._diag_key, self._fresh = self.key, 0
            self.builds += 1
        elif self.key != self._diag_key:
            # another time step: the coarse conductances stay, the diagonals change
            self.hierarchy.set_diag(diag)
            self._diag_key = self.key

    def apply(self, r, out):
        return self.hierarchy.apply(r, out)

    def observe(self, iterations):
        # Rebuilding a hierarchy is cheap but not free: keep it while the
        # operator it was built for (sigma(T) changes) still preconditions well.
        self._fresh = self._fresh or iterations
        if iterations > 1.5 * self._fresh + 2:
            self.invalidate()

    def invalidate(self):
        self.hierarchy = None
