"""Request and response bodies. Validation at the edge: bounds, lengths, known kinds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from corridor.domain.access import Role
from corridor.planning.retime import BUFFER

ClientId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Ref = Annotated[str, Field(min_length=1, max_length=200)]
#: People are whole: ``true``, ``"3"`` and ``2.0`` are refused by name, not stored as 1, 3, 2.
Count = Annotated[int, Field(ge=0, le=100_000, strict=True)]
#: A database id in a path: bounded, so no value overflows a 64-bit column.
IdPath = Annotated[int, Path(ge=0, le=2**62)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone (for example 2026-11-29T08:00:00Z)")
    if not 1970 <= value.year <= 9998:
        raise ValueError("is outside the years 1970-9998")
    return value


Moment = Annotated[datetime, AfterValidator(_aware)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationIn(Strict):
    name: Name


class UserIn(Strict):
    organisation_id: Annotated[int, Field(ge=1, le=2**62)]
    name: Name
    role: Role
    vehicle: Ref | None = None


class TokenIn(Strict):
    label: Annotated[str, Field(max_length=200)] = ""


class IssuedTokenOut(BaseModel):
    user_id: int
    token_id: int
    token: str = Field(description="Shown once; only its hash is stored")


class PositionIn(Strict):
    client_id: ClientId
    vehicle: Ref
    at: Moment
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    speed_kmh: Annotated[float, Field(ge=0, le=400)] | None = None
    heading: Annotated[float, Field(ge=0, lt=360)] | None = None


class PositionsIn(Strict):
    positions: Annotated[list[PositionIn], Field(min_length=1)]


class PositionsOut(BaseModel):
    accepted: int
    duplicates: int


class CheckInIn(Strict):
    client_id: ClientId
    kind: Literal["boarding", "arrival"]
    vehicle: Ref
    place: Ref
    at: Moment
    people: dict[Annotated[str, Field(min_length=1, max_length=64)], Count] = Field(
        description="people by class", max_length=32
    )
    evacuees: Annotated[list[Annotated[int, Field(ge=1, le=2**62)]], Field(max_length=500)] = []


class Created(BaseModel):
    id: int
    created: bool = Field(description="false when this was a retry of a request already stored")


class IncidentIn(Strict):
    client_id: ClientId
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    severity: Literal["info", "warning", "critical"]
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    at: Moment
    vehicle: Ref | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class NotificationIn(Strict):
    kind: Literal["movement", "site", "ceasefire"]
    parties: Literal["A", "B", "AB"]
    subject: Name
    body: dict[str, Any] = {}


class AckIn(Strict):
    note: Annotated[str, Field(max_length=2000)] = ""


class EvacueeIn(Strict):
    client_id: ClientId
    household: Annotated[str, Field(min_length=1, max_length=100)]
    people_class: Annotated[str, Field(min_length=1, max_length=64)]
    gathering: Ref
    name: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    needs: Annotated[str, Field(max_length=2000)] | None = None
    contact: Annotated[str, Field(max_length=300)] | None = None
    vehicle: Ref | None = Field(
        default=None, description="the vehicle whose manifest the person is on (DEPOT/TYPE/k)"
    )


class AssignIn(Strict):
    vehicle: Ref | None


class PurgeIn(Strict):
    as_of: Moment | None = None
    dry_run: bool = False


class DraftIn(Strict):
    title: Name
    body: dict[str, Any]


class ScenarioIn(Strict):
    name: Name
    source: Annotated[str, Field(min_length=1, max_length=900_000, description="scenario YAML")]


VehicleName = Annotated[str, Field(min_length=1, max_length=200)]
#: ``corridor plan --ahead``: how long before its out-lane slot a loaded vehicle reaches the lane.
Ahead = Annotated[
    float,
    Field(
        ge=0,
        le=600,
        allow_inf_nan=False,
        strict=True,
        description="at most, minutes a loaded vehicle waits at its out-lane: its boarding is "
        "timed so that it reaches the lane this long before its slot, and it comes to its "
        "in-crossing this long ahead (waiting at its depot or centre rather than at the "
        "checkpoint)",
    ),
]


class PlanIn(Strict):
    scenario_id: Annotated[int, Field(ge=1, le=2**62)]
    corridor: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="the agreed corridor whose terms the plan keeps (its id in the log)",
        ),
    ]
    time_limit: Annotated[float, Field(gt=0, le=600)] = 10.0
    seed: Annotated[int, Field(ge=0, le=2**31)] = 1
    iterations: Annotated[int | None, Field(ge=0, le=100_000, strict=True)] = Field(
        default=None,
        description="a cap on the improvement iterations: with the seed, the same plan on any "
        "machine, as long as the cap is reached within the time limit",
    )
    pinned_vehicles: list[VehicleName] = Field(
        default=[], max_length=5000, description="vehicles (DEPOT/TYPE/k) the plan must use"
    )
    excluded_vehicles: list[VehicleName] = Field(
        default=[], max_length=5000, description="vehicles the plan must not use"
    )
    ahead: Ahead = BUFFER
