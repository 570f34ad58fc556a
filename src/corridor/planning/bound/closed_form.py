"""Bounds in closed form: everyone who can be fetched, reception beds, and the cargo term.

They need no solver, so they are there even when the LP is not (no time, HiGHS failed), and
they cap the LP bound where they are lower.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from corridor.planning.bound.geometry import (
    TOL,
    evacuable,
    fleet_by_type,
    greedy,
    minutes_by_type,
    type_geometry,
)

if TYPE_CHECKING:
    from corridor.planning.instance import Instance


def reachable_points(
    instance: Instance, vehicles: list[tuple[str, str]] | None = None
) -> list[bool]:
    """Per gathering point, whether some vehicle (of ``vehicles``, default the fleet) can fetch
    anyone from it, on its own type's roads."""
    reach = [False] * len(instance.gathering)
    fleet = fleet_by_type(instance, vehicles)
    minutes = minutes_by_type(instance, list(fleet))
    for t, depots in fleet.items():
        geo = type_geometry(instance, minutes[t], list(depots))
        reach = [a or b for a, b in zip(reach, geo.reach, strict=True)]
    return reach


def closed_form_people(instance: Instance, vehicles: list[tuple[str, str]] | None = None) -> float:
    """The people term bounded by who can be fetched and by reception beds (medical apart)."""
    avail = evacuable(instance, reachable_points(instance, vehicles))
    weights = {c: p.weight for c, p in instance.classes.items()}
    medical = {c for c, p in instance.classes.items() if p.medical}
    beds = sum(math.floor(r.capacity + 1e-9) for r in instance.receptions)
    medical_beds = sum(math.floor(r.capacity + 1e-9) for r in instance.receptions if r.medical)
    return min(
        greedy(weights, avail, []),
        greedy(weights, avail, [(set(instance.classes), beds), (medical, medical_beds)]),
    )


def cargo_bound(instance: Instance) -> float:
    """The cargo term: only what is needed counts, and only what the depots hold can go in.

    The referee allows TOL kg beyond each depot's supplies and TOL kg of overload per vehicle.
    """
    w = instance.cargo_weight
    if w <= 0:
        return 0.0
    needs = sum(g.needs_kg for g in instance.gathering)
    supplies = sum(dp.supplies_kg for dp in instance.depots)
    extra = TOL * (len(instance.depots) + 2 * len(instance.vehicles)) + 1e-9
    carriers = sum(instance.vehicle_types[v.type].cargo_kg for v in instance.vehicles)
    if carriers <= 0:
        return 0.0
    return w * min(needs, supplies + extra)
