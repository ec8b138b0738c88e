"""Compiled finite-volume kernels and their plain NumPy twins.

Every kernel works on cell arrays of shape (n0, n1, n2) and face arrays of shape
(n0 + 1, n1, n2), (n0, n1 + 1, n2), (n0, n1, n2 + 1), whatever the geometry: the
grid supplies areas and half widths, so the same code serves the axisymmetric and
the Cartesian grid.  A face array holds at index 0 and n_a the outer boundary
faces; their conductance is that from the cell centre to a Dirichlet boundary
(return electrode, body temperature) or zero on a closed side.

Each ``@njit`` kernel has a NumPy twin of the same name with suffix ``_np``; the
tests check they agree.  Set ``RFSIM_DISABLE_CACHE=1`` to keep Numba from writing
its on-disk cache (read-only installs; see :mod:`rfsim.numerics.jit`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rfsim.numerics.jit import CACHE, PARALLEL_MIN_CELLS


# --------------------------------------------------------------------------
# face conductances
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def face_conductance(p0, p1, p2, metal, skin, half0, half1, half2, area0, area1, area2, open_sides,
                     metal_boundary, G0, G1, G2):
    """Conductances of all faces from cell conductivities (harmonic mean).

    The conductivity may differ per axis (a diagonal tensor in the grid axes):
    faces normal to axis a use ``p_a``.  White matter conducts ~7.5 times
    better along the cord than across it (physics-reference.md), and the cord
    axis is a grid axis of the 3-D model.  Pass the same array three times for
    an isotropic medium.

    The face between cells L and R has conductance A / (h_L/p_L + h_R/p_R + s),
    the series resistance of the two half cells; ``s`` is the sum of the cells'
    ``skin`` (m^2 per conductivity unit, e.g. a coating) and is added only where
    one side is metal and the other is not.  Boundary faces on open sides get
    A p / h (Dirichlet value on the face), on closed sides zero; a metal cell's
    boundary face is open only if ``metal_boundary`` is true.

    Parameters
    ----------
    p0, p1, p2 : (n0, n1, n2) float
        Conductivity per cell along each axis (S/m for the potential, W/m/K
        for heat).
    metal : (n0, n1, n2) bool
    skin : (n0, n1, n2) float
        Surface resistance times area of a cell's coating (m^2 K/W or m^2 ohm).
    half0, half1, half2 : 1-D float
        Centre-to-face half widths (m; radians for the theta axis).
    area0, area1, area2 : face arrays (m^2)
    open_sides : (6,) int
        1 where the outer side is Dirichlet.
    metal_boundary : bool
    G0, G1, G2 : face arrays, output (S or W/K)
    """
    n0, n1, n2 = p0.shape
    for i in range(n0 + 1):
        for j in range(n1):
            for k in range(n2):
                a = area0[i, j, k]
                g = 0.0
                if a > 0.0:
                    if i == 0 or i == n0:
                        c = 0 if i == 0 else n0 - 1
                        if open_sides[0 if i == 0 else 1] and (metal_boundary or not metal[c, j, k]):
                            g = a / (half0[c] / p0[c, j, k])
                    else:
                        r = half0[i - 1] / p0[i - 1, j, k] + half0[i] / p0[i, j, k]
                        if metal[i - 1, j, k] != metal[i, j, k]:
                            r += skin[i - 1, j, k] + skin[i, j, k]
                        g = a / r
                G0[i, j, k] = g
    for i in range(n0):
        for j in range(n1 + 1):
            for k in range(n2):
                a = area1[i, j, k]
                g = 0.0
                if a > 0.0:
                    if j == 0 or j == n1:
                        c = 0 if j == 0 else n1 - 1
                        if open_sides[2 if j == 0 else 3] and (metal_boundary or not metal[i, c, k]):
                            g = a / (half1[c] / p1[i, c, k])
                    else:
                        r = half1[j - 1] / p1[i, j - 1, k] + half1[j] / p1[i, j, k]
                        if metal[i, j - 1, k] != metal[i, j, k]:
                            r += skin[i, j - 1, k] + skin[i, j, k]
                        g = a / r
                G1[i, j, k] = g
    for i in range(n0):
        for j in range(n1):
            for k in range(n2 + 1):
                a = area2[i, j, k]
                g = 0.0
                if a > 0.0:
                    if k == 0 or k == n2:
                        c = 0 if k == 0 else n2 - 1
                        if open_sides[4 if k == 0 else 5] and (metal_boundary or not metal[i, j, c]):
                            g = a / (half2[c] / p2[i, j, c])
                    else:
                        r = half2[k - 1] / p2[i, j, k - 1] + half2[k] / p2[i, j, k]
                        if metal[i, j, k - 1] != metal[i, j, k]:
                            r += skin[i, j, k - 1] + skin[i, j, k]
                        g = a / r
                G2[i, j, k] = g


def _axis_view(a, axis):
    """Move ``axis`` to the front (a view)."""
    return np.moveaxis(a, axis, 0)


def face_conductance_np(p0, p1, p2, metal, skin, half0, half1, half2, area0, area1, area2, open_sides,
                        metal_boundary, G0, G1, G2):
    """NumPy twin of :func:`face_conductance`."""
    halves = (half0, half1, half2)
    ps = (p0, p1, p2)
    for ax, (area, G) in enumerate(zip((area0, area1, area2), (G0, G1, G2))):
        h = halves[ax]
        shape = [1, 1, 1]
        shape[ax] = -1
        res = h.reshape(shape) / ps[ax]  # half-cell resistivity-length (m / conductivity)
        pm = _axis_view(res, ax)
        mm = _axis_view(metal, ax)
        sk = _axis_view(skin, ax)
        A = _axis_view(area, ax)
        out = _axis_view(G, ax)
        r = pm[:-1] + pm[1:] + np.where(mm[:-1] != mm[1:], sk[:-1] + sk[1:], 0.0)
        with np.errstate(divide="ignore"):
            out[1:-1] = np.where(A[1:-1] > 0, A[1:-1] / r, 0.0)
            for end, c, side in ((0, 0, 2 * ax), (-1, -1, 2 * ax + 1)):
                ok = (A[end] > 0) & bool(open_sides[side])
                if not metal_boundary:
                    ok &= ~mm[c]
                out[end] = np.where(ok, A[end] / pm[c], 0.0)


# --------------------------------------------------------------------------
# matrix-free operator
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def operator_plane(G0, G1, G2, diag, mask, x, y, i, b, residual):
    """Plane i (of axis 0) of y = mask A x, or of y = mask (b - A x) when
    ``residual`` is true (see :func:`apply_operator`).

    The one loop body of the operator: :func:`apply_operator` runs it over all
    planes, and :func:`rfsim.numerics.multigrid.transfer.residual_restrict`
    fuses its residual form with the restriction to the coarse grid.
    """
    n0, n1, n2 = x.shape
    for j in range(n1):
        for k in range(n2):
            xc = x[i, j, k]
            s = diag[i, j, k] * xc
            s += G0[i, j, k] * (xc - (x[i - 1, j, k] if i > 0 else 0.0))
            s += G0[i + 1, j, k] * (xc - (x[i + 1, j, k] if i < n0 - 1 else 0.0))
            s += G1[i, j, k] * (xc - (x[i, j - 1, k] if j > 0 else 0.0))
            s += G1[i, j + 1, k] * (xc - (x[i, j + 1, k] if j < n1 - 1 else 0.0))
            s += G2[i, j, k] * (xc - (x[i, j, k - 1] if k > 0 else 0.0))
            s += G2[i, j, k + 1] * (xc - (x[i, j, k + 1] if k < n2 - 1 else 0.0))
            if residual:
                s = b[i, j, k] - s
            y[i, j, k] = mask[i, j, k] * s


def operator_plane_np(G0, G1, G2, diag, mask, x, y, i, b, residual):
    """NumPy twin of :func:`operator_plane`."""
    ax = np.empty_like(x)
    apply_operator_np(G0, G1, G2, diag, np.ones_like(mask), x, ax)
    y[i] = mask[i] * (b[i] - ax[i] if residual else ax[i])


@njit(cache=CACHE)
def operator_serial(G0, G1, G2, diag, mask, x, y):
    """:func:`apply_operator` on one thread (also called by compiled solvers)."""
    for i in range(x.shape[0]):
        operator_plane(G0, G1, G2, diag, mask, x, y, i, x, False)


@njit(cache=CACHE, parallel=True)
def _operator_parallel(G0, G1, G2, diag, mask, x, y):
    for i in prange(x.shape[0]):
        operator_plane(G0, G1, G2, diag, mask, x, y, i, x, False)


def apply_operator(G0, G1, G2, diag, mask, x, y):
    """y = mask * (diag x + sum over faces G (x - x_neighbour)).

    The discrete operator -div(p grad x) plus a diagonal term; boundary faces act
    as neighbours held at zero.  ``mask`` (0 or 1 per cell) restricts the result
    to the unknowns; cells with mask 0 get y = 0.  Planes of axis 0 are shared
    among the threads on grids of at least ``PARALLEL_MIN_CELLS`` cells (each
    cell is written once, so the result does not depend on the threads).
    """
    kernel = _operator_parallel if x.size >= PARALLEL_MIN_CELLS else operator_serial
    kernel(G0, G1, G2, diag, mask, x, y)


def apply_operator_np(G0, G1, G2, diag, mask, x, y):
    """NumPy twin of :func:`apply_operator`."""
    s = diag * x
    for ax, G in enumerate((G0, G1, G2)):
        xp = np.pad(x, [(1, 1) if a == ax else (0, 0) for a in range(3)])
        lo = np.take(xp, np.arange(0, x.shape[ax]), axis=ax)
        hi = np.take(xp, np.arange(2, x.shape[ax] + 2), axis=ax)
        Gl = np.take(G, np.arange(0, x.shape[ax]), axis=ax)
        Gh = np.take(G, np.arange(1, x.shape[ax] + 1), axis=ax)
        s = s + Gl * (x - lo) + Gh * (x - hi)
    y[...] = mask * s


@njit(cache=CACHE, parallel=True)
def triad(a, b, c, s):
    """STREAM triad a = b + s c on all threads: the memory-bandwidth reference
    that the operator's throughput is measured against (benchmarks)."""
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


