"""What a position report must say to be stored, and when it is stored but not trusted.

Against the plan in force (:mod:`corridor.services.operation_scope`): a report for a vehicle
that is not one of the operation's is refused, naming ``positions[i].vehicle``. A report far
outside the operation's area (more than :data:`AREA_MARGIN_M` from the bounding box of the
scenario's places) is stored, flagged ``suspect`` and never taken as the vehicle's latest nor
matched to its route: a device that mixes up latitude and longitude (1.567, 42.527 for Encamp,
Andorra) or loses its fix (0, 0) is not a vehicle thousands of kilometres off its route.

The margin, 50 km, is far more than any fix error or detour of a corridor operation (whose
places lie within some tens of kilometres of each other; Andorra's are 20 km apart) and far less
than what a swapped pair of coordinates or a wrong sign moves a report (hundreds of kilometres
and more, except where latitude and longitude are nearly equal for a swap, or near the equator
or the prime meridian for a wrong sign).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.errors import InputError
from corridor.services.operation_scope import Scope, scope_of

if TYPE_CHECKING:
    from corridor.domain.operations import PositionReport
    from corridor.services.unit_of_work import UnitOfWork

#: How far (m) outside the bounding box of the operation's places a report may lie and still
#: be trusted.
AREA_MARGIN_M = 50_000.0
#: The ``suspect`` flags of a report outside the area (at most 32 characters: the column's).
OUTSIDE = "lat/lon outside the area"
SWAPPED = "lat/lon outside area: swapped?"


def check_vehicles(uow: UnitOfWork, reports: list[PositionReport]) -> Scope | None:
    """Refuse a batch naming a vehicle that is not one of the operation's (nothing of it is
    stored); returns the operation (None before a plan is published: nothing to check)."""
    scope = scope_of(uow)
    if scope is None:
        return None
    for i, r in enumerate(reports):
        if r.vehicle not in scope.vehicles:
            raise InputError(
                f"positions[{i}].vehicle",
                f"{r.vehicle!r} is not a vehicle of the operation's plan",
                r.vehicle,
            )
    return scope


def area_flag(scope: Scope | None, lat: float, lon: float) -> str | None:
    """Why a report's place is not trusted (far outside the operation's area), or None."""
    if scope is None or scope.metres_outside(lat, lon) <= AREA_MARGIN_M:
        return None
    if abs(lon) <= 90 and scope.metres_outside(lon, lat) <= AREA_MARGIN_M:
        return SWAPPED
    return OUTSIDE
