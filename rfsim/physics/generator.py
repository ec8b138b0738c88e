"""The RF generator: temperature control of the tip thermocouple, and protocols.

Two control modes:

* ``exact``: each step, the voltage that puts the sensed tip temperature exactly
  on the set point.  The implicit heat step is linear in V^2 (Joule heat is V^2
  times the unit-voltage heat), so the step is solved for the history and for a
  unit source, and V^2 follows from one division.  This is the ideal controller.
* ``pid``: a discrete PID on the sensed temperature, sampled every
  ``control_period_s``, with conditional-integration anti-windup: it shows the
  overshoot and settling of a real generator.

Both honour the voltage and power limits.  A :class:`Protocol` is a sequence of
lesions (ramp to the set temperature, hold, then cool with the power off).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rfsim.errors import ConfigError, require_number

MODES = ("exact", "pid")


@dataclass(frozen=True)
class GeneratorSettings:
    """Generator control and limits.

    Attributes
    ----------
    mode : {"exact", "pid"}
    ramp_s : float
        Time for the set point to rise linearly from the tip's temperature at
        the start of the lesion to the lesion temperature (s).  Default 10 s: an assumption, typical of
        temperature-controlled RF lesion generators [R].
    voltage_limit_v : float
        Largest RF voltage (V rms).  Default 90 V: assumed generator limit [R].
    power_limit_w : float
        Largest delivered power (W).  Default 50 W: typical RF lesion generator
        maximum (e.g. Cosman G4) [R].
    kp_v_per_c, ki_v_per_c_s, kd_v_s_per_c : float
        PID gains (V/C, V/(C s), V s/C), ``pid`` mode only.  Defaults tuned on the
        default cordotomy electrode to settle within 0.5 C with a visible
        overshoot (tests/physics/test_generator.py).
    control_period_s : float
        Sampling period of the PID (s); also the largest time step in ``pid`` mode.
    series_resistance_ohm : float
        Resistance in series with the tissue as the generator sees it: cables,
        connectors, the body's path to the dispersive pad and the pad itself
        (ohm).  It adds to every impedance rfsim reports (the tissue's own
        impedance is in the HDF5 series); the voltage and power limits still
        apply to the tissue.  Default 0: no measured value was found
        (docs/validation.md, "Series impedance").
    """

    mode: str = "exact"
    ramp_s: float = 10.0
    voltage_limit_v: float = 90.0
    power_limit_w: float = 50.0
    kp_v_per_c: float = 1.0
    ki_v_per_c_s: float = 0.5
    kd_v_s_per_c: float = 0.0
    control_period_s: float = 0.05
    series_resistance_ohm: float = 0.0

    def __post_init__(self):
        if self.mode not in MODES:
            raise ConfigError("generator.mode", self.mode, f"allowed: {', '.join(MODES)}")
        require_number("generator.ramp_s", self.ramp_s, 0.0, 120.0)
        require_number("generator.voltage_limit_v", self.voltage_limit_v, 0.0, 500.0, lo_open=True)
        require_number("generator.power_limit_w", self.power_limit_w, 0.0, 500.0, lo_open=True)
        require_number("generator.kp_v_per_c", self.kp_v_per_c, 0.0, 1e3)
        require_number("generator.ki_v_per_c_s", self.ki_v_per_c_s, 0.0, 1e3)
        require_number("generator.kd_v_s_per_c", self.kd_v_s_per_c, 0.0, 1e3)
        require_number("generator.control_period_s", self.control_period_s, 1e-3, 1.0)
        require_number("generator.series_resistance_ohm", self.series_resistance_ohm, 0.0, 5000.0)

    def max_v2(self, power_per_v2: float) -> float:
        """Largest V^2 (V^2) allowed by both limits for a load taking ``power_per_v2`` W/V^2."""
        return min(self.voltage_limit_v ** 2, self.power_limit_w / max(power_per_v2, 1e-300))


@dataclass(frozen=True)
class Lesion:
    """One lesion: ramp to ``set_temperature_c`` and hold it for ``duration_s``.

    Attributes
    ----------
    set_temperature_c : float
        Tip set temperature (C), 45 to 95.  Clinical default 80 C (physics-reference.md).
    duration_s : float
        Time at the set temperature after the ramp (s), up to 600.  Clinical 60 s.
    """

    set_temperature_c: float = 80.0
    duration_s: float = 60.0

    def __post_init__(self):
        require_number("protocol.set_temperature_c", self.set_temperature_c, 45.0, 95.0, unit="C")
        require_number("protocol.duration_s", self.duration_s, 0.0, 600.0, lo_open=True, unit="s")


@dataclass(frozen=True)
class Protocol:
    """A sequence of lesions at the same spot with cooling in between.

    Attributes
    ----------
    lesions : tuple of Lesion
        At least one.  Clinical default: a test lesion at 80 C for 60 s, then two
        more (physics-reference.md, "The procedure").
    cooling_s : float
        Power-off time after each lesion (s): the reassessment pause between
        lesions, and after the last one the time over which damage still
        accumulates.  Default 30 s: an assumption; damage growth after 30 s of
        cooling is below 1 % of the lesion volume in the default case.
    """

    lesions: tuple = field(default_factory=lambda: (Lesion(),))
    cooling_s: float = 30.0

    def __post_init__(self):
        if not isinstance(self.lesions, tuple) or len(self.lesions) == 0:
            raise ConfigError("protocol.lesions", len(self.lesions) if hasattr(self.lesions, "__len__")
                              else self.lesions, "a protocol needs at least one lesion")
        if len(self.lesions) > 10:
            raise ConfigError("protocol.lesions", len(self.lesions), "at most 10 lesions")
        require_number("protocol.cooling_s", self.cooling_s, 0.0, 3600.0)

    @classmethod
    def clinical(cls, n: int = 3, set_temperature_c: float = 80.0, duration_s: float = 60.0,
                 cooling_s: float = 30.0) -> "Protocol":
        """n identical lesions (default: the clinical 3 x 80 C for 60 s)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError("protocol.lesions", n, "must be a whole number >= 1")
        return cls(tuple(Lesion(set_temperature_c, duration_s) for _ in range(n)), cooling_s)

    def describe(self) -> str:
        """The protocol in words, from every lesion's own set point and time
        (:func:`describe_protocol`): ``"3 x 80 C for 60 s"``, ``"70, 80, 90 C for 60 s each"``."""
        return describe_protocol([les.set_temperature_c for les in self.lesions],
                                 [les.duration_s for les in self.lesions])

    def segments(self, ramp_s: float, start_c: float):
        """The protocol as time segments.

        Returns
        -------
        list of Segment
        """
        segs, t = [], 0.0
        for i, les in enumerate(self.lesions):
            if les.set_temperature_c <= start_c:
                raise ConfigError("protocol.set_temperature_c", les.set_temperature_c,
                                  f"must be above the starting temperature {start_c:g} C")
            on = ramp_s + les.duration_s
            segs.append(Segment(i, True, t, t + on, start_c, les.set_temperature_c, ramp_s))
            t += on
            if self.cooling_s > 0:
                segs.append(Segment(i, False, t, t + self.cooling_s, start_c, les.set_temperature_c, ramp_s))
                t += self.cooling_s
        return segs