def triad_np(a, b, c, s):
    """NumPy twin of :func:`triad`."""
    np.add(b, s * c, out=a)


# --------------------------------------------------------------------------
# the heat step's system
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def bdf2_system(capacity, perfusion, perfused, T, T_prev, dt, a0, a1, a2, arterial, boundary, diag, rhs):
    """The diagonal and right-hand side of a variable-step BDF2 heat step, per cell:

        diag = a0 C + W,    rhs = C (a1 T - a2 T_prev) + W T_a + boundary

    with C = capacity / dt (W/K) and W = perfusion where ``perfused`` (W/K).
    ``a2 = 0`` (backward Euler) does not read ``T_prev``.  One pass instead of
    a dozen NumPy temporaries per step (:meth:`rfsim.physics.heat.HeatSolver.step`).
    """
    for i in range(T.size):
        C = capacity[i] / dt
        W = perfusion[i] * (1.0 if perfused[i] else 0.0)
        diag[i] = a0 * C + W
        rhs[i] = C * (a1 * T[i] - (a2 * T_prev[i] if a2 else 0.0)) + W * arterial + boundary[i]


def bdf2_system_np(capacity, perfusion, perfused, T, T_prev, dt, a0, a1, a2, arterial, boundary, diag, rhs):
    """NumPy twin of :func:`bdf2_system`."""
    C = capacity / dt
    W = perfusion * perfused
    diag[...] = a0 * C + W
    rhs[...] = C * (a1 * T - (a2 * T_prev if a2 else 0.0)) + W * arterial + boundary


