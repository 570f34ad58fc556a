"""What a position report must say to be stored, and when it is stored but not trusted; what a
device must be bound to.

Against the plan in force (:mod:`corridor.services.operation_scope`): a report for a vehicle
that is not one of the operation's is refused, naming ``positions[i].vehicle``; so is binding a
Traccar Client device to such a vehicle (naming ``vehicle``: every report of the device would be
refused). Before a plan is published there is nothing to check against: any vehicle is bound and
reported for. A report far outside the operation's area (more than the setting
``CORRIDOR_LIVE_AREA_MARGIN_KM``, :attr:`LiveParams.area_margin_km`, from the bounding box of the
scenario's places) is stored, flagged ``suspect`` and never taken as the vehicle's latest nor
matched to its route: a device that mixes up latitude and longitude (1.567, 42.527 for Encamp,
Andorra) or loses its fix (0, 0) is not a vehicle thousands of kilometres off its route.

The default margin, 50 km, is far more than any fix error or detour of a corridor operation
(whose places lie within some tens of kilometres of each other; Andorra's are 20 km apart) and
far less than what a swapped pair of coordinates or a wrong sign moves a report (hundreds of
kilometres and more, except where latitude and longitude are nearly equal for a swap, or near
the equator or the prime meridian for a wrong sign).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.errors import InputError
from corridor.services.operation_scope import Scope, scope_of

if TYPE_CHECKING:
    from corridor.domain.operations import PositionReport
    from corridor.services.unit_of_work import UnitOfWork

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


def check_device_vehicle(uow: UnitOfWork, vehicle: str) -> None:
    """Refuse binding a device to a vehicle that is not one of the operation's (in the caller's
    open transaction, before anything is stored); before a plan is published, any vehicle."""
    scope = scope_of(uow)
    if scope is not None and vehicle not in scope.vehicles:
        raise InputError(
            "vehicle",
            f"{vehicle!r} is not a vehicle of the operation's plan: a device is bound to one of "
            "its vehicles (as its trip sheets name them, DEPOT/TYPE/k)",
            vehicle,
        )


def area_flag(scope: Scope | None, lat: float, lon: float, margin_m: float) -> str | None:
    """Why a report's place is not trusted (more than ``margin_m`` outside the operation's
    area), or None."""
    if scope is None or scope.metres_outside(lat, lon) <= margin_m:
        return None
    if abs(lon) <= 90 and scope.metres_outside(lon, lat) <= margin_m:
        return SWAPPED
    return OUTSIDE
