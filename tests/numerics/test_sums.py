"""The sums of products of the CG loops, in their stated order (to the bit)."""

import numpy as np
import pytest

from rfsim.numerics import sums as S


def stated_order(terms):
    """Four partial sums over the terms 0, 1, 2, 3 (mod 4), the leftover
    terms into the first, added pairwise."""
    part = [0.0, 0.0, 0.0, 0.0]
    full = len(terms) - len(terms) % 4
    for p in range(full):
        part[p % 4] += terms[p]
    for p in range(full, len(terms)):
        part[0] += terms[p]
    return (part[0] + part[1]) + (part[2] + part[3])


@pytest.mark.parametrize("length", range(10))
def test_dot_range_sums_in_its_stated_order(length, rng):
    a, b = rng.standard_normal(length + 5), rng.standard_normal(length + 5)
    lo, hi = 3, 3 + length
    assert S.dot_range(a, b, lo, hi) == stated_order(list(a[lo:hi] * b[lo:hi]))
    np.testing.assert_allclose(S.dot_range(a, b, 0, a.size), a @ b, rtol=1e-13)


@pytest.mark.parametrize("length", range(10))
def test_gather_dot_sums_in_its_stated_order_and_the_pair_as_alone(length, rng):
    Li = rng.permutation(12)[:length].astype(np.uint32)
    Lx, w1, w2 = rng.standard_normal(length), rng.standard_normal(12), rng.standard_normal(12)
    lo, hi = np.uint32(0), np.uint32(length)  # the column pointers' type
    want = stated_order(list(Lx * w1[Li]))
    assert S.gather_dot(Li, Lx, lo, hi, w1) == want
    a, b = S.gather_dot_pair(Li, Lx, lo, hi, w1, w2)
    assert a == want and b == S.gather_dot(Li, Lx, lo, hi, w2)