# --------------------------------------------------------------------------
# Joule heating
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def joule_heat(G0, G1, G2, phi, p, half0, half1, half2, q):
    """Joule power per cell (W) from the face currents.

    The power G (dphi)^2 dissipated across a face is shared between the two half
    cells in proportion to their resistances h/p (series resistors), so a metal
    half cell takes none.  With an anisotropic conductivity pass the one across
    the fibres: only the ratio of the two half-cell resistances matters, and the
    3-D model extrudes its tissue along the anisotropic axis, so the two cells
    of such a face share the same anisotropy ratio.  Boundary faces give all their power to their cell.
    The sum over cells equals sum over faces G dphi^2 = V I exactly when the
    potential solves the discrete equations.
    """
    n0, n1, n2 = phi.shape
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                q[i, j, k] = 0.0
    for i in range(n0 + 1):
        for j in range(n1):
            for k in range(n2):
                g = G0[i, j, k]
                if g == 0.0:
                    continue
                if i == 0 or i == n0:
                    c = 0 if i == 0 else n0 - 1
                    q[c, j, k] += g * phi[c, j, k] ** 2
                else:
                    rl = half0[i - 1] / p[i - 1, j, k]
                    rr = half0[i] / p[i, j, k]
                    w = g * (phi[i, j, k] - phi[i - 1, j, k]) ** 2 / (rl + rr)
                    q[i - 1, j, k] += w * rl
                    q[i, j, k] += w * rr
    for i in range(n0):
        for j in range(n1 + 1):
            for k in range(n2):
                g = G1[i, j, k]
                if g == 0.0:
                    continue
                if j == 0 or j == n1:
                    c = 0 if j == 0 else n1 - 1
                    q[i, c, k] += g * phi[i, c, k] ** 2
                else:
                    rl = half1[j - 1] / p[i, j - 1, k]
                    rr = half1[j] / p[i, j, k]
                    w = g * (phi[i, j, k] - phi[i, j - 1, k]) ** 2 / (rl + rr)
                    q[i, j - 1, k] += w * rl
                    q[i, j, k] += w * rr
    for i in range(n0):
        for j in range(n1):
            for k in range(n2 + 1):
                g = G2[i, j, k]
                if g == 0.0:
                    continue
                if k == 0 or k == n2:
                    c = 0 if k == 0 else n2 - 1
                    q[i, j, c] += g * phi[i, j, c] ** 2
                else:
                    rl = half2[k - 1] / p[i, j, k - 1]
                    rr = half2[k] / p[i, j, k]
                    w = g * (phi[i, j, k] - phi[i, j, k - 1]) ** 2 / (rl + rr)
                    q[i, j, k - 1] += w * rl
                    q[i, j, k] += w * rr


