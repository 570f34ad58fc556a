"""The CEP instance (``data/cep/FORMAT.md``) as plain frozen dataclasses and numpy arrays.

:mod:`corridor.planning.instance` reads one from JSON. Travel matrices are numpy arrays with
``nan`` for a missing road, indexed through ``outside_index`` / ``inside_index``. A vehicle
type with its own roads (``travel.by_type``) has its matrices in :attr:`Instance.by_type`,
reordered to the shared ids; :meth:`Instance.travel_of` gives the matrices any type drives on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PeopleClass:
    name: str
    weight: float
    stretcher: bool = False
    medical: bool = False


@dataclass(frozen=True)
class VehicleType:
    name: str
    seats: int
    stretchers: int = 0
    cargo_kg: float = 0.0


@dataclass(frozen=True)
class Depot:
    id: str
    fleet: dict[str, int]
    supplies_kg: float = 0.0


@dataclass(frozen=True)
class Reception:
    id: str
    capacity: float
    medical: bool = False


@dataclass(frozen=True)
class Crossing:
    """One direction of a checkpoint: minutes of service per vehicle and parallel lanes."""

    service: float
    lanes: int


@dataclass(frozen=True)
class Checkpoint:
    id: str
    inward: Crossing
    outward: Crossing

    def direction(self, d: str) -> Crossing:
        return self.inward if d == "in" else self.outward


@dataclass(frozen=True)
class Gathering:
    id: str
    people: dict[str, int]
    needs_kg: float = 0.0


@dataclass(frozen=True)
class Vehicle:
    """A vehicle of the fleet, named ``depot/type/k`` as the format requires."""

    name: str
    depot: str
    type: str


@dataclass(frozen=True)
class TypeTravel:
    """The matrices one vehicle type drives on, over the shared ids in the shared order."""

    outside: FloatArray
    inside: FloatArray


@dataclass(frozen=True)
class Instance:
    name: str
    open: float
    close: float
    classes: dict[str, PeopleClass]
    cargo_weight: float
    stop_fixed: float
    stop_per_person: float
    vehicle_types: dict[str, VehicleType]
    depots: list[Depot]
    receptions: list[Reception]
    checkpoints: list[Checkpoint]
    gathering: list[Gathering]
    outside_ids: list[str]
    outside: FloatArray
    inside_ids: list[str]
    inside: FloatArray
    raw: dict[str, Any] = field(repr=False, compare=False)
    by_type: dict[str, TypeTravel] = field(default_factory=dict, repr=False, compare=False)
    max_vehicles: int | None = None  # at most this many vehicles may leave their depot

    def travel_of(self, vehicle_type: str | None) -> TypeTravel:
        """The matrices vehicles of ``vehicle_type`` drive on (the shared ones by default)."""
        own = self.by_type.get(vehicle_type) if vehicle_type is not None else None
        return own if own is not None else TypeTravel(self.outside, self.inside)

    @property
    def types_with_roads(self) -> list[str | None]:
        """``None`` (the shared matrices) when some type uses them, then each type with its
        own: the distinct road networks a plan may use."""
        shared = any(t not in self.by_type for t in self.vehicle_types)
        return ([None] if shared or not self.vehicle_types else []) + list(self.by_type)

    @property
    def outside_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.outside_ids)}

    @property
    def inside_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.inside_ids)}

    @property
    def vehicles(self) -> list[Vehicle]:
        return [
            Vehicle(f"{d.id}/{t}/{k}", d.id, t)
            for d in self.depots
            for t, n in d.fleet.items()
            for k in range(n)
        ]

    def outside_minutes(self, a: str, b: str, vehicle_type: str | None = None) -> float | None:
        """Driving minutes outside the zone from ``a`` to ``b`` for ``vehicle_type`` (the
        shared matrix by default); None where there is no road."""
        idx = self.outside_index
        v = float(self.travel_of(vehicle_type).outside[idx[a], idx[b]])
        return None if math.isnan(v) else v

    def inside_minutes(self, a: str, b: str, vehicle_type: str | None = None) -> float | None:
        """Driving minutes inside the zone from ``a`` to ``b`` for ``vehicle_type`` (the shared
        matrix by default); None where there is no road."""
        idx = self.inside_index
        v = float(self.travel_of(vehicle_type).inside[idx[a], idx[b]])
        return None if math.isnan(v) else v

    def stop_minutes(self, people: int, busy: bool = True) -> float:
        """Minutes a stop must last when ``people`` board or alight (or cargo moves)."""
        if not busy and people == 0:
            return 0.0
        return self.stop_fixed + self.stop_per_person * people
