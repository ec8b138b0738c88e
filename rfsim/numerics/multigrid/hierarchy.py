"""Geometric multigrid V-cycle for the 3-D finite-volume operator, as a CG preconditioner.

The operator is the one of :func:`rfsim.numerics.kernels.apply_operator`:
``y = mask (diag x + sum_faces G (x - x_nb))``, with fixed (Dirichlet) cells
held at zero and outer boundary faces acting as neighbours at zero.  Grids are
tensor-product, graded (cells from ~50 um to 2 mm), and the coefficients jump by
decades (CSF 2 S/m vs cord 0.1 S/m; metal 20 W/m/K vs tissue 0.5; the electrode
cells are Dirichlet for the potential).  The choices follow from that:

* **Coarsening by aggregation.**  Neighbouring cells are merged in pairs along
  every axis (2x2x2 aggregates; an axis with two cells or fewer is left alone).
  The coarse grid is again a tensor-product grid, so the coarse operator has the
  same seven-point form and the same kernels run on every level.
* **Conductance-summing coarse operators.**  The conductance of a coarse face is
  the sum of the fine conductances crossing it, scaled by
  (h_L + h_R) / (H_L + H_R), the ratio of the fine to the coarse centre-to-centre
  distance across that face (fine cell widths h, coarse widths H).  Unscaled, the
  sum is the Galerkin operator of piecewise-constant interpolation, which is a
  factor ~2 too stiff per level and makes V-cycles degrade with depth; scaled, it
  is the operator rediscretised on the coarse grid, exact on uniform grids and
  still summing conductances, so jumps and insulating faces (G = 0) carry over
  without any knowledge of the material.  Faces between a free and a fixed cell
  become Dirichlet links on the coarse diagonal, scaled the same way; the
  diagonal term (capacity / dt, perfusion) is summed (it is a volume integral).
* **Symmetric Gauss-Seidel smoothing**: one forward sweep before the coarse
  correction and one backward sweep after it, so the V-cycle is a symmetric
  positive definite preconditioner, as CG requires.  The sweep cuts axis 0 into
  slabs swept in parallel (:func:`gauss_seidel`), and a ``block`` of strongly
  coupled cells (the electrode metal in the heat problem) is solved exactly
  after the point sweep, before it on the way back (:class:`_Level`).
* **Direct coarse solve**: a sparse LU factorisation of the coarsest operator
  (a few thousand unknowns).
* **Single precision**: the cycle's arrays are ``CYCLE_PRECISION``; CG stays in
  double (:meth:`Multigrid.apply` converts on the way in and out).

Every compiled kernel is a module-level ``@njit(cache=True)`` function with a
NumPy twin of the same name plus ``_np``; ``tests/test_multigrid.py`` checks
they agree.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit, prange

from rfsim.numerics.kernels import _CACHE, _operator_plane, apply_operator_np

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


# --------------------------------------------------------------------------
# aggregation maps (1-D, per axis; cheap, plain NumPy)
# --------------------------------------------------------------------------
def aggregation_map(widths, threshold=np.inf):
    """Pairs of neighbouring cells along one axis, and the coarse cell widths.

    Cells are merged in pairs, but only cells narrower than ``threshold``: on a
    graded grid a 50 um cell next to the tip and a 2 mm cell far away coarsen
    at different levels, so that every level's cells stay roughly isotropic
    (semi-coarsening in the direction of strong coupling, which is what makes a
    point smoother work on stretched cells).

    Parameters
    ----------
    widths : 1-D float array
        Fine cell widths (m).
    threshold : float
        Only cells narrower than this (m) are merged.

    Returns
    -------
    cmap : 1-D int64 array
        Coarse index of each fine cell.
    coarse_widths : 1-D float array
        Coarse cell widths (m).
    """
    w = np.asarray(widths, float)
    n = w.size
    cmap = np.empty(n, dtype=np.int64)
    i = c = 0
    while i < n:
        cmap[i] = c
        if n > 2 and i + 1 < n and w[i] < threshold and w[i + 1] < threshold:
            cmap[i + 1] = c
            i += 1
        i += 1
        c += 1
    return cmap, np.bincount(cmap, weights=w)


# --------------------------------------------------------------------------
# coarse operator
# --------------------------------------------------------------------------
@njit(cache=_CACHE)
def coarsen_faces(G, mask, ma, mb, mc, wa, Wa, Gc, dc):
    """Add one axis's fine face conductances to the coarse operator.

    Written for axis 0; the other axes are passed as views with that axis moved
    to the front (``numpy.moveaxis``), so one kernel serves all three.

    Parameters
    ----------
    G : (na + 1, nb, nc) float
        Fine face conductances normal to the axis (S or W/K).
    mask : (na, nb, nc) float
        1 on free cells, 0 on fixed (Dirichlet) cells.
    ma, mb, mc : 1-D int64
        Aggregation maps of the three axes (fine index -> coarse index).
    wa, Wa : 1-D float
        Fine and coarse cell widths along the axis (m).
    Gc : (Na + 1, Nb, Nc) float, accumulated
        Coarse face conductances.
    dc : (Na, Nb, Nc) float, accumulated
        Coarse diagonal: receives the Dirichlet links (faces between a free and
        a fixed fine cell).
    """
    na, nb, nc = mask.shape
    Na = Wa.size
    for i in range(na + 1):
        for j in range(nb):
            J = mb[j]
            for k in range(nc):
                g = G[i, j, k]
                if g == 0.0:
                    continue
                K = mc[k]
                if i == 0 or i == na:
                    c = 0 if i == 0 else na - 1
                    if mask[c, j, k] != 0.0:
                        Gc[0 if i == 0 else Na, J, K] += g * wa[c] / Wa[ma[c]]
                    continue
                lft, rgt = i - 1, i
                fl, fr = mask[lft, j, k] != 0.0, mask[rgt, j, k] != 0.0
                il, ir = ma[lft], ma[rgt]
                f = g * (wa[lft] + wa[rgt]) / (Wa[il] + Wa[ir])
                if fl and fr:
                    if il != ir:  # inside one aggregate the face cancels (Galerkin)
                        Gc[ir, J, K] += f
                elif fl:
                    dc[il, J, K] += f
                elif fr:
                    dc[ir, J, K] += f


def coarsen_faces_np(G, mask, ma, mb, mc, wa, Wa, Gc, dc):
    """NumPy twin of :func:`coarsen_faces`."""
    na = mask.shape[0]
    Na = Wa.size
    J, K = np.meshgrid(mb, mc, indexing="ij")
    for end, c, ce in ((0, 0, 0), (na, na - 1, Na)):
        free = mask[c] != 0
        Gc[ce] += np.bincount((J * Gc.shape[2] + K)[free], (G[end] * wa[c] / Wa[ma[c]])[free],
                              minlength=Gc.shape[1] * Gc.shape[2]).reshape(Gc.shape[1:])
    g = G[1:na]
    fl, fr = mask[:-1] != 0, mask[1:] != 0
    il, ir = ma[:-1], ma[1:]
    f = g * ((wa[:-1] + wa[1:]) / (Wa[il] + Wa[ir]))[:, None, None]
    shape = (na - 1,) + mask.shape[1:]
    IL = np.broadcast_to(il[:, None, None], shape)
    IR = np.broadcast_to(ir[:, None, None], shape)
    JJ = np.broadcast_to(J[None], shape)
    KK = np.broadcast_to(K[None], shape)
    cross = fl & fr & (IL != IR)
    np.add.at(Gc, (IR[cross], JJ[cross], KK[cross]), f[cross])
    for sel, I in ((fl & ~fr, IL), (fr & ~fl, IR)):
        np.add.at(dc, (I[sel], JJ[sel], KK[sel]), f[sel])


# --------------------------------------------------------------------------
# transfer
# --------------------------------------------------------------------------
@njit(cache=_CACHE)
def _restrict_plane(r, i, I, m1, m2, rc):
    """Add fine plane i of r into coarse plane I of rc."""
    for j in range(r.shape[1]):
        J = m1[j]
        for k in range(r.shape[2]):
            rc[I, J, m2[k]] += r[i, j, k]


@njit(cache=_CACHE, parallel=True)
def restrict(r, m0, m1, m2, rc):
    """rc = P^T r: sum of the fine values over each aggregate.

    The maps are non-decreasing (aggregates are runs of neighbours), so each
    coarse plane of axis 0 sums a run of fine planes; the threads share the
    coarse planes and never write the same cell.
    """
    start = np.searchsorted(m0, np.arange(rc.shape[0] + 1))
    for I in prange(rc.shape[0]):
        rc[I] = 0.0
        for i in range(start[I], start[I + 1]):
            _restrict_plane(r, i, I, m1, m2, rc)


@njit(cache=_CACHE, parallel=True)
def residual_restrict(G0, G1, G2, diag, mask, b, x, r, m0, m1, m2, rc):
    """r = mask (b - A x) and rc = P^T r in one pass: each fine plane of the
    residual is summed into the coarse grid while it is still in cache."""
    start = np.searchsorted(m0, np.arange(rc.shape[0] + 1))
    for I in prange(rc.shape[0]):
        rc[I] = 0.0
        for i in range(start[I], start[I + 1]):
            _operator_plane(G0, G1, G2, diag, mask, x, r, i, b, True)
            _restrict_plane(r, i, I, m1, m2, rc)


def residual_restrict_np(G0, G1, G2, diag, mask, b, x, r, m0, m1, m2, rc):
    """NumPy twin of :func:`residual_restrict`."""
    apply_operator_np(G0, G1, G2, diag, mask, x, r)
    r[...] = mask * b - r  # masks are 0 or 1
    restrict_np(r, m0, m1, m2, rc)


def restrict_np(r, m0, m1, m2, rc):
    """NumPy twin of :func:`restrict`."""
    rc[...] = 0.0
    I, J, K = np.meshgrid(m0, m1, m2, indexing="ij")
    np.add.at(rc, (I, J, K), r)


@njit(cache=_CACHE, parallel=True)
def prolong_add(ec, m0, m1, m2, mask, x):
    """x += mask P ec: each free fine cell takes its aggregate's correction."""
    n0, n1, n2 = x.shape
    for i in prange(n0):
        I = m0[i]
        for j in range(n1):
            J = m1[j]
            for k in range(n2):
                x[i, j, k] += mask[i, j, k] * ec[I, J, m2[k]]