def joule_heat_np(G0, G1, G2, phi, p, half0, half1, half2, q):
    """NumPy twin of :func:`joule_heat`."""
    q[...] = 0.0
    halves = (half0, half1, half2)
    for ax, G in enumerate((G0, G1, G2)):
        shape = [1, 1, 1]
        shape[ax] = -1
        r = _axis_view(halves[ax].reshape(shape) / p, ax)
        f = _axis_view(phi, ax)
        g = _axis_view(G, ax)
        out = _axis_view(q, ax)
        w = g[1:-1] * (f[1:] - f[:-1]) ** 2 / (r[:-1] + r[1:])
        out[:-1] += w * r[:-1]
        out[1:] += w * r[1:]
        out[0] += g[0] * f[0] ** 2
        out[-1] += g[-1] * f[-1] ** 2


# --------------------------------------------------------------------------
# boundary source
# --------------------------------------------------------------------------
@njit(cache=CACHE)
def boundary_source(G0, G1, G2, value, out):
    """out += G_b * value for every boundary face (flux in from a Dirichlet side)."""
    n0, n1, n2 = out.shape
    for j in range(n1):
        for k in range(n2):
            out[0, j, k] += G0[0, j, k] * value
            out[n0 - 1, j, k] += G0[n0, j, k] * value
    for i in range(n0):
        for k in range(n2):
            out[i, 0, k] += G1[i, 0, k] * value
            out[i, n1 - 1, k] += G1[i, n1, k] * value
    for i in range(n0):
        for j in range(n1):
            out[i, j, 0] += G2[i, j, 0] * value
            out[i, j, n2 - 1] += G2[i, j, n2] * value


def boundary_source_np(G0, G1, G2, value, out):
    """NumPy twin of :func:`boundary_source`."""
    out[0, :, :] += G0[0] * value
    out[-1, :, :] += G0[-1] * value
    out[:, 0, :] += G1[:, 0] * value
    out[:, -1, :] += G1[:, -1] * value
    out[:, :, 0] += G2[:, :, 0] * value
    out[:, :, -1] += G2[:, :, -1] * value


# NumPy adds the terms of a sum pairwise, in blocks of 128 with eight partial
# sums; the reductions below add theirs in exactly that order, so that they
# give np.sum's answer to the last bit, without its temporaries.
PAIRWISE_BLOCK = 128


