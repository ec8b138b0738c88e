"""The multigrid hierarchy and its V-cycle.

:class:`Multigrid` builds the levels (aggregation and coarse operators from
:mod:`rfsim.numerics.multigrid.transfer`), holds each level's smoother data
(:class:`Level`, sweeping with :mod:`rfsim.numerics.multigrid.smoother`),
factorises the coarsest operator and applies one V-cycle as a preconditioner.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from rfsim.numerics.multigrid.smoother import SMOOTHER_SLABS, gauss_seidel
from rfsim.numerics.multigrid.transfer import aggregation_map, coarsen_faces, prolong_add, residual_restrict, restrict
from rfsim.numerics.sparse import assemble, operator_diagonal, splu_symmetric

#: Stop coarsening when a level has at most this many free cells: the coarsest
#: operator is then factorised (SuperLU, ~ms at this size in 3-D).
COARSE_MAX_UNKNOWNS = 4000
#: Levels on which the smoother solves the ``block`` cells together (the fine
#: level and the first coarse one: deeper levels mix the block into aggregates
#: with tissue, and there it no longer slows the smoother down).  With it the
#: 3-D heat solves take 13 instead of 22 iterations.
BLOCK_LEVELS = 2
#: Precision of the V-cycle's arrays.  A preconditioner need not be exact: in
#: single precision the cycle moves half the bytes and CG (in double) takes the
#: same number of iterations to the same tolerance (10 per heat step of the
#: FiPy peer problem at 128^3, to 1e-8, either way); the heat step is 15 %
#: faster.  The coarsest and block solves stay in double.
CYCLE_PRECISION = np.float32
#: Most levels in a hierarchy (the fine level included).
MAX_LEVELS = 24


def _operator_rows(G, shape, cells):
    """Rows of the operator without its diagonal term (sum_faces G (x_c - x_nb))
    for the given flat cell indices, over all cells, as a CSR matrix (outer
    boundary faces on the diagonal: their neighbour is held at zero)."""
    idx = np.unravel_index(cells, shape)
    n = np.prod(shape)
    rows, cols, vals = [], [], []
    ar = np.arange(cells.size)
    for ax in range(3):
        g = G[ax]
        for step, face in ((-1, idx[ax]), (1, idx[ax] + 1)):
            f = list(idx)
            f[ax] = face
            gv = g[tuple(f)]
            rows.append(ar)
            cols.append(cells)
            vals.append(gv)
            nb = list(idx)
            nb[ax] = idx[ax] + step
            inside = (nb[ax] >= 0) & (nb[ax] < shape[ax])
            nbf = np.ravel_multi_index(tuple(a[inside] for a in nb), shape)
            rows.append(ar[inside])
            cols.append(nbf)
            vals.append(-gv[inside])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(cells.size, n))


class Level:
    """One level: the operator (G, diag, mask), its smoother data and work arrays.

    ``block`` (bool cell array or None) marks free cells that the smoother
    solves together, exactly, after the point sweep: a small, highly conducting
    inclusion (the electrode metal in the heat problem, 40 times as conductive
    as tissue) couples its cells so strongly that point Gauss-Seidel barely
    moves the error inside it.

    Parameters
    ----------
    G : tuple of three face arrays (S or W/K)
    diag : cell array (S or W/K)
    mask : cell array, 1 on free cells and 0 on fixed ones
    widths : tuple of three 1-D arrays, cell widths (m)
    block : bool cell array, optional
    """

    def __init__(self, G, diag, mask, widths, block=None):
        self.G, self.diag, self.mask, self.widths = G, diag, mask, widths
        self.shape = mask.shape
        self.gsum = operator_diagonal(G)
        self.block = None
        if block is not None and (block & (mask != 0)).any():
            self.block = np.flatnonzero((block & (mask != 0)).ravel())
            self._in_block = block
            self._rows = _operator_rows(G, self.shape, self.block)
        self.dtype = np.float64
        self.set_diag(diag)

    def cycle_precision(self, dtype, keep_G=False):
        """Hold what the V-cycle reads in ``dtype``; the float64 face arrays are
        dropped unless ``keep_G`` (the coarsest level assembles a matrix)."""
        self.dtype = dtype
        self.Gv = tuple(g.astype(dtype) for g in self.G)
        self.maskv = self.mask.astype(dtype)
        if not keep_G:
            self.G = None
        self.r = np.empty(self.shape, dtype)
        self.b = np.empty(self.shape, dtype)
        self.x = np.empty(self.shape, dtype)
        self.set_diag(self.diag)

    def set_diag(self, diag):
        """Replace the diagonal term (S or W/K per cell): the smoother's inverse
        diagonal and, with a block, its factorisation."""
        self.diag = diag
        d = diag + self.gsum
        dinv = np.where((self.mask != 0) & (d > 0), 1.0 / np.where(d > 0, d, 1.0), 0.0)
        self.diagv = diag.astype(self.dtype)
        # the point sweep leaves the block to the block solve
        self.point_dinv = (dinv if self.block is None else np.where(self._in_block, 0.0, dinv)).astype(self.dtype)
        if self.block is not None:
            rows = self._rows.copy()
            rows = rows + sp.csr_matrix((diag.ravel()[self.block], (np.arange(self.block.size), self.block)),
                                        shape=rows.shape)
            self._A_rows = rows.tocsr()
            self._block_lu = splu_symmetric(self._A_rows[:, self.block].tocsc())

    def smooth(self, b, x, forward):
        """One Gauss-Seidel sweep, then (forward) or before it (backward) the
        exact block solve: the backward pass is the adjoint of the forward one."""
        if forward:
            gauss_seidel(*self.Gv, self.point_dinv, b, x, True, SMOOTHER_SLABS)
        if self.block is not None:
            xf = x.ravel()
            r = b.ravel()[self.block] - self._A_rows @ xf
            xf[self.block] += self._block_lu.solve(r)
        if not forward:
            gauss_seidel(*self.Gv, self.point_dinv, b, x, False, SMOOTHER_SLABS)


class Multigrid:
    """V-cycle preconditioner for the operator (G, diag) on the free cells.

    Parameters
    ----------
    G : tuple of three face arrays
        Fine face conductances (S or W/K).
    diag : cell array
        Diagonal term (S or W/K), e.g. capacity / dt plus perfusion for heat.
    free : bool cell array
        The unknowns; the others are fixed at zero.
    widths : tuple of three 1-D arrays
        Cell widths (m) along each axis of the tensor-product grid.
    block : bool cell array, optional
        Free cells the smoother solves together, exactly, on the first
        ``BLOCK_LEVELS`` levels (the electrode metal of the heat problem).

    Notes
    -----
    The face conductances of every level depend only on G, so a new diagonal
    (another time step) only needs :meth:`set_diag`, which re-sums the
    diagonals and refactorises the small coarsest and block operators.
    """

    def __init__(self, G, diag, free, widths, block=None):
        mask = np.ascontiguousarray(free, dtype=float)
        widths = tuple(np.asarray(w, float) for w in widths)
        # copies: the electric solver updates its conductances in place, and a
        # hierarchy must stay consistent with the operator it was built from
        self.levels = [Level(tuple(np.array(g, float) for g in G), np.array(diag, float), mask, widths, block)]
        self.maps = []  # aggregation maps from level l to l + 1
        self.links = []  # Dirichlet links added to each coarse diagonal
        while len(self.levels) < MAX_LEVELS and (self.levels[-1].mask != 0).sum() > COARSE_MAX_UNKNOWNS:
            fine = self.levels[-1]
            # merge what is narrower than twice the narrowest cell: the fine
            # cells of the graded grid catch up with the coarse ones first
            threshold = 2.02 * min(w.min() for w in fine.widths)
            maps, cw = zip(*(aggregation_map(w, threshold) for w in fine.widths))
            cshape = tuple(w.size for w in cw)
            if cshape == fine.shape:  # nothing left to coarsen
                break
            Gc = tuple(np.zeros(tuple(n + (a == ax) for a, n in enumerate(cshape))) for ax in range(3))
            links = np.zeros(cshape)
            for ax in range(3):
                mv = lambda a: np.moveaxis(a, ax, 0)  # noqa: E731
                others = [maps[a] for a in range(3) if a != ax]
                coarsen_faces(mv(fine.G[ax]), mv(fine.mask), maps[ax], others[0], others[1],
                              fine.widths[ax], cw[ax], mv(Gc[ax]), mv(links))
            cmask = np.zeros(cshape)
            restrict(fine.mask, *maps, cmask)
            cmask = (cmask > 0).astype(float)
            self.maps.append(maps)
            self.links.append(links)
            cblock = None
            if block is not None and BLOCK_LEVELS > len(self.levels):
                cb = np.zeros(cshape)
                restrict(block.astype(float), *maps, cb)
                block = cblock = cb > 0
            self.levels.append(Level(Gc, self._coarse_diag(fine, maps, links), cmask, cw, cblock))
        for lv in self.levels:
            lv.cycle_precision(CYCLE_PRECISION, keep_G=lv is self.levels[-1])
        self._factor_coarsest()

    @staticmethod
    def _coarse_diag(fine, maps, links):
        d = np.empty_like(links)
        restrict(fine.diag * fine.mask, *maps, d)
        return d + links

    def _factor_coarsest(self):
        c = self.levels[-1]
        A, self._cidx = assemble(c.G, c.diag, c.mask != 0)
        self._coarse = splu_symmetric(A.tocsc())

    def set_diag(self, diag):
        """Replace the diagonal term (S or W/K per cell) on every level."""
        self.levels[0].set_diag(np.array(diag, float))
        for fine, coarse, maps, links in zip(self.levels[:-1], self.levels[1:], self.maps, self.links):
            coarse.set_diag(self._coarse_diag(fine, maps, links))
        self._factor_coarsest()

    @property
    def shapes(self) -> list:
        """Grid shape of every level, finest first."""
        return [lv.shape for lv in self.levels]

    def apply(self, r, out):
        """out = M^{-1} r, one V-cycle from a zero guess (symmetric, SPD)."""
        top = self.levels[0]
        top.b[...] = r
        self._cycle(0, top.b, top.x)
        out[...] = top.x
        return out

    def _cycle(self, l, b, x):
        lv = self.levels[l]
        if l == len(self.levels) - 1:
            x.fill(0.0)
            x.ravel()[self._cidx] = self._coarse.solve(b.ravel()[self._cidx].astype(float))
            return
        x.fill(0.0)
        lv.smooth(b, x, True)
        nxt = self.levels[l + 1]
        maps = self.maps[l]
        residual_restrict(*lv.Gv, lv.diagv, lv.maskv, b, x, lv.r, *maps, nxt.b)
        self._cycle(l + 1, nxt.b, nxt.x)
        prolong_add(nxt.x, *maps, lv.maskv, x)
        lv.smooth(b, x, False)
