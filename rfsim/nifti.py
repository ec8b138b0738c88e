"""The predicted lesion on the images it was planned on (NIfTI).

:func:`write_nifti` writes a prediction's fields on the voxel grid of the
image its anatomy was read from (the patient's image that SCT's outputs are on,
or PAM50), with that image's affine and its qform/sform codes copied, so that
FSLeyes, 3D Slicer, ITK-SNAP or SCT overlay them on the image directly:

========================  =======  ==============================================
file                      type     values
========================  =======  ==============================================
``lesion.nii.gz``         uint8    1 where the damage criterion is reached (at
                                   least half of the voxel), else 0
``damage.nii.gz``         float32  Arrhenius damage integral Omega (1), voxel mean
``peak_temperature.nii``  float32  peak temperature (degC), voxel mean
``needle.nii.gz``         uint8    1 insulated shaft, 2 exposed tip, 0 elsewhere
``lesion_probability``    float32  share of the draws whose lesion covers the
                                   voxel (only with ``draws`` or
                                   ``probability``: ``rfsim predict
                                   --uncertainty N --nifti DIR``)
``rfsim_nifti.json``               what each file holds, the reference image and
                                   the needle in world coordinates (mm)
========================  =======  ==============================================

The fields are computed in the cross-section's coordinates (around the needle
for the axisymmetric model, on the 3-D grid otherwise) and mapped to the image
through the anatomy's :class:`rfsim.anatomy.frame.ImageFrame`.  Each voxel is
the mean of sub-samples spaced at most ``SUBSAMPLE_MM`` apart, so thick slices
get partial volumes rather than the value at their centre.  Only the voxels
within ``HALF_BOX_MM`` of the exposed tip's middle (and inside the simulated
domain) are computed; elsewhere nothing was heated: no lesion, Omega 0 and the
body (initial) temperature.

The parametric anatomy has no image, so there is nothing to overlay:
:func:`check_nifti_request` refuses it before a run.  Positions are those of
the undisplaced cord in the image: the lesion is drawn where it falls relative
to the cord and its tracts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from rfsim.cordotomy.sampling import sampler_for
from rfsim.errors import ConfigError
from rfsim.version import __version__

#: Voxels farther than this (mm, model distance) from the middle of the exposed tip are not computed.
HALF_BOX_MM = 15.0
#: Largest spacing (mm) of the sub-samples averaged in a voxel.
SUBSAMPLE_MM = 0.25
#: Step (mm) along the needle when drawing it.
NEEDLE_STEP_MM = 0.05
FILES = {"lesion": "lesion.nii.gz", "damage": "damage.nii.gz", "peak_temperature": "peak_temperature.nii.gz",
         "needle": "needle.nii.gz", "lesion_probability": "lesion_probability.nii.gz"}
NEEDLE_LABELS = {1: "insulated shaft", 2: "exposed tip"}
#: Anatomy sources read from an image, the only ones NIfTI outputs can be written on.
IMAGE_SOURCES = ("pam50", "patient")


def _nibabel():
    try:
        import nibabel
    except ImportError:
        raise ConfigError("--nifti", "nibabel", "is not installed; install it with "
                                                "pip install 'rfsim[atlas]'") from None
    return nibabel


def check_nifti_request(folder, anatomy_source: str) -> Path:
    """Check, before a run, that NIfTI outputs can be written: an image
    anatomy, nibabel, and a folder that exists or can be made and is writable.

    Returns the folder (created if missing).
    """
    if anatomy_source not in IMAGE_SOURCES:
        raise ConfigError("--nifti", str(folder), f"needs an image anatomy ([anatomy] source = \"pam50\" or "
                                                  f"\"patient\"); the {anatomy_source} model has no image to write on")
    _nibabel()
    p = Path(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / ".rfsim-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ConfigError("--nifti", str(folder), f"cannot write there ({e.strerror or e})") from None
    return p


def _sampler(prediction, values):
    return sampler_for(prediction.result.domain, values, prediction.path)


def _in_domain(prediction, x, y, z):
    """Points (model m) inside the simulated domain."""
    g, path = prediction.result.domain.grid, prediction.path
    if g.geometry == "axisymmetric":
        d = np.asarray(path.direction)
        px, py, pz = x - path.tip_m[0], y - path.tip_m[1], z - path.tip_m[2]
        s = px * d[0] + py * d[1] + pz * d[2]
        rho2 = px * px + py * py + pz * pz - s * s
        return (rho2 <= g.edges[0][-1] ** 2) & (s >= g.edges[2][0]) & (s <= g.edges[2][-1])
    e = g.edges
    return ((x >= e[0][0]) & (x <= e[0][-1]) & (y >= e[1][0]) & (y <= e[1][-1]) & (z >= e[2][0]) & (z <= e[2][-1]))


def _frame(prediction):
    frame = getattr(prediction.anatomy, "frame", None)
    if frame is None:
        raise ConfigError("--nifti", prediction.anatomy.source, "needs an image anatomy (pam50 or patient); "
                                                                "this anatomy has no image frame")
    return frame


def _block(frame, centre_m):
    """Voxel index ranges (lo, hi) of the box of half-size HALF_BOX_MM (model)
    around ``centre_m``, clipped to the image."""
    h = HALF_BOX_MM * 1e-3
    corners = np.array([[sx, sy, sz] for sx in (-h, h) for sy in (-h, h) for sz in (-h, h)]) + centre_m
    ijk = frame.world_to_voxel(*frame.model_to_world(*corners.T))
    lo = np.clip(np.floor(ijk.min(axis=1)).astype(int), 0, None)
    hi = np.minimum(np.ceil(ijk.max(axis=1)).astype(int) + 1, frame.shape)
    return lo, hi


def _voxel_means(frame, prediction, lo, hi, fields: dict):
    """Mean over sub-samples of each voxel in [lo, hi) of every sampler in
    ``fields`` (name -> (sampler, value outside the domain)), plus ``inside``."""
    n = [max(1, math.ceil(v / SUBSAMPLE_MM)) for v in frame.voxel_size_mm]
    offs = [(np.arange(m) + 0.5) / m - 0.5 for m in n]
    shape = tuple(int(b - a) for a, b in zip(lo, hi))
    out = {k: np.zeros(shape) for k in fields}
    ii, jj, kk = np.meshgrid(*(np.arange(a, b, dtype=float) for a, b in zip(lo, hi)), indexing="ij")
    total = 0
    for oi in offs[0]:
        for oj in offs[1]:
            for ok in offs[2]:
                x, y, z = frame.world_to_model(*frame.voxel_to_world(ii + oi, jj + oj, kk + ok))
                inside = _in_domain(prediction, x, y, z)
                for k, (f, outside) in fields.items():
                    v = np.full(shape, float(outside))
                    v[inside] = f(x[inside], y[inside], z[inside])
                    out[k] += v
                total += 1
    return {k: v / total for k, v in out.items()}


def _needle(frame, path, lo, hi):
    """Needle label (uint8) on the block: every voxel the needle axis passes
    through, and those whose centre lies within its radius."""
    lab = np.zeros(tuple(int(b - a) for a, b in zip(lo, hi)), np.uint8)
    s = np.arange(0.0, 2 * HALF_BOX_MM * 1e-3, NEEDLE_STEP_MM * 1e-3)
    for lo_s, hi_s, value in ((path.tip_length_m, np.inf, 1), (0.0, path.tip_length_m, 2)):
        p = path.point(s[(s >= lo_s) & (s <= hi_s)])
        ijk = np.rint(frame.world_to_voxel(*frame.model_to_world(*p))).astype(int) - lo[:, None]
        ok = np.all((ijk >= 0) & (ijk < np.array(lab.shape)[:, None]), axis=0)
        lab[tuple(ijk[:, ok])] = value
    # voxel centres within the radius (a thick needle on a fine grid)
    ii, jj, kk = np.meshgrid(*(np.arange(a, b, dtype=float) for a, b in zip(lo, hi)), indexing="ij")
    x, y, z = frame.world_to_model(*frame.voxel_to_world(ii, jj, kk))
    d, t = np.asarray(path.direction), np.asarray(path.tip_m)
    px, py, pz = x - t[0], y - t[1], z - t[2]
    sv = px * d[0] + py * d[1] + pz * d[2]
    rho = np.sqrt(np.maximum(px * px + py * py + pz * pz - sv * sv, 0.0))
    on = (rho <= path.radius_m) & (sv >= 0)
    lab[on & (sv > path.tip_length_m) & (lab == 0)] = 1
    lab[on & (sv <= path.tip_length_m)] = 2
    return lab


def lesion_fraction(prediction, frame=None):
    """Share (0..1) of each voxel of the reference grid inside the lesion,
    as a full-grid float array."""
    frame = frame or _frame(prediction)
    res = prediction.result
    centre = np.asarray(prediction.path.point(0.5 * prediction.path.tip_length_m))
    lo, hi = _block(frame, centre)
    full = np.zeros(frame.shape)
    if np.any(hi <= lo):
        return full
    crit = _sampler(prediction, res.damage.criterion())
    m = _voxel_means(frame, prediction, lo, hi, {"lesion": (lambda x, y, z: crit(x, y, z) >= 0.0, 0.0)})
    full[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = m["lesion"]
    return full


def _save(nib, frame, data, path, description, label=False):
    img = nib.Nifti1Image(data, frame.affine)
    h = img.header
    h.set_qform(frame.qform, int(frame.qform_code))
    h.set_sform(frame.sform, int(frame.sform_code))
    h.set_xyzt_units("mm")
    h["descrip"] = description[:79].encode()
    if label:
        h.set_intent("label")
    nib.save(img, str(path))
    return path


def write_nifti(prediction, folder, *, draws=(), probability=None) -> dict:
    """Write the lesion, damage, peak temperature and needle of a prediction
    on the grid of its anatomy's image.

    Parameters
    ----------
    prediction : rfsim.prediction.Prediction
        With an image anatomy (``anatomy.frame`` set: PAM50 or patient).
    folder : str or Path
        Output folder (created if missing).
    draws : sequence of Prediction, optional
        Predictions of the same image (e.g. Monte Carlo draws of uncertain
        parameters); adds ``lesion_probability.nii.gz``, the share of draws
        whose lesion covers each voxel.
    probability : callable, optional
        ``probability(x, y, z)`` -> lesion probability (0-1) at model points
        (m), e.g. :class:`rfsim.uncertainty.probability_map.VolumeProbability`
        of an uncertainty answer; written, as voxel means, to
        ``lesion_probability.nii.gz`` (instead of ``draws``).

    Returns
    -------
    dict
        name -> Path of each file written (``FILES`` keys and ``json``).
    """
    nib = _nibabel()
    frame = _frame(prediction)
    folder = check_nifti_request(folder, prediction.anatomy.source)
    res, path = prediction.result, prediction.path
    centre = np.asarray(path.point(0.5 * path.tip_length_m))
    lo, hi = _block(frame, centre)
    body = float(res.domain.temperature_c)
    shape = frame.shape
    if draws and probability is not None:
        raise ConfigError("write_nifti", "draws and probability", "give one source of the lesion probability")
    full = {"lesion": np.zeros(shape), "damage": np.zeros(shape), "peak_temperature": np.full(shape, body)}
    if probability is not None:
        full["lesion_probability"] = np.zeros(shape)
    needle = np.zeros(shape, np.uint8)
    if np.all(hi > lo):
        crit = _sampler(prediction, res.damage.criterion())
        fields = {"lesion": (lambda x, y, z: crit(x, y, z) >= 0.0, 0.0),
                  "damage": (_sampler(prediction, res.damage.omega), 0.0),
                  "peak_temperature": (_sampler(prediction, res.damage.tpeak), body)}
        if probability is not None:
            fields["lesion_probability"] = (probability, 0.0)
        m = _voxel_means(frame, prediction, lo, hi, fields)
        box = (slice(lo[0], hi[0]), slice(lo[1], hi[1]), slice(lo[2], hi[2]))
        for k in full:
            full[k][box] = m[k]
        needle[box] = _needle(frame, path, lo, hi)
    model = prediction.scenario.damage.model
    out = {
        "lesion": _save(nib, frame, (full["lesion"] >= 0.5).astype(np.uint8), folder / FILES["lesion"],
                        f"rfsim {__version__} lesion ({model} criterion)", label=True),
        "damage": _save(nib, frame, full["damage"].astype(np.float32), folder / FILES["damage"],
                        "rfsim Arrhenius damage integral Omega (1)"),
        "peak_temperature": _save(nib, frame, full["peak_temperature"].astype(np.float32),
                                  folder / FILES["peak_temperature"], "rfsim peak temperature (degC)"),
        "needle": _save(nib, frame, needle, folder / FILES["needle"], "rfsim needle: 1 shaft, 2 exposed tip",
                        label=True),
    }
    if probability is not None:
        out["lesion_probability"] = _save(nib, frame, full["lesion_probability"].astype(np.float32),
                                          folder / FILES["lesion_probability"],
                                          "rfsim lesion probability over uncertainty draws")
    if draws:
        for d in draws:
            f = _frame(d)
            if f.shape != frame.shape or not np.allclose(f.affine, frame.affine, atol=1e-6):
                raise ConfigError("draws", f.reference, f"not on the grid of {frame.reference}")
        prob = np.mean([lesion_fraction(d) >= 0.5 for d in draws], axis=0)
        out["lesion_probability"] = _save(nib, frame, prob.astype(np.float32), folder / FILES["lesion_probability"],
                                          f"rfsim lesion probability over {len(draws)} draws")
    tip_w = frame.model_to_world(*np.asarray(path.tip_m))
    entry_w = frame.model_to_world(*np.asarray(path.entry_m))
    side = {"rfsim_version": __version__, "reference": frame.reference,
            "anatomy": prediction.anatomy.source, "lesion_criterion": model,
            "files": {k: {"file": p.name, "units": u, "description": dsc} for k, p, u, dsc in (
                (k, out[k], *{"lesion": ("1", "1 inside the lesion (half the voxel or more), 0 outside"),
                              "damage": ("1", "Arrhenius damage integral Omega, voxel mean"),
                              "peak_temperature": ("degC", "peak temperature over the protocol, voxel mean"),
                              "needle": ("1", "needle label"),
                              "lesion_probability": ("1", "share of draws with the voxel in the lesion")}[k])
                for k in out)},
            "needle_labels": {str(k): v for k, v in NEEDLE_LABELS.items()},
            "needle_tip_world_mm": [float(v) for v in tip_w],
            "needle_entry_world_mm": [float(v) for v in entry_w],
            "computed_within_mm": HALF_BOX_MM}
    out["json"] = folder / "rfsim_nifti.json"
    out["json"].write_text(json.dumps(side, indent=2) + "\n")
    return out