@njit(cache=CACHE)
def _block_sum(a, lo, n):
    """A leaf of the pairwise sum: at most ``PAIRWISE_BLOCK`` terms."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=CACHE)
def pairwise_sum(a, lo, n):
    """Sum of a[lo:lo + n] (1-D) in the order of NumPy's pairwise summation:
    blocks of at most ``PAIRWISE_BLOCK`` terms, halves (rounded down to a
    multiple of 8) added.  The halving runs on an explicit stack: a recursive
    kernel read back from Numba's cache crashed."""
    if n <= PAIRWISE_BLOCK:
        return _block_sum(a, lo, n)
    # frames (lo, n, combine): combine = 1 adds the two values on top
    f_lo = np.empty(256, np.int64)  # depth <= log2(n / 128) + 1: two frames a level
    f_n = np.empty(256, np.int64)
    f_c = np.empty(256, np.int64)
    vals = np.empty(256)
    nf = 1
    nv = 0
    f_lo[0], f_n[0], f_c[0] = lo, n, 0
    while nf:
        nf -= 1
        flo, fn, fc = f_lo[nf], f_n[nf], f_c[nf]
        if fc:
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
        elif fn <= PAIRWISE_BLOCK:
            vals[nv] = _block_sum(a, flo, fn)
            nv += 1
        else:
            n2 = fn // 2
            n2 -= n2 % 8
            f_lo[nf], f_n[nf], f_c[nf] = flo, fn, 1  # after both halves
            f_lo[nf + 1], f_n[nf + 1], f_c[nf + 1] = flo + n2, fn - n2, 0  # the second half
            f_lo[nf + 2], f_n[nf + 2], f_c[nf + 2] = flo, n2, 0  # the first half, on top
            nf += 3
    return vals[0]


@njit(cache=CACHE)
def _boundary_outflow(G0, G1, G2, x, offset):
    n = x.shape
    buf = np.empty(max(n[1] * n[2], n[0] * n[2], n[0] * n[1]))
    total = 0.0
    for side in range(6):
        # the boundary cells at the low (far = 0) or high end of ``axis`` and
        # their faces there, in the twin's order, each side in C order as
        # NumPy sums a 2-D slice; indices, not slices, as strided slices
        # would compile a second specialisation of the sum
        axis, far = side // 2, side % 2
        G = G0 if axis == 0 else (G1 if axis == 1 else G2)
        c = n[axis] - 1 if far else 0
        a0, b0, f0 = (c, c + 1, far) if axis == 0 else (0, n[0], 0)
        a1, b1, f1 = (c, c + 1, far) if axis == 1 else (0, n[1], 0)
        a2, b2, f2 = (c, c + 1, far) if axis == 2 else (0, n[2], 0)
        k = np.int64(0)  # not a literal 0: pairwise_sum would compile for it too
        for i in range(a0, b0):
            for j in range(a1, b1):
                for m in range(a2, b2):
                    buf[k] = G[i + f0, j + f1, m + f2] * (x[i, j, m] - offset)
                    k += 1
        s = pairwise_sum(buf, np.int64(0), k)
        total = s if side == 0 else total + s
    return total


def boundary_outflow(G0_G1_G2, x, offset=0.0) -> float:
    """Sum over boundary faces of G (x - offset): what leaves through the
    Dirichlet sides held at ``offset`` (current for the potential, heat for the
    temperature).  The counterpart of :func:`boundary_source`."""
    return float(_boundary_outflow(*G0_G1_G2, x, float(offset)))


def boundary_outflow_np(G0_G1_G2, x, offset=0.0) -> float:
    """NumPy twin of :func:`boundary_outflow`."""
    G0, G1, G2 = G0_G1_G2
    x = x - offset
    return float((G0[0] * x[0]).sum() + (G0[-1] * x[-1]).sum()
                 + (G1[:, 0] * x[:, 0]).sum() + (G1[:, -1] * x[:, -1]).sum()
                 + (G2[:, :, 0] * x[:, :, 0]).sum() + (G2[:, :, -1] * x[:, :, -1]).sum())