def describe_protocol(set_temperature_c, duration_s) -> str:
    """A protocol in words from its per-lesion set temperatures (C) and times (s).

    Equal lesions read ``"3 x 80 C for 60 s"``; an escalating protocol names
    every set point, ``"70, 80, 90 C for 60 s each"``; differing times are
    named as well (``"2 x 80 C for 30, 60 s"``, ``"70 C for 30 s, 80 C for 60 s"``).

    Parameters
    ----------
    set_temperature_c : sequence of float
        Set temperature of each lesion (C).
    duration_s : sequence of float
        Time at the set temperature of each lesion (s), as many.
    """
    temps, times = list(set_temperature_c), list(duration_s)
    same_t, same_d = len(set(temps)) == 1, len(set(times)) == 1
    if same_t and same_d:
        return f"{len(temps)} x {temps[0]:g} C for {times[0]:g} s"
    if same_d:
        return f"{', '.join(f'{t:g}' for t in temps)} C for {times[0]:g} s each"
    if same_t:
        return f"{len(temps)} x {temps[0]:g} C for {', '.join(f'{d:g}' for d in times)} s"
    return ", ".join(f"{t:g} C for {d:g} s" for t, d in zip(temps, times))


@dataclass(frozen=True)
class Segment:
    """A stretch of the protocol with the power on (``rf``) or off."""

    lesion: int
    rf: bool
    start_s: float
    end_s: float
    start_c: float
    set_c: float
    ramp_s: float

    def target(self, t: float) -> float:
        """Set point (C) at time t (s): linear ramp from the start temperature."""
        if self.ramp_s <= 0:
            return self.set_c
        f = min(max((t - self.start_s) / self.ramp_s, 0.0), 1.0)
        return self.start_c + f * (self.set_c - self.start_c)


class PID:
    """Discrete PID on the sensed temperature with conditional-integration anti-windup."""

    def __init__(self, s: GeneratorSettings):
        self.s = s
        self.integral = 0.0
        self.last_t = None

    def voltage(self, error_c: float, sensed_c: float, dt: float, v_max: float) -> float:
        """Voltage (V) for the next period from the error (C) and sensed temperature (C)."""
        s = self.s
        deriv = 0.0 if self.last_t is None or dt <= 0 else -(sensed_c - self.last_t) / dt  # on measurement
        self.last_t = sensed_c
        trial = s.kp_v_per_c * error_c + s.ki_v_per_c_s * (self.integral + error_c * dt) + s.kd_v_s_per_c * deriv
        # Integrate only while the output is not pinned at a limit in the error's direction.
        if not ((trial >= v_max and error_c > 0) or (trial <= 0 and error_c < 0)):
            self.integral += error_c * dt
        v = s.kp_v_per_c * error_c + s.ki_v_per_c_s * self.integral + s.kd_v_s_per_c * deriv
        return min(max(v, 0.0), v_max)
