"""Geometric multigrid V-cycle for the 3-D finite-volume operator, as a CG preconditioner.

The operator is the one of :func:`rfsim.kernels.apply_operator`:
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
* **Symmetric Gauss-Seidel smoothing**: one lexicographic forward sweep before
  the coarse correction and one backward sweep after it, so the V-cycle is a
  symmetric positive definite preconditioner, as CG requires.
* **Direct coarse solve**: a sparse LU factorisation of the coarsest operator
  (a few thousand unknowns).

Every compiled kernel is a module-level ``@njit(cache=True)`` function with a
NumPy twin of the same name plus ``_np``; ``tests/test_multigrid.py`` checks
they agree.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla
from numba import njit

from .kernels import _CACHE, apply_operator

#: Stop coarsening when a level has at most this many free cells: the coarsest
#: operator is then factorised (SuperLU, ~ms at this size in 3-D).
COARSE_MAX_UNKNOWNS = 4000
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
def restrict(r, m0, m1, m2, rc):
    """rc = P^T r: sum of the fine values over each aggregate."""
    rc[...] = 0.0
    n0, n1, n2 = r.shape
    for i in range(n0):
        I = m0[i]
        for j in range(n1):
            J = m1[j]
            for k in range(n2):
                rc[I, J, m2[k]] += r[i, j, k]


def restrict_np(r, m0, m1, m2, rc):
    """NumPy twin of :func:`restrict`."""
    rc[...] = 0.0
    I, J, K = np.meshgrid(m0, m1, m2, indexing="ij")
    np.add.at(rc, (I, J, K), r)


@njit(cache=_CACHE)
def prolong_add(ec, m0, m1, m2, mask, x):
    """x += mask P ec: each free fine cell takes its aggregate's correction."""
    n0, n1, n2 = x.shape
    for i in range(n0):
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
@njit(cache=_CACHE)
def gauss_seidel(G0, G1, G2, dinv, mask, b, x, forward):
    """One lexicographic Gauss-Seidel sweep on the free cells, in place.

    x_c <- (b_c + sum_faces G x_nb) / (diag_c + sum_faces G); fixed cells keep
    x = 0, and boundary faces count in the denominator only (neighbour at 0).

    Parameters
    ----------
    G0, G1, G2 : face arrays (S or W/K)
    dinv : cell array, 1 / (diag + sum of the cell's face conductances), 0 on
        fixed cells
    mask : cell array, 1 free / 0 fixed
    b : cell array, right-hand side
    x : cell array, updated in place
    forward : bool
        Sweep direction; a forward sweep followed by a backward one is symmetric.
    """
    n0, n1, n2 = x.shape
    for ii in range(n0):
        i = ii if forward else n0 - 1 - ii
        for jj in range(n1):
            j = jj if forward else n1 - 1 - jj
            for kk in range(n2):
                k = kk if forward else n2 - 1 - kk
                if mask[i, j, k] == 0.0:
                    continue
                s = b[i, j, k]
                if i > 0:
                    s += G0[i, j, k] * x[i - 1, j, k]
                if i < n0 - 1:
                    s += G0[i + 1, j, k] * x[i + 1, j, k]
                if j > 0:
                    s += G1[i, j, k] * x[i, j - 1, k]
                if j < n1 - 1:
                    s += G1[i, j + 1, k] * x[i, j + 1, k]
                if k > 0:
                    s += G2[i, j, k] * x[i, j, k - 1]
                if k < n2 - 1:
                    s += G2[i, j, k + 1] * x[i, j, k + 1]
                x[i, j, k] = s * dinv[i, j, k]


def gauss_seidel_np(G0, G1, G2, dinv, mask, b, x, forward):
    """NumPy twin of :func:`gauss_seidel` (a plain loop: Gauss-Seidel is sequential)."""
    n0, n1, n2 = x.shape
    order = [(i, j, k) for i in range(n0) for j in range(n1) for k in range(n2)]
    for i, j, k in (order if forward else order[::-1]):
        if mask[i, j, k] == 0.0:
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
                    s += G[tuple(f)] * x[tuple(nb)]
        x[i, j, k] = s * dinv[i, j, k]


# --------------------------------------------------------------------------
# the hierarchy
# --------------------------------------------------------------------------
def _total_conductance(G, shape):
    """Sum of each cell's face conductances (both faces along every axis)."""
    s = np.zeros(shape)
    for ax in range(3):
        g = G[ax]
        m = shape[ax]
        s += np.take(g, np.arange(0, m), axis=ax) + np.take(g, np.arange(1, m + 1), axis=ax)
    return s


class _Level:
    """One level: the operator (G, diag, mask), its smoother data and work arrays."""

    def __init__(self, G, diag, mask, widths):
        self.G, self.diag, self.mask, self.widths = G, diag, mask, widths
        self.shape = mask.shape
        self.gsum = _total_conductance(G, self.shape)
        self.set_diag(diag)
        self.r = np.empty(self.shape)
        self.b = np.empty(self.shape)
        self.x = np.empty(self.shape)

    def set_diag(self, diag):
        self.diag = diag
        d = diag + self.gsum
        self.dinv = np.where((self.mask != 0) & (d > 0), 1.0 / np.where(d > 0, d, 1.0), 0.0)


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

    Notes
    -----
    The face conductances of every level depend only on G, so a new diagonal
    (another time step) only needs :meth:`set_diag`, which re-sums the
    diagonals and refactorises the small coarsest operator.
    """

    def __init__(self, G, diag, free, widths):
        mask = np.ascontiguousarray(free, dtype=float)
        widths = tuple(np.asarray(w, float) for w in widths)
        # copies: the electric solver updates its conductances in place, and a
        # hierarchy must stay consistent with the operator it was built from
        self.levels = [_Level(tuple(np.array(g, float) for g in G), np.array(diag, float), mask, widths)]
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
            self.levels.append(_Level(Gc, self._coarse_diag(fine, maps, links), cmask, cw))
        self._factor_coarsest()

    @staticmethod
    def _coarse_diag(fine, maps, links):
        d = np.empty_like(links)
        restrict(fine.diag * fine.mask, *maps, d)
        return d + links

    def _factor_coarsest(self):
        from .linsolve import assemble  # linsolve imports this module

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
        self._cycle(0, r, out)
        return out

    def _cycle(self, l, b, x):
        lv = self.levels[l]
        if l == len(self.levels) - 1:
            x.fill(0.0)
            x.ravel()[self._cidx] = self._coarse.solve(b.ravel()[self._cidx])
            return
        x.fill(0.0)
        gauss_seidel(*lv.G, lv.dinv, lv.mask, b, x, True)
        apply_operator(*lv.G, lv.diag, lv.mask, x, lv.r)
        np.subtract(b, lv.r, out=lv.r)
        lv.r *= lv.mask
        nxt = self.levels[l + 1]
        maps = self.maps[l]
        restrict(lv.r, *maps, nxt.b)
        self._cycle(l + 1, nxt.b, nxt.x)
        prolong_add(nxt.x, *maps, lv.mask, x)
        gauss_seidel(*lv.G, lv.dinv, lv.mask, b, x, False)