@njit(cache=CACHE)
def weighted_sum(w, m, x, y, c):
    """Sum over cells of (w m) ((x - y) - c), flat arrays (m: bool or float):
    a heat content change (W/K x K) or a perfusion loss."""
    buf = np.empty(x.size)
    for i in range(x.size):
        buf[i] = (w[i] * m[i]) * ((x[i] - y[i]) - c)
    return pairwise_sum(buf, np.int64(0), x.size)


def weighted_sum_np(w, m, x, y, c):
    """NumPy twin of :func:`weighted_sum`."""
    return float((w * m * ((x - y) - c)).sum())


@njit(cache=CACHE)
def masked_sum(w, m, buf):
    """Sum of w m over flat arrays (m bool), the bits of ``(w * m).sum()``
    (also over the C-ordered 2-D array these are flat views of): a region's
    lesioned area on the metrics' raster.  ``buf`` (float, at least w.size) is
    scratch that the caller keeps for a series of sums, instead of a new
    430 kB product array for each."""
    for i in range(w.size):
        buf[i] = w[i] * m[i]
    return pairwise_sum(buf, np.int64(0), w.size)


def masked_sum_np(w, m, buf=None):
    """NumPy twin of :func:`masked_sum` (``buf`` unused)."""
    return float((w * m).sum())


# --------------------------------------------------------------------------
# the time loop's per-step passes
# --------------------------------------------------------------------------
# Each replaces a chain of NumPy temporaries that the loop (rfsim.physics) ran
# every step (2-6 arrays of 49 kB each on the default 6160-cell grid) with one
# pass over flat cell arrays, with the same bits: the same operations on each
# cell in the same order, and maxima that keep NaN as NumPy's do.


@njit(cache=CACHE)
def extrapolation_error(x, y, z, w):
    """max |x - (y + w (y - z))| over flat arrays: how far a step's result x
    lies from the linear extrapolation of the two levels y and z before it, in
    the units of x (NaN when any term is NaN)."""
    m = 0.0
    for i in range(x.size):
        d = abs(x[i] - (y[i] + w * (y[i] - z[i])))
        if d > m or d != d:
            m = d
    return m


def extrapolation_error_np(x, y, z, w):
    """NumPy twin of :func:`extrapolation_error`."""
    return float(np.abs(x - (y + w * (y - z))).max())


@njit(cache=CACHE)
def masked_max(x, y, mask, absolute):
    """max of |x - y| (``absolute``) or of x (y is then not read) over the
    flat cells where ``mask`` (bool) is true; -inf when there are none (NumPy
    raises), NaN when a term is NaN."""
    m = -np.inf
    for i in range(x.size):
        if mask[i]:
            d = abs(x[i] - y[i]) if absolute else x[i]
            if d > m or d != d:
                m = d
    return m


def masked_max_np(x, y, mask, absolute):
    """NumPy twin of :func:`masked_max` (raises where it returns -inf)."""
    return float((np.abs(x - y) if absolute else x)[mask].max())


@njit(cache=CACHE)
def all_finite(x):
    """Whether no entry of the flat array x is NaN or infinite."""
    for i in range(x.size):
        if not np.isfinite(x[i]):
            return False
    return True


def all_finite_np(x):
    """NumPy twin of :func:`all_finite`."""
    return bool(np.isfinite(x).all())


@njit(cache=CACHE)
def superpose(x, r, s, y, out, diff):
    """out = x + s r and diff = x - y over flat arrays, in one pass: a step's
    temperature from its two responses, and what its first solve solved for."""
    for i in range(x.size):
        out[i] = x[i] + s * r[i]
        diff[i] = x[i] - y[i]


def superpose_np(x, r, s, y, out, diff):
    """NumPy twin of :func:`superpose`."""
    out[...] = x + s * r
    diff[...] = x - y


@njit(cache=CACHE)
def linear_factor(alpha, x, ref, lowest, out):
    """out = max(1 + alpha (x - ref), lowest) over flat arrays: a property's
    relative change with temperature, kept above ``lowest`` (NaN stays NaN)."""
    for i in range(x.size):
        f = 1.0 + alpha[i] * (x[i] - ref[i])
        out[i] = lowest if f < lowest else f


def linear_factor_np(alpha, x, ref, lowest, out):
    """NumPy twin of :func:`linear_factor`."""
    out[...] = np.maximum(1.0 + alpha * (x - ref), lowest)


