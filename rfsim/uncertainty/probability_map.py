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

For the NIfTI probability map (``rfsim predict --uncertainty N --nifti DIR``)
a worker also returns ``lesion_volume_map``: the lesion in 3-D, on a coarser
raster in the same ``u`` and ``v`` and in ``w``, the distance (mm) along the
cord's axis from the middle of the exposed tip (cord length is not a size that
varies between draws, so ``w`` is not normalised); about 13 kB a draw.
:class:`VolumeProbability` maps the average back onto the nominal cord, in
model coordinates, for :func:`rfsim.nifti.write_nifti`.
"""

from __future__ import annotations

import base64

import numpy as np

#: The normalised raster: cell edges in u (midline to beyond the lateral pia)
#: and v (posterior to anterior surface, with a margin), 0.02 of a half-diameter
#: (about 0.1 mm) per cell.
U_EDGES = np.round(np.arange(-0.30, 1.10 + 1e-9, 0.02), 6)
V_EDGES = np.round(np.arange(-1.14, 1.14 + 1e-9, 0.02), 6)
#: The 3-D raster: u and v at 0.04 of a half-diameter (about 0.2 mm), and w
#: (mm along the cord from the middle of the exposed tip) at 0.2 mm over
#: +-4.1 mm, past the half-width of the largest lesions of the validation work.
U3_EDGES = np.round(np.arange(-0.30, 1.10 + 1e-9, 0.04), 6)
V3_EDGES = np.round(np.arange(-1.16, 1.16 + 1e-9, 0.04), 6)
W3_EDGES_MM = np.round(np.arange(-4.1, 4.1 + 1e-9, 0.2), 6)
SHAPE_2D = (U_EDGES.size - 1, V_EDGES.size - 1)
SHAPE_3D = (U3_EDGES.size - 1, V3_EDGES.size - 1, W3_EDGES_MM.size - 1)


def _centres(edges):
    return 0.5 * (edges[1:] + edges[:-1])


class _Normalised:
    """A raster in metres of one anatomy, from the normalised edges (for plane_fields)."""

    def __init__(self, anatomy):
        self.x_edges = U_EDGES * 0.5 * anatomy.rl_m
        self.y_edges = V_EDGES * 0.5 * anatomy.ap_m

    def centres(self):
        return np.meshgrid(_centres(self.x_edges), _centres(self.y_edges), indexing="ij")


def _lesion_in_cord(prediction, X, Y, Z) -> np.ndarray:
    """The cumulative lesion at points (m) of the model, in the cord only (the
    metrics' convention: heat in the pia and CSF is not a lesion of a tract)."""
    from rfsim.cordotomy.sampling import sampler_for

    dom, dmg = prediction.result.domain, prediction.result.damage
    mask = sampler_for(dom, dmg.criterion(), prediction.path)(X, Y, Z) >= 0.0
    return np.asarray(mask, bool) & np.asarray(prediction.anatomy.outline.contains(X, Y), bool)


def lesion_mask(prediction) -> np.ndarray:
    """The cumulative lesion of a prediction on the normalised raster (bool, (nu, nv))."""
    X, Y = _Normalised(prediction.anatomy).centres()
    # the axial plane through the middle of the exposed tip, as the metrics and figures use
    return _lesion_in_cord(prediction, X, Y, np.full_like(X, prediction.path.mid_tip_m[2]))


def lesion_volume_mask(prediction) -> np.ndarray:
    """The cumulative lesion of a prediction in the cord on the 3-D
    normalised raster (bool, :data:`SHAPE_3D`)."""
    a = prediction.anatomy
    X, Y, Z = np.meshgrid(_centres(U3_EDGES) * 0.5 * a.rl_m, _centres(V3_EDGES) * 0.5 * a.ap_m,
                          prediction.path.mid_tip_m[2] + _centres(W3_EDGES_MM) * 1e-3, indexing="ij")
    return _lesion_in_cord(prediction, X, Y, Z)


def encode(mask: np.ndarray) -> str:
    """A mask as packed bits in base64 (ASCII)."""
    return base64.b64encode(np.packbits(np.asarray(mask, bool).ravel())).decode("ascii")


def decode(text: str, shape: tuple = SHAPE_2D) -> np.ndarray:
    """The mask of :func:`encode` (bool, ``shape``)."""
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8), count=int(np.prod(shape)))
    return bits.reshape(shape).astype(bool)


def extract_lesion_map(prediction) -> dict:
    """Worker hook (rfsim.sweep.execute): ``{"lesion_map": encoded mask}``."""
    return {"lesion_map": encode(lesion_mask(prediction))}


def extract_lesion_maps(prediction) -> dict:
    """Worker hook for NIfTI output: the 2-D ``lesion_map`` and the 3-D
    ``lesion_volume_map``, both encoded."""
    return {**extract_lesion_map(prediction), "lesion_volume_map": encode(lesion_volume_mask(prediction))}


def probability(maps, shape: tuple = SHAPE_2D) -> np.ndarray:
    """Share of the masks (encoded strings of ``shape``) lesioned at each
    cell; NaN everywhere without a map."""
    acc, n = np.zeros(shape), 0
    for m in maps:
        if isinstance(m, str) and m:
            acc += decode(m, shape)
            n += 1
    return acc / n if n else np.full_like(acc, np.nan)


class VolumeProbability:
    """The 3-D lesion probability on one anatomy, as a function of model
    coordinates (m), for :func:`rfsim.nifti.write_nifti`.

    Parameters
    ----------
    prob : ndarray
        :func:`probability` of the ``lesion_volume_map`` of the draws
        (:data:`SHAPE_3D`).
    nominal : rfsim.prediction.Prediction
        The nominal prediction: its anatomy's ``rl_m`` and ``ap_m`` scale u
        and v, and the middle of its exposed tip is w = 0, as in
        :func:`lesion_volume_mask`.
    """

    def __init__(self, prob, nominal):
        a = nominal.anatomy
        self.prob = np.nan_to_num(np.asarray(prob, float), nan=0.0)
        self.half_rl, self.half_ap, self.z0 = 0.5 * a.rl_m, 0.5 * a.ap_m, float(nominal.path.mid_tip_m[2])

    def __call__(self, x, y, z):
        """Probability (0-1) at points (m); 0 outside the raster."""
        coords = (np.asarray(x) / self.half_rl, np.asarray(y) / self.half_ap, (np.asarray(z) - self.z0) * 1e3)
        out = np.ones(np.shape(coords[0]), bool)
        idx = []
        for c, edges, n in zip(coords, (U3_EDGES, V3_EDGES, W3_EDGES_MM), self.prob.shape):
            i = np.floor((c - edges[0]) / (edges[1] - edges[0])).astype(int)
            out &= (i >= 0) & (i < n)
            idx.append(np.clip(i, 0, n - 1))
        return np.where(out, self.prob[tuple(idx)], 0.0)


def on_anatomy(prob: np.ndarray, anatomy) -> tuple:
    """(x_edges_m, y_edges_m, prob) with the normalised raster mapped onto ``anatomy``'s cord."""
    return U_EDGES * 0.5 * anatomy.rl_m, V_EDGES * 0.5 * anatomy.ap_m, prob
