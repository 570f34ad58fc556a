"""The scenario file as pydantic v2 models (the format is documented in ``docs/scenario.md``).

Coordinates are ``[lon, lat]`` in WGS 84 degrees, as in GeoJSON. Geometries are GeoJSON
geometries (or Features) inline, or ``{file: side.geojson}`` / ``{file: side.geojson, id: H1}``
pointing into a side file; the loader resolves side files before validation.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
import shapely.geometry
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from corridor.errors import InputError
from corridor.i18n import LOCALE_DIR, CatalogueMissing, catalogue_path, languages
from corridor.routing.graph import ROAD_CLASSES
from corridor.routing.profiles import VehicleProfile
from corridor.scenario.profiles import PRESETS, PresetName, guess_preset

NonNeg = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10**9, strict=False)]  # the planner takes up to 1e9
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
RoadClass = Literal[ROAD_CLASSES]  # type: ignore[valid-type]

HazardKind = Literal[
    "front_line", "shelling", "mines", "destroyed_bridge", "damaged_bridge", "other"
]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
UserKind = Literal["private_cars", "buses", "ambulances", "aid_trucks"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _lonlat(value: Any) -> Any:
    """Accept ``[lon, lat]`` or a GeoJSON Point; check the ranges."""
    if isinstance(value, dict) and value.get("type") == "Point":
        value = value.get("coordinates")
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError("must be [lon, lat]")
    lon, lat = value
    for v in (lon, lat):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("must be [lon, lat] with two numbers")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude {lat} is outside -90..90")
    return (float(lon), float(lat))


class Place(_Strict):
    id: Id
    name: str | None = None
    address: str | None = None
    location: tuple[float, float]

    _check_location = field_validator("location", mode="before")(_lonlat)


class Geometry(_Strict):
    """A GeoJSON geometry (after side files are resolved) turned into a shapely object."""

    type: Literal["Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point"]
    coordinates: Any

    def shape(self) -> shapely.Geometry:
        return shapely.geometry.shape({"type": self.type, "coordinates": self.coordinates})

    @model_validator(mode="after")
    def _valid(self) -> Geometry:
        try:
            g = self.shape()
        except Exception as exc:  # shapely raises several kinds on bad coordinates
            raise ValueError(f"bad {self.type} coordinates ({exc})") from exc
        if g.is_empty:
            raise ValueError(f"the {self.type} is empty")
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            raise ValueError(f"the {self.type} is not a valid shape ({reason})")
        lon0, lat0, lon1, lat1 = g.bounds
        if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
            raise ValueError("coordinates must be [lon, lat] in degrees")
        return self

    @model_validator(mode="before")
    @classmethod
    def _feature(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("type") == "Feature":
            return value.get("geometry")
        return value


class Hazard(_Strict):
    """A hazard: ``closed: true`` (no route may touch it) or a risk ``penalty``.

    ``penalty`` p makes a minute driven on a road touching the hazard cost 1 + p minutes when
    choosing routes. ``buffer_m`` widens the geometry (a mined road as a line plus 20 m).
    """

    id: Id
    name: str | None = None
    kind: HazardKind
    closed: bool = False
    penalty: NonNeg | None = None
    buffer_m: NonNeg = 0.0
    geometry: Geometry
    max_weight_t: Positive | None = None
    max_height_m: Positive | None = None
    max_width_m: Positive | None = None
    closed_for: list[Id] = Field(default_factory=list)
    bridges_only: bool = False

    @model_validator(mode="after")
    def _closed_or_penalty(self) -> Hazard:
        if self.closed and self.penalty is not None:
            raise ValueError("give either closed: true or a penalty, not both")
        if not self.closed and self.penalty is None:
            raise ValueError("needs closed: true or a penalty (risk) >= 0")
        if self.geometry.type == "Point" and self.buffer_m <= 0:
            raise ValueError("a Point hazard needs buffer_m > 0 (its radius in metres)")
        if not self.closed and (self.limits or self.closed_for):
            raise ValueError("limits (max_weight_t, ..., closed_for) need closed: true")
        return self

    @property
    def limits(self) -> dict[str, float]:
        """The limits above which the hazard closes its roads (empty: closed to everyone)."""
        names = ("max_weight_t", "max_height_m", "max_width_m")
        return {k: float(getattr(self, k)) for k in names if getattr(self, k) is not None}

    @property
    def closed_to_some(self) -> bool:
        return self.closed and bool(self.limits or self.closed_for)


class PeopleClass(_Strict):
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    stretcher: bool = False
    medical: bool = False


class VehicleType(_Strict):
    """What a vehicle carries and how it drives: a ``profile`` preset (guessed from what it
    carries when not given) whose weight, height, width, ``hgv`` and speeds per road class
    the fields here override; ``speed_factor`` scales its speed on every road."""

    seats: Count
    stretchers: Count = 0
    cargo_kg: NonNeg = 0.0
    speed_factor: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)] = 1.0
    profile: PresetName | None = None
    weight_t: Positive | None = None
    height_m: Positive | None = None
    width_m: Positive | None = None
    hgv: bool | None = None
    speed_kmh: dict[RoadClass, Positive] = Field(default_factory=dict)
    user_kind: UserKind | None = None

    @property
    def preset(self) -> str:
        return self.profile or guess_preset(self.seats, self.stretchers, self.cargo_kg)

    def routing_profile(self, name: str) -> VehicleProfile:
        """The routing profile of this type: its preset, with the fields given here."""
        p = PRESETS[self.preset]
        return VehicleProfile(
            name=name,
            weight_t=self.weight_t or p.weight_t,
            height_m=self.height_m or p.height_m,
            width_m=self.width_m or p.width_m,
            hgv=p.hgv if self.hgv is None else self.hgv,
            speed_kmh={**p.speed_kmh, **self.speed_kmh},
            speed_factor=self.speed_factor,
        )

    @property
    def agreement_kind(self) -> str:
        """The agreement's word for such vehicles (``users[].kind``)."""
        return self.user_kind or PRESETS[self.preset].user_kind