# --------------------------------------------------------------------------
# thermal damage
# --------------------------------------------------------------------------
GAS_CONSTANT = 8.314462618  # J/mol/K (CODATA 2018)


@njit(cache=CACHE)
def _arrhenius_rate(t, a, ea, onset):
    # a cut-off, not a subtraction: at or below the onset the rate is zero, above
    # it the full Arrhenius rate (damage accrues only where tissue is heated)
    if t <= onset:
        return 0.0
    return a * np.exp(-ea / (GAS_CONSTANT * (t + 273.15)))


@njit(cache=CACHE)
def _damage_range(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, lo, hi):
    """:func:`damage_update` on flat cells lo..hi-1."""
    for i in range(lo, hi):
        if known:
            k0, c0 = rk[i], rc[i]
        else:
            k0 = _arrhenius_rate(to[i], a, ea, onset)
            c0 = (0.5 if to[i] >= 43.0 else 0.25) ** (43.0 - to[i])
        k1 = _arrhenius_rate(tn[i], a, ea, onset)
        c1 = (0.5 if tn[i] >= 43.0 else 0.25) ** (43.0 - tn[i])
        om[i] += 0.5 * dt * (k0 + k1)
        cm[i] += 0.5 * dt / 60.0 * (c0 + c1)
        rk[i], rc[i] = k1, c1
        if tn[i] > tp[i]:
            tp[i] = tn[i]


@njit(cache=CACHE, parallel=True)
def _damage_parallel(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, chunks):
    n = to.size
    for c in prange(chunks):
        _damage_range(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, c * n // chunks, (c + 1) * n // chunks)


def damage_update(t_old, t_new, dt, a, ea, onset_c, omega, cem43, tpeak, rate_k, rate_c, known):
    """Advance the damage integrals over one step (trapezoidal rule in time).

    The rates at the end of a step are the rates at the start of the next: they
    are kept in ``rate_k`` and ``rate_c`` so that each step evaluates one
    exponential and one power per cell instead of two.  Cells are shared among
    the threads on grids of at least ``PARALLEL_MIN_CELLS`` cells; smaller
    (axisymmetric) grids stay serial, so that a prediction never starts
    OpenMP threads and a process that ran one can still fork workers.

    Parameters
    ----------
    t_old, t_new : cell arrays, temperature (C) at the start and end of the step
    dt : float, step (s)
    a : float, Arrhenius frequency factor (1/s)
    ea : float, activation energy (J/mol)
    onset_c : float, temperature (C) at and below which the Arrhenius rate is
        zero (-273.15: the plain integral)
    omega, cem43, tpeak : contiguous cell arrays, updated in place: Arrhenius
        integral (dimensionless), cumulative equivalent minutes at 43 C (min)
        and the peak temperature (C).
    rate_k, rate_c : contiguous cell arrays, updated in place: the Arrhenius
        rate (1/s) and the CEM43 factor (dimensionless) at ``t_new``.
    known : bool
        True when ``rate_k`` and ``rate_c`` hold the rates at ``t_old``
        (otherwise they are computed from it).
    """
    args = (t_old.ravel(), t_new.ravel(), dt, a, ea, float(onset_c), omega.ravel(), cem43.ravel(), tpeak.ravel(),
            rate_k.ravel(), rate_c.ravel(), known)
    if t_old.size >= PARALLEL_MIN_CELLS:
        _damage_parallel(*args, 64)
    else:
        _damage_range(*args, 0, t_old.size)


def damage_update_np(t_old, t_new, dt, a, ea, onset_c, omega, cem43, tpeak, rate_k, rate_c, known):
    """NumPy twin of :func:`damage_update`."""
    k = lambda t: np.where(t > onset_c, a * np.exp(-ea / (GAS_CONSTANT * (t + 273.15))), 0.0)  # noqa: E731
    c = lambda t: np.where(t >= 43.0, 0.5, 0.25) ** (43.0 - t)  # noqa: E731
    k0, c0 = (rate_k.copy(), rate_c.copy()) if known else (k(t_old), c(t_old))
    rate_k[...], rate_c[...] = k(t_new), c(t_new)
    omega += 0.5 * dt * (k0 + rate_k)
    cem43 += 0.5 * dt / 60.0 * (c0 + rate_c)
    np.maximum(tpeak, t_new, out=tpeak)