def prolong_add_np(ec, m0, m1, m2, mask, x):
    """NumPy twin of :func:`prolong_add`."""
    x += mask * ec[np.ix_(m0, m1, m2)]


# --------------------------------------------------------------------------
# smoother
# --------------------------------------------------------------------------
#: The smoother cuts axis 0 into at most this many slabs of at least
#: ``SLAB_MIN_PLANES`` planes and sweeps them in parallel.  The slab count is
#: fixed, not the thread count, so answers do not depend on the machine.
SMOOTHER_SLABS = 4
SLAB_MIN_PLANES = 4


@njit(cache=_CACHE)
def slab_bounds(n0, nslabs):
    """Plane index where each slab starts, and n0 at the end ((nslabs + 1,) int64)."""
    ns = max(1, min(nslabs, n0 // SLAB_MIN_PLANES))
    out = np.empty(ns + 1, dtype=np.int64)
    for s in range(ns + 1):
        out[s] = (s * n0) // ns
    return out


@njit(cache=_CACHE)
def _gs_line(xl, bl, dl, g0l, g0u, xlo0, xhi0, g1l, g1u, xlo1, xhi1, g2, forward):
    """One line of axis 2: its neighbours across axes 0 and 1 are the lines
    xlo0, xhi0, xlo1, xhi1 (a zero line where the neighbour is the boundary).

    Each cell depends on the one just updated.  That value stays in a register
    (``xprev``) and enters last, by one multiply-add on the already scaled face:
    the chain from cell to cell is then one instruction instead of a sum, a
    multiply and a store-to-load round trip.
    """
    n2 = xl.size
    xprev = xl[0] - xl[0]  # zero of the array's precision: the boundary beyond the line
    for kk in range(n2):
        k = kk if forward else n2 - 1 - kk
        d = dl[k]
        if d == 0.0:
            xprev = xl[k]
            continue
        t = bl[k] + g0l[k] * xlo0[k] + g0u[k] * xhi0[k] + g1l[k] * xlo1[k] + g1u[k] * xhi1[k]
        if forward:
            if kk < n2 - 1:
                t += g2[k + 1] * xl[k + 1]
            g = g2[k]
        else:
            if kk < n2 - 1:
                t += g2[k] * xl[k - 1]
            g = g2[k + 1]
        xprev = d * t + (d * g) * xprev
        xl[k] = xprev


@njit(cache=_CACHE)
def _gs_slab(G0, G1, G2, dinv, b, x, lo, hi, below, above, zero, forward):
    """Gauss-Seidel over planes lo..hi-1 of axis 0; the planes lo-1 and hi are
    read from ``below`` and ``above`` (copies frozen before the sweep, zero at
    the boundary), ``zero`` is a zero line."""
    n0, n1, n2 = x.shape
    for ii in range(hi - lo):
        i = lo + ii if forward else hi - 1 - ii
        xm = below if i == lo else x[i - 1]
        xp = above if i == hi - 1 else x[i + 1]
        for jj in range(n1):
            j = jj if forward else n1 - 1 - jj
            _gs_line(x[i, j], b[i, j], dinv[i, j], G0[i, j], G0[i + 1, j], xm[j], xp[j],
                     G1[i, j], G1[i, j + 1], x[i, j - 1] if j > 0 else zero,
                     x[i, j + 1] if j < n1 - 1 else zero, G2[i, j], forward)


@njit(cache=_CACHE, parallel=True)
def gauss_seidel(G0, G1, G2, dinv, b, x, forward, nslabs):
    """One Gauss-Seidel sweep on the free cells, in place, slabs in parallel.

    x_c <- (b_c + sum_faces G x_nb) / (diag_c + sum_faces G); fixed cells keep
    x = 0, and boundary faces count in the denominator only (neighbour at 0).
    Axis 0 is cut into slabs (:func:`slab_bounds`); each is swept
    lexicographically and reads its neighbour slabs' border planes as they were
    before the sweep (Jacobi between slabs), so the result does not depend on
    the order the threads run in.  The backward sweep is the adjoint of the
    forward one, so a forward-backward pair stays symmetric.

    Parameters
    ----------
    G0, G1, G2 : face arrays (S or W/K)
    dinv : cell array, 1 / (diag + sum of the cell's face conductances); 0
        where the sweep leaves x alone (fixed cells; not reading a mask saves
        an eighth of the sweep's memory traffic)
    b : cell array, right-hand side
    x : cell array, updated in place
    forward : bool
        Sweep direction.
    nslabs : int
        Most slabs (1: a plain lexicographic sweep).
    """
    n0, n1, n2 = x.shape
    bounds = slab_bounds(n0, nslabs)
    ns = bounds.size - 1
    ghost = np.zeros((ns, 2, n1, n2), dtype=x.dtype)  # planes below and above each slab
    for s in range(ns):
        if bounds[s] > 0:
            ghost[s, 0] = x[bounds[s] - 1]
        if bounds[s + 1] < n0:
            ghost[s, 1] = x[bounds[s + 1]]
    zero = np.zeros(n2, dtype=x.dtype)
    for s in prange(ns):
        _gs_slab(G0, G1, G2, dinv, b, x, bounds[s], bounds[s + 1], ghost[s, 0], ghost[s, 1], zero, forward)


def gauss_seidel_np(G0, G1, G2, dinv, b, x, forward, nslabs):
    """NumPy twin of :func:`gauss_seidel` (a plain loop: Gauss-Seidel is sequential)."""
    n0 = x.shape[0]
    ns = max(1, min(nslabs, n0 // SLAB_MIN_PLANES))
    bounds = [(s * n0) // ns for s in range(ns + 1)]
    x_old = x.copy()
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        order = [(i, j, k) for i in range(lo, hi) for j in range(x.shape[1]) for k in range(x.shape[2])]
        for i, j, k in (order if forward else order[::-1]):
            if dinv[i, j, k] == 0.0:
                continue
            s = b[i, j, k]
            for ax, G in enumerate((G0, G1, G2)):
                c = [i, j, k]
                for step, face in ((-1, c[ax]), (1, c[ax] + 1)):
                    nb = list(c)
                    nb[ax] += step
                    if 0 <= nb[ax] < x.shape[ax]:
                        f = list(c)
                        f[ax] = face
                        src = x_old if not lo <= nb[0] < hi else x
                        s += G[tuple(f)] * src[tuple(nb)]
            x[i, j, k] = s * dinv[i, j, k]


# --------------------------------------------------------------------------
# the hierarchy
# --------------------------------------------------------------------------
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


def _total_conductance(G, shape):
    """Sum of each cell's face conductances (both faces along every axis)."""
    s = np.zeros(shape)
    for ax in range(3):
        g = G[ax]
        m = shape[ax]
        s += np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)
    return s


class _Level:
    """One level: the operator (G, diag, mask), its smoother data and work arrays.

    ``block`` (bool cell array or None) marks free cells that the smoother
    solves together, exactly, after the point sweep: a small, highly conducting
    inclusion (the electrode metal in the heat problem, 40 times as conductive
    as tissue) couples its cells so strongly that point Gauss-Seidel barely
    moves the error inside it.
    """

    def __init__(self, G, diag, mask, widths, block=None):
        self.G, self.diag, self.mask, self.widths = G, diag, mask, widths
        self.shape = mask.shape
        self.gsum = _total_conductance(G, self.shape)
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
            Abb = self._A_rows[:, self.block].tocsc()
            self._block_lu = spla.splu(Abb, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                       options={"SymmetricMode": True})

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
        self.levels = [_Level(tuple(np.array(g, float) for g in G), np.array(diag, float), mask, widths, block)]
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
            self.levels.append(_Level(Gc, self._coarse_diag(fine, maps, links), cmask, cw, cblock))
        for lv in self.levels:
            lv.cycle_precision(CYCLE_PRECISION, keep_G=lv is self.levels[-1])
        self._factor_coarsest()

    @staticmethod
    def _coarse_diag(fine, maps, links):
        d = np.empty_like(links)
        restrict(fine.diag * fine.mask, *maps, d)
        return d + links

    def _factor_coarsest(self):
        from rfsim.numerics.linsolve import assemble  # linsolve imports this module

        c = self.levels[-1]
        A, self._cidx = assemble(c.G, c.diag, c.mask != 0)
        self._coarse = spla.splu(A.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                 options={"SymmetricMode": True})

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