class Gathering(Place):
    people: dict[str, Count]
    needs_kg: NonNeg = 0.0


class Depot(Place):
    fleet: dict[str, Count]
    supplies_kg: NonNeg = 0.0


class Reception(Place):
    capacity: Count
    medical: bool = False


class Crossing(_Strict):
    service: NonNeg
    lanes: Count

    @model_validator(mode="after")
    def _takes_time(self) -> Crossing:
        if self.lanes and self.service <= 0:
            raise ValueError(
                "service must be > 0 minutes where the direction has lanes (a crossing takes "
                "time; a wave-through is still half a minute), got 0"
            )
        return self


class Checkpoint(Place):
    inward: Crossing = Field(alias="in")
    outward: Crossing = Field(alias="out")


class Window(_Strict):
    open: AwareDatetime
    close: AwareDatetime
    time_zone: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.close <= self.open:
            raise ValueError(f"close {self.close.isoformat()} is not after open")
        if self.time_zone is not None:
            try:
                zone = ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"time_zone {self.time_zone!r} is not an IANA time zone (e.g. Europe/Helsinki)"
                ) from None
            for key, at in (("open", self.open), ("close", self.close)):
                if at.astimezone(zone).utcoffset() != at.utcoffset():
                    raise ValueError(
                        f"{key} {at.isoformat()} has another UTC offset than {self.time_zone} "
                        f"({at.astimezone(zone).isoformat()})"
                    )
        return self

    @property
    def day(self) -> datetime:
        """Minute 0 of the plan: midnight of the opening's day, at the opening's UTC offset."""
        return self.open.replace(hour=0, minute=0, second=0, microsecond=0)

    def minutes(self) -> tuple[float, float]:
        """Open and close as minutes from midnight of the opening's local day."""
        return (_minutes(self.open - self.day), _minutes(self.close - self.day))


def _minutes(delta: Any) -> float:
    return float(delta.total_seconds()) / 60.0


class StopTime(_Strict):
    fixed: NonNeg = 0.0
    per_person: NonNeg = 0.0


