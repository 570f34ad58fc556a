"""What the public texts say, gathered in one value: the signed terms and the scenario's places.

Built by the services from the log (the version both parties signed), the scenario (gathering
points, reception centres, the public section: languages, contact, sender) and, when there is
one, the published plan (departures per gathering point, checkpoints crossed). No personal data
enters here: places, times, counts and the agreement's own words only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from corridor.domain.proposal import window_bounds


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Crossing:
    """A vehicle passing a checkpoint in the plan (no names: a vehicle id and a headcount)."""

    checkpoint: str
    at: dt.datetime
    direction: str  # "in" (into the area) or "out"
    vehicle: str
    people: int


@dataclass(frozen=True)
class PublicFacts:
    corridor: str
    version: int
    document: dict[str, Any]
    gathering: list[Place]
    receptions: list[Place]
    languages: list[str]
    sender: str = "corridor-coordinator"
    contact: str | None = None
    departures: dict[str, list[dt.datetime]] = field(default_factory=dict)
    """gathering point id -> planned departures of vehicles carrying people from it."""
    via: dict[str, list[str]] = field(default_factory=dict)
    """gathering point id -> names of the checkpoints its vehicles leave through."""
    crossings: list[Crossing] = field(default_factory=list)

    @property
    def zone(self) -> str:
        return str(self.document["window"]["time_zone"])

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        bounds = window_bounds(self.document)
        if bounds is None:  # a signed version is complete: this is a programming error
            raise ValueError(f"corridor {self.corridor} version {self.version} has no window")
        return bounds

    @property
    def checkpoint_names(self) -> list[str]:
        return [str(c["name"]) for c in self.document.get("checkpoints") or []]

    @property
    def destinations(self) -> list[str]:
        return [str(d) for d in (self.document.get("destinations") or {}).get("options") or []]

    def gathering_point(self, ident: str) -> Place:
        for place in self.gathering:
            if place.id == ident:
                return place
        raise KeyError(ident)
