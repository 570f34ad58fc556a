"""The parameters of the noise model, their defaults, and how overrides are read.

Each field is documented with its distribution in ``docs/simulation.md``. Overrides come, in
this order (later wins): the defaults below, an instance's optional ``"simulation"`` object,
a parameters file (``corridor simulate --noise FILE``), ``--set KEY=VALUE`` on the command line.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from corridor.errors import InputError


class NoiseParamsError(InputError, ValueError):
    """A noise parameter out of range or unknown; names the parameter and carries the value
    sent (``value``: an HTTP problem's ``errors[].value``)."""


@dataclass(frozen=True)
class NoiseParams:
    """How far execution may stray from the plan. Times in minutes, rates per hour.

    ``NoiseParams()`` is the default noise; :meth:`zero` has none at all (the simulation then
    replays the plan exactly).
    """

    #: lognormal sigma of each leg's driving time around the matrix time (its median)
    travel_sigma: float = 0.10
    #: lognormal sigma of each inspection around the agreed service time (its median)
    service_sigma: float = 0.35
    #: breakdowns per vehicle-hour of driving
    breakdown_per_hour: float = 0.01
    #: median minutes to repair or replace a broken-down vehicle (lognormal)
    repair_median: float = 45.0
    repair_sigma: float = 0.5
    #: suspensions of the corridor per hour (Poisson), from the window's opening to its close
    suspension_per_hour: float = 0.1
    #: median minutes a suspension lasts (lognormal)
    suspension_median: float = 30.0
    suspension_sigma: float = 0.6
    #: lognormal sigma of the people who come to a gathering point over those registered
    attendance_sigma: float = 0.10

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise NoiseParamsError(f.name, f"must be a number, got {v!r}", v)
            if v < 0:
                raise NoiseParamsError(f.name, f"must be >= 0, got {v!r}", v)
        for name in (
            "travel_sigma",
            "service_sigma",
            "repair_sigma",
            "suspension_sigma",
            "attendance_sigma",
        ):
            v = getattr(self, name)
            if v > 3:
                raise NoiseParamsError(
                    name, f"a lognormal sigma above 3 is not a delay model, got {v!r}", v
                )

    @classmethod
    def zero(cls) -> NoiseParams:
        """No noise: every leg, inspection and count as planned, no breakdown, no suspension."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def with_overrides(self, values: dict[str, Any], source: str) -> NoiseParams:
        """These parameters with ``values`` replacing some; errors name ``source`` and the key."""
        if not isinstance(values, dict):
            raise NoiseParamsError(
                source, f"expected an object of parameters, got {values!r}", values
            )
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise NoiseParamsError(
                    f"{source}: {key}",
                    f"unknown parameter; known: {', '.join(sorted(known))}",
                    value,
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise NoiseParamsError(
                    f"{source}: {key}", f"must be a number, got {value!r}", value
                )
        try:
            return replace(self, **{k: float(v) for k, v in values.items()})
        except NoiseParamsError as exc:
            raise NoiseParamsError(f"{source}: {exc.where}", exc.problem, exc.value) from None

    def to_json(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def parse_settings(items: list[str], source: str = "--set") -> dict[str, float]:
    """``["travel_sigma=0.2", ...]`` as ``{"travel_sigma": 0.2}``; errors name the item."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise NoiseParamsError(source, f"expected KEY=VALUE, got {item!r}", item)
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise NoiseParamsError(
                f"{source} {key.strip()}", f"not a number: {value!r}", value
            ) from None
    return out