class RoutingParams(_Strict):
    """How places meet roads and how routes are chosen."""

    snap_max_m: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 300.0
    boundary_max_m: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 300.0
    near_m: NonNeg = 150.0
    alternatives: Annotated[int, Field(ge=1, le=10)] = 3


class PublicInfo(_Strict):
    """How the corridor speaks to the public: languages, contact, CAP sender (docs/public.md)."""

    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]] = Field(
        default_factory=lambda: ["en"], min_length=1
    )
    contact: str | None = None
    sender: Annotated[str, Field(pattern=r"^[^\s,<&]+$", max_length=200)] = "corridor-coordinator"

    @field_validator("languages")
    @classmethod
    def _catalogued(cls, v: list[str]) -> list[str]:
        check_languages(v, "public.languages")
        return v


def check_languages(codes: list[str], where: str) -> None:
    """Each language named once and with a catalogue, refused when the scenario is checked
    (``compile``, the upload) rather than in the middle of an operation, at ``announce``.

    Raises an :class:`~corridor.errors.InputError` (:class:`~corridor.i18n.CatalogueMissing`
    for a language without a catalogue; exit code 2, HTTP 422) naming ``where[i]`` and the
    value. It is raised past pydantic on purpose (pydantic re-raises what is not a ValueError):
    the message made from a pydantic error keeps no value, and an HTTP problem carries it in
    ``errors[].value``.
    """
    have = languages()
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise InputError(
                f"{where}[{i}]",
                f"{code!r} is already {where}[{codes.index(code)}]: name each language once",
                code,
            )
        if code not in have:
            path = PurePosixPath("src") / catalogue_path(code).relative_to(LOCALE_DIR.parents[2])
            raise CatalogueMissing(
                f"{where}[{i}]",
                f"{code!r} has no catalogue (have {', '.join(have) or 'none'}); add {path} and "
                "run make setup",
                code,
            )


class Scenario(_Strict):
    name: Id
    description: str | None = None
    osm: str = Field(min_length=1)
    window: Window
    zone: Geometry
    hazards: list[Hazard] = Field(default_factory=list)
    classes: dict[str, PeopleClass]
    vehicle_types: dict[str, VehicleType]
    gathering: list[Gathering] = Field(min_length=1)
    depots: list[Depot] = Field(min_length=1)
    receptions: list[Reception] = Field(min_length=1)
    checkpoints: list[Checkpoint] = Field(min_length=1)
    stop_time: StopTime = StopTime()
    cargo_weight: NonNeg = 0.0
    routing: RoutingParams = RoutingParams()
    public: PublicInfo = PublicInfo()
    #: The noise of this place for ``corridor simulate`` (docs/simulation.md); omitted keys
    #: keep their defaults. Written into the instance's ``simulation`` object.
    simulation: dict[str, float] = Field(default_factory=dict)

    _source: Path | None = PrivateAttr(default=None)

    @field_validator("simulation")
    @classmethod
    def _known_noise(cls, v: dict[str, float]) -> dict[str, float]:
        from corridor.simulation.params import NoiseParams

        NoiseParams().with_overrides(v, "simulation")  # names the unknown key or bad value
        return v

    @field_validator("zone")
    @classmethod
    def _zone_is_area(cls, v: Geometry) -> Geometry:
        if v.type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"must be a Polygon or MultiPolygon, not a {v.type}")
        return v

    @property
    def source(self) -> Path | None:
        """The scenario file this was loaded from (None when built in code)."""
        return self._source

    @property
    def file_label(self) -> str:
        return self._source.name if self._source else "scenario"

    def osm_path(self) -> Path:
        """The OSM extract, relative to the scenario file's folder."""
        p = Path(self.osm)
        if not p.is_absolute() and self._source is not None:
            p = self._source.parent / p
        return p

    def places(self) -> list[Place]:
        return [*self.gathering, *self.depots, *self.receptions, *self.checkpoints]

    def open_close_minutes(self) -> tuple[float, float]:
        return self.window.minutes()
