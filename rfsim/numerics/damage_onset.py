"""Thermal damage integrals with an onset temperature for the Arrhenius rate.

The same trapezoidal update as :func:`rfsim.numerics.kernels.damage_update`,
except that the Arrhenius rate is taken as zero wherever the temperature is at
or below ``onset_c``: damage accrues only where tissue is heated.  The CEM43
dose and the peak temperature are updated exactly as there.  Kept in its own
module so the kernel without an onset (the one the verification tests pin
down) is untouched.
"""

from __future__ import annotations

import os

import numpy as np
from numba import njit, prange

from rfsim.numerics.kernels import GAS_CONSTANT, PARALLEL_MIN_CELLS

_CACHE = os.environ.get("RFSIM_DISABLE_CACHE", "0") != "1"  # the switch rfsim.numerics.kernels honours


@njit(cache=_CACHE)
def _rate(t, a, ea, onset):
    # a cut-off, not a subtraction: below the onset the rate is zero, above it
    # the rate is the full Arrhenius rate (the integral is continuous in time)
    if t <= onset:
        return 0.0
    return a * np.exp(-ea / (GAS_CONSTANT * (t + 273.15)))


@njit(cache=_CACHE)
def _range(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, lo, hi):
    for i in range(lo, hi):
        if known:
            k0, c0 = rk[i], rc[i]
        else:
            k0 = _rate(to[i], a, ea, onset)
            c0 = (0.5 if to[i] >= 43.0 else 0.25) ** (43.0 - to[i])
        k1 = _rate(tn[i], a, ea, onset)
        c1 = (0.5 if tn[i] >= 43.0 else 0.25) ** (43.0 - tn[i])
        om[i] += 0.5 * dt * (k0 + k1)
        cm[i] += 0.5 * dt / 60.0 * (c0 + c1)
        rk[i], rc[i] = k1, c1
        if tn[i] > tp[i]:
            tp[i] = tn[i]


@njit(cache=_CACHE, parallel=True)
def _parallel(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, chunks):
    n = to.size
    for c in prange(chunks):
        _range(to, tn, dt, a, ea, onset, om, cm, tp, rk, rc, known, c * n // chunks, (c + 1) * n // chunks)


def damage_update_onset(t_old, t_new, dt, a, ea, onset_c, omega, cem43, tpeak, rate_k, rate_c, known):
    """Advance the damage integrals over one step, the Arrhenius rate cut off
    at ``onset_c`` (C).  Arguments as :func:`rfsim.numerics.kernels.damage_update`."""
    args = (t_old.ravel(), t_new.ravel(), dt, a, ea, float(onset_c), omega.ravel(), cem43.ravel(),
            tpeak.ravel(), rate_k.ravel(), rate_c.ravel(), known)
    if t_old.size >= PARALLEL_MIN_CELLS:
        _parallel(*args, 64)
    else:
        _range(*args, 0, t_old.size)


def damage_update_onset_np(t_old, t_new, dt, a, ea, onset_c, omega, cem43, tpeak, rate_k, rate_c, known):
    """NumPy twin of :func:`damage_update_onset`."""
    def k(t):
        return np.where(t > onset_c, a * np.exp(-ea / (GAS_CONSTANT * (t + 273.15))), 0.0)

    def c(t):
        return np.where(t >= 43.0, 0.5, 0.25) ** (43.0 - t)

    k0, c0 = (rate_k.copy(), rate_c.copy()) if known else (k(t_old), c(t_old))
    rate_k[...], rate_c[...] = k(t_new), c(t_new)
    omega += 0.5 * dt * (k0 + rate_k)
    cem43 += 0.5 * dt / 60.0 * (c0 + rate_c)
    np.maximum(tpeak, t_new, out=tpeak)
