"""Rasterised problems: a grid with per-cell tissue properties and the electrode.

A :class:`Domain` is what the solvers run on.  It is built from a grid and either
integer tissue labels (:meth:`Domain.from_labels`) or partial-volume fractions
(:meth:`Domain.from_fractions`), plus masks of the electrode metal.  Builders for
the two standard layouts live here too: :func:`layered_axisymmetric` (tissue
layers stacked along the needle, the homogeneous block being one layer) and
:func:`electrode_masks_axisymmetric`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rfsim.physics.electrode import Electrode
from rfsim.physics.resources import require_memory
from rfsim.errors import ConfigError, require_number
from rfsim.numerics.grid import Grid, axisymmetric_grid, graded_edges, readonly
from rfsim.physics.tissue import BODY_TEMPERATURE_C, Tissue

#: Electrical conductivity given to metal cells (S/m): the metal is held at the
#: applied voltage, so any value many decades above tissue gives the same answer.
METAL_SIGMA = 1e8
#: Surface resistance (ohm m^2) of the shaft insulation: it carries no current.
INSULATOR_SKIN = 1e30


#: Allowed range of each :class:`MeshSettings` field (SI; a scenario file states
#: them in its own units, rfsim.scenario.config).
MESH_RANGES = {"min_cell_m": (1e-6, 1e-3), "interface_cell_m": (1e-6, 5e-3), "growth": (1.01, 2.0),
               "max_cell_m": (1e-4, 2e-2), "extent_m": (2e-3, 0.5), "refine": (0.1, 16.0)}


@dataclass(frozen=True)
class MeshSettings:
    """How fine the grid is.

    Attributes
    ----------
    min_cell_m : float
        Cell size at the electrode surface edges (m); default 20 um (issue 2).
    interface_cell_m : float
        Cell size at tissue interfaces away from the electrode (m).
    growth : float
        Largest ratio of neighbouring cell sizes.
    max_cell_m : float
        Largest cell (m).
    extent_m : float
        Distance from the electrode tip to the outer (return) boundary (m).
        25 mm: the default cordotomy impedance is within 0.2 % and the lesion
        volume within 0.05 % of 60 mm; large bench electrodes need more (rfsim
        run warns when the lesion nears the boundary).
    refine : float
        Uniform refinement factor of the whole size field (convergence studies).
    """

    min_cell_m: float = 20e-6
    interface_cell_m: float = 50e-6
    growth: float = 1.15
    max_cell_m: float = 2e-3
    extent_m: float = 25e-3
    refine: float = 1.0

    def __post_init__(self):
        for key, (lo, hi) in MESH_RANGES.items():
            require_number(f"mesh.{key}", getattr(self, key), lo, hi)

    def as_typed(self) -> str:
        """The settings that size the grid as a scenario file states them (for messages)."""
        return f"max_cell_mm = {self.max_cell_m * 1e3:g}, extent_mm = {self.extent_m * 1e3:g}, refine = {self.refine:g}"

    def edges(self, breakpoints, anchors):
        """Graded edges (m) through ``breakpoints`` with fine cells at ``anchors``."""
        return graded_edges(breakpoints, anchors, self.growth, self.max_cell_m, self.refine)


@dataclass(frozen=True, eq=False)
class Domain:
    """A grid with everything the solvers need per cell.

    Attributes
    ----------
    grid : Grid
    sigma : cell array
        Electrical conductivity at ``sigma_tref`` (S/m).
    sigma_tref : cell array
        Reference temperature of ``sigma`` (C).
    alpha : cell array
        Temperature coefficient of sigma (1/C).
    k : cell array
        Thermal conductivity (W/m/K).
    rho_c : cell array
        Volumetric heat capacity (J/m^3/K).
    perfusion : cell array
        Blood perfusion (1/s, blood volume per tissue volume).
    metal : cell array of bool
        Electrode metal (held at the applied voltage).
    exposed : cell array of bool
        Metal cells of the uninsulated tip.
    label : cell array of int
        Index into ``names`` of the dominant tissue; -1 for metal.
    names : tuple of str
        Tissue names.
    sensor : tuple of int
        Cell index (i, j, k) of the thermocouple (``electrode.thermocouple_position``).
    electrode : Electrode
    temperature_c : float
        Initial tissue temperature and outer-boundary temperature (C).
    arterial_c : float
        Arterial blood temperature (C).
    wall : tuple
        Cut-cell faces where the true electrode surface lies between two cell
        centres: (axis, flat face index, distance from the tissue centre to the
        surface, m, tissue cell flat index, metal cell flat index) arrays.
    sigma_ratio : cell array or None
        Electrical conductivity along grid axis ``axial_axis`` over that along
        the other two (``sigma`` is the latter); None for an isotropic medium.
        Thermal properties stay isotropic.
    axial_axis : int
        The grid axis of the fibres (2, the cord axis z, in the 3-D model).
    k_alpha : cell array or None
        Relative rise of k per degree (1/C) from ``sigma_tref``, held above
        :data:`rfsim.physics.tissue.K_TEMP_LIMIT_C`; None: k does not depend on temperature.
    sigma_coagulated : cell array or None
        Factor on sigma where tissue has coagulated (Omega >= 1); None: no change.
    """

    grid: Grid
    sigma: np.ndarray
    sigma_tref: np.ndarray
    alpha: np.ndarray
    k: np.ndarray
    rho_c: np.ndarray
    perfusion: np.ndarray
    metal: np.ndarray
    exposed: np.ndarray
    label: np.ndarray
    names: tuple
    sensor: tuple
    electrode: Electrode
    temperature_c: float = BODY_TEMPERATURE_C
    arterial_c: float = BODY_TEMPERATURE_C
    wall: tuple | None = None
    sigma_ratio: np.ndarray | None = None
    axial_axis: int = 2
    k_alpha: np.ndarray | None = None
    sigma_coagulated: np.ndarray | None = None
    tissues: tuple = field(default=(), repr=False)

    def __post_init__(self):
        shape = self.grid.shape
        for name in ("sigma", "sigma_tref", "alpha", "k", "rho_c", "perfusion", "metal", "exposed", "label"):
            a = getattr(self, name)
            if a.shape != shape:
                raise ValueError(f"Domain.{name} has shape {a.shape}, grid has {shape}")
            dtype = bool if name in ("metal", "exposed") else (np.int16 if name == "label" else float)
            object.__setattr__(self, name, readonly(a, dtype))
        if self.sigma_ratio is not None:
            r = readonly(self.sigma_ratio)
            if r.shape != shape or not np.all(r >= 1.0):
                raise ValueError("Domain.sigma_ratio must be a cell array of ratios >= 1")
            object.__setattr__(self, "sigma_ratio", r)
        for name in ("k_alpha", "sigma_coagulated"):  # optional: None keeps the constant-property path
            if getattr(self, name) is not None:
                object.__setattr__(self, name, readonly(getattr(self, name)))
                if getattr(self, name).shape != shape:
                    raise ValueError(f"Domain.{name} has shape {getattr(self, name).shape}, grid has {shape}")
        if self.axial_axis not in (0, 1, 2):
            raise ValueError(f"Domain.axial_axis = {self.axial_axis!r}: must be 0, 1 or 2")
        if not self.exposed.any():
            raise ConfigError("electrode", "no exposed tip cell", "the exposed tip must cover at least one cell")
        if not self.metal[self.sensor]:
            raise ValueError("the thermocouple cell must be inside the electrode")
        for key in ("temperature_c", "arterial_c"):
            v = getattr(self, key)
            if not np.isfinite(v) or not -10.0 <= v <= 60.0:
                raise ConfigError(key, v, "must lie in [-10, 60] C")

    def sigma_axes(self, sigma):
        """Conductivity (S/m) along each grid axis from the transverse one: a
        tuple of three cell arrays for :func:`rfsim.numerics.conductance.assemble_conductances`."""
        if self.sigma_ratio is None:
            return sigma, sigma, sigma
        return tuple(sigma * self.sigma_ratio if a == self.axial_axis else sigma for a in range(3))

    @property
    def tissue_mask(self) -> np.ndarray:
        """Cells that are tissue (not electrode)."""
        return ~self.metal

    @classmethod
    def from_fractions(cls, grid, fractions, tissues, metal, exposed, sensor, electrode, anisotropic=False, **kw):
        """Domain from partial-volume fractions.

        Parameters
        ----------
        fractions : array (ntissue, n0, n1, n2)
            Volume fraction of each tissue in each cell (sums to 1 in tissue
            cells).  Properties are fraction-weighted means: the arithmetic mean
            for capacities and perfusion, and for conductivities too, which is
            the parallel-path bound, right to first order in a cell's mixture.
        tissues : sequence of Tissue
        metal, exposed : bool cell arrays
        sensor : (i, j, k)
        electrode : Electrode
        anisotropic : bool
            Honour the tissues' ``sigma_axial_ratio`` along ``axial_axis``
            (keyword, default 2): the axial conductivity is mixed like the
            transverse one, and ``sigma_ratio`` is their quotient.  Only where
            the fibres run along a grid axis, i.e. the 3-D model; the layered
            model stays isotropic.
        """
        f = np.asarray(fractions, dtype=float)
        tissues = tuple(tissues)
        if f.shape != (len(tissues),) + grid.shape:
            raise ValueError("fractions must have shape (ntissues,) + grid.shape")
        total = f.sum(axis=0)
        bad = (~metal) & (np.abs(total - 1.0) > 1e-6)
        if bad.any():
            raise ValueError(f"tissue fractions do not sum to 1 in {int(bad.sum())} cells")

        def mix(attr):
            vals = np.array([getattr(t, attr) for t in tissues])
            return np.tensordot(vals, f, axes=1)

        metal = np.asarray(metal, bool)
        m = electrode.metal
        sigma = np.where(metal, METAL_SIGMA, mix("sigma_s_per_m"))
        # temperature- and damage-dependent properties: None where every tissue has them off
        k_alpha, coag = mix("k_temp_coeff_per_c"), mix("sigma_coagulated_factor")
        kw.setdefault("k_alpha", np.where(metal, 0.0, k_alpha) if any(t.k_temp_coeff_per_c for t in tissues)
                      else None)
        kw.setdefault("sigma_coagulated", np.where(metal, 1.0, coag)
                      if any(t.sigma_coagulated_factor != 1.0 for t in tissues) else None)
        if anisotropic:
            axial = np.tensordot(np.array([t.sigma_s_per_m * t.sigma_axial_ratio for t in tissues]), f, axes=1)
            kw["sigma_ratio"] = np.where(metal, 1.0, np.maximum(axial / np.where(metal, 1.0, sigma), 1.0))
        return cls(
            grid=grid,
            sigma=sigma,
            sigma_tref=np.where(metal, BODY_TEMPERATURE_C, mix("reference_temperature_c")),
            alpha=np.where(metal, 0.0, mix("sigma_temp_coeff_per_c")),
            k=np.where(metal, m.k_w_per_m_k, mix("k_w_per_m_k")),
            rho_c=np.where(metal, m.rho_c_j_per_m3_k, mix("rho_c")),
            perfusion=np.where(metal, 0.0, mix("perfusion_per_s")),
            metal=metal,
            exposed=np.asarray(exposed, bool),
            label=np.where(metal, -1, np.argmax(f, axis=0)),
            names=tuple(t.name for t in tissues),
            sensor=tuple(int(s) for s in sensor),
            electrode=electrode,
            tissues=tissues,
            **kw,
        )

    @classmethod
    def from_labels(cls, grid, label, tissues, metal, exposed, sensor, electrode, **kw):
        """Domain from one tissue label per cell (index into ``tissues``)."""
        label = np.asarray(label)
        f = np.stack([(label == i).astype(float) for i in range(len(tissues))])
        return cls.from_fractions(grid, f, tissues, metal, exposed, sensor, electrode, **kw)

    # -- per-face coating of the shaft ------------------------------------
    def skin(self, kind: str) -> np.ndarray:
        """Coating resistance-area of each cell (``"electric"``: ohm m^2,
        ``"thermal"``: m^2 K/W): the insulation of the shaft."""
        shaft = self.metal & ~self.exposed
        if kind == "electric":
            return np.where(shaft, INSULATOR_SKIN, 0.0)
        m = self.electrode.metal
        return np.where(shaft, m.insulation_thickness_m / m.insulation_k_w_per_m_k, 0.0)


def surface_walls(grid: Grid, metal, signed_distance, iterations: int = 40):
    """Cut-cell data for an electrode surface that does not follow the grid.

    For every face between a metal and a tissue cell, finds where the true
    surface (the zero of ``signed_distance``, negative inside the metal) crosses
    the line between the two cell centres, by bisection.  The solvers then use
    that distance instead of the staircase half widths, which removes the
    first-order staircase error from the electrode current.

    Parameters
    ----------
    grid : Grid
    metal : bool cell array
    signed_distance : callable
        f(c0, c1, c2) -> array, signed distance (m) at points given by their
        grid coordinates (r, theta, z) or (x, y, z); < 0 inside the metal.

    Returns
    -------
    tuple
        (axis, face flat index, tissue cell flat index, metal cell flat index,
        tissue-side distance m, metal-side distance m), arrays of equal length.
    """
    metal = np.asarray(metal, bool)
    shape = grid.shape
    flat = np.arange(metal.size).reshape(shape)
    out = [[] for _ in range(6)]
    for ax in range(3):
        m = shape[ax]
        a = np.take(flat, np.arange(0, m - 1), axis=ax).ravel()
        b = np.take(flat, np.arange(1, m), axis=ax).ravel()
        cut = metal.ravel()[a] != metal.ravel()[b]
        if not cut.any():
            continue
        a, b = a[cut], b[cut]
        t = np.where(metal.ravel()[a], b, a)
        mc = np.where(metal.ravel()[a], a, b)
        face_shape = list(shape)
        face_shape[ax] += 1
        ia = np.array(np.unravel_index(a, shape))
        ia[ax] += 1  # face between a and b is the lower face of b = index a + 1
        face = np.ravel_multi_index(tuple(ia), tuple(face_shape))
        pt = np.array([grid.centers[i][np.unravel_index(t, shape)[i]] for i in range(3)])
        pm = np.array([grid.centers[i][np.unravel_index(mc, shape)[i]] for i in range(3)])
        lo, hi = np.zeros(t.size), np.ones(t.size)
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            inside = signed_distance(*(pt + mid * (pm - pt))) < 0
            hi = np.where(inside, mid, hi)
            lo = np.where(inside, lo, mid)
        dist = np.abs(pm[ax] - pt[ax])
        dt = np.maximum(0.5 * (lo + hi), 0.05) * dist  # keep away from a zero distance
        for lst, v in zip(out, (np.full(t.size, ax), face, t, mc, dt, dist - dt)):
            lst.append(v)
    return tuple(np.concatenate(v) if v else np.zeros(0) for v in out)


def electrode_masks_axisymmetric(grid: Grid, electrode: Electrode):
    """Metal and exposed-tip masks of an electrode on the axis, tip end at z = 0,
    shaft toward +z; and the thermocouple cell: on the axis, the exposed cell
    whose centre is nearest ``electrode.thermocouple_m`` from the tip end (at
    the tip end, the first cell inside the metal)."""
    rc, _, zc = grid.centers
    R, Z = np.meshgrid(rc, zc, indexing="ij")
    metal = (R < electrode.radius_m) & (Z > 0.0)
    exposed = metal & (Z < electrode.tip_length_m)
    along = np.where(exposed[0], np.abs(zc - electrode.thermocouple_m), np.inf)
    sensor = (0, 0, int(np.argmin(along)))
    return metal[:, None, :], exposed[:, None, :], sensor


def layered_axisymmetric(layers, electrode: Electrode, mesh: MeshSettings = MeshSettings(),
                         temperature_c: float = BODY_TEMPERATURE_C, arterial_c: float = BODY_TEMPERATURE_C):
    """Axisymmetric domain of tissue layers stacked along the needle.

    Parameters
    ----------
    layers : sequence of (float, Tissue)
        (z of the layer's upper surface in m, tissue), from the deepest layer up;
        z = 0 is the distal end of the electrode tip, the shaft runs toward +z.
        The last layer extends to the outer boundary.  A single layer gives the
        homogeneous block.
    electrode : Electrode
    mesh : MeshSettings
    temperature_c : float
        Initial and outer-boundary temperature (C).
    arterial_c : float
        Arterial blood temperature (C).

    Returns
    -------
    Domain
    """
    a, L = electrode.radius_m, electrode.tip_length_m
    D = mesh.extent_m
    zmax = max(D, L + 0.5 * D)
    tops = [float(z) for z, _ in layers[:-1]]
    if any(not -D < z < zmax for z in tops) or any(b <= a_ for a_, b in zip(tops, tops[1:])):
        raise ConfigError("layers", tops, f"interfaces must increase and lie inside ({-D}, {zmax}) m")
    hmin = mesh.min_cell_m
    r = mesh.edges([0.0, a, D], [(a, hmin)])
    anchors = [(0.0, hmin), (L, hmin)] + [(z, _interface_cell(tops, i, L, mesh)) for i, z in enumerate(tops)]
    z = mesh.edges([-D, 0.0, L, zmax] + tops, anchors)
    require_memory((r.size - 1) * (z.size - 1), "axisymmetric", mesh.as_typed(),
                   "coarsen [mesh]: raise max_cell_mm, lower extent_mm or refine")
    grid = axisymmetric_grid(r, z)
    zc = grid.centers[2]
    label = np.zeros(grid.shape, dtype=int)
    for i, top in enumerate(tops):
        label[..., zc > top] = i + 1
    metal, exposed, sensor = electrode_masks_axisymmetric(grid, electrode)
    tissues = [t for _, t in layers]
    return Domain.from_labels(grid, label, tissues, metal, exposed, sensor, electrode,
                              temperature_c=temperature_c, arterial_c=arterial_c)


def _interface_cell(tops, i, tip_length, mesh):
    """Cell size (m) at interface i: ``interface_cell_m`` next to the tip, growing
    with the distance from it as the grading would anyway, but never more than a
    third of the thinner neighbouring layer (each layer keeps three cells)."""
    gaps = [tops[i + 1] - tops[i]] if i + 1 < len(tops) else []
    gaps += [tops[i] - tops[i - 1]] if i > 0 else []
    layer = min(gaps) / 3.0 if gaps else np.inf
    dist = max(0.0, -tops[i], tops[i] - tip_length)
    return min(max(mesh.interface_cell_m, (mesh.growth - 1.0) * dist), layer, mesh.max_cell_m)


def homogeneous(tissue: Tissue, electrode: Electrode, mesh: MeshSettings = MeshSettings(),
                temperature_c: float = BODY_TEMPERATURE_C):
    """A block of one material around the electrode (bench and phantom studies);
    the bath, blood and outer boundary are at ``temperature_c`` (C)."""
    return layered_axisymmetric([(np.inf, tissue)], electrode, mesh, temperature_c, temperature_c)
