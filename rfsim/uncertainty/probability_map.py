"""The lesion's probability in the cross-section, over the draws.

Each draw has its own cord (size, atlas), so its lesion is recorded in
cord-normalised coordinates: ``u = x / (RL / 2)`` (0 at the midline, 1 at the
lateral pia on the lesion side) and ``v = y / (AP / 2)`` (-1 posterior, +1
anterior), in the axial plane through the middle of the exposed tip, the plane
every cross-section metric uses.  The mask is sampled there from the draw's own
damage field (:func:`rfsim.prediction.plane_fields`), so it holds for the layered
and the 3-D model alike.  Averaging the masks gives the probability that a
point of the (normalised) cord is lesioned; the figure maps it back onto the
nominal cord, so a 50 % contour means "lesioned in half of the draws, at
this relative position in the cord".

A worker returns the mask as ``lesion_map``: bits packed and base64-encoded
(about 1.3 kB a draw), which the sweep store keeps as a string column.
"""

from __future__ import annotations

import base64

import numpy as np

#: The normalised raster: cell edges in u (midline to beyond the lateral pia)
#: and v (posterior to anterior surface, with a margin), 0.02 of a half-diameter
#: (about 0.1 mm) per cell.
U_EDGES = np.round(np.arange(-0.30, 1.10 + 1e-9, 0.02), 6)
V_EDGES = np.round(np.arange(-1.14, 1.14 + 1e-9, 0.02), 6)


class _Normalised:
    """A raster in metres of one anatomy, from the normalised edges (for plane_fields)."""

    def __init__(self, anatomy):
        self.x_edges = U_EDGES * 0.5 * anatomy.rl_m
        self.y_edges = V_EDGES * 0.5 * anatomy.ap_m

    def centres(self):
        xc = 0.5 * (self.x_edges[1:] + self.x_edges[:-1])
        yc = 0.5 * (self.y_edges[1:] + self.y_edges[:-1])
        return np.meshgrid(xc, yc, indexing="ij")


def lesion_mask(prediction) -> np.ndarray:
    """The cumulative lesion of a prediction on the normalised raster (bool, (nu, nv))."""
    from rfsim.cordotomy.sampling import sampler_for

    ras = _Normalised(prediction.anatomy)
    dom, dmg, path = prediction.result.domain, prediction.result.damage, prediction.path
    X, Y = ras.centres()
    # the axial plane through the middle of the exposed tip, as the metrics and figures use
    mask = sampler_for(dom, dmg.criterion(), path)(X, Y, np.full_like(X, path.mid_tip_m[2])) >= 0.0
    # only the cord counts (the metrics' convention): heat in the pia and CSF is not a lesion of a tract
    return np.asarray(mask, bool) & np.asarray(prediction.anatomy.outline.contains(X, Y), bool)


def encode(mask: np.ndarray) -> str:
    """A mask as packed bits in base64 (ASCII)."""
    return base64.b64encode(np.packbits(np.asarray(mask, bool).ravel())).decode("ascii")


def decode(text: str) -> np.ndarray:
    """The mask of :func:`encode` (bool, (nu, nv))."""
    shape = (U_EDGES.size - 1, V_EDGES.size - 1)
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8), count=shape[0] * shape[1])
    return bits.reshape(shape).astype(bool)


def extract_lesion_map(prediction) -> dict:
    """Worker hook (rfsim.sweep.execute): ``{"lesion_map": encoded mask}``."""
    return {"lesion_map": encode(lesion_mask(prediction))}


def probability(maps) -> np.ndarray:
    """Share of the masks (encoded strings) lesioned at each cell, (nu, nv);
    NaN everywhere without a map."""
    acc, n = np.zeros((U_EDGES.size - 1, V_EDGES.size - 1)), 0
    for m in maps:
        if isinstance(m, str) and m:
            acc += decode(m)
            n += 1
    return acc / n if n else np.full_like(acc, np.nan)


def on_anatomy(prob: np.ndarray, anatomy) -> tuple:
    """(x_edges_m, y_edges_m, prob) with the normalised raster mapped onto ``anatomy``'s cord."""
    return U_EDGES * 0.5 * anatomy.rl_m, V_EDGES * 0.5 * anatomy.ap_m, prob
