"""What the routes answer: one pinned shape per route, so that the OpenAPI schema says what comes
back and the dashboard reads exactly that shape (no guessing between several).

The models forbid keys they do not name: a service that starts returning a new key fails the
tests until the model (and with it the schema in ``/openapi.json``) says so, instead of the key
vanishing silently. Documents defined elsewhere (an agreement document, a CEP plan, a simulation
summary, GeoJSON features) stay objects here; their formats are in ``docs/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from corridor.domain.access import Role

#: An aware instant, written as ``datetime.isoformat()`` writes it (``…+00:00``, never ``Z``),
#: as the API always has.
Instant = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
Counts = dict[str, int]
Document = dict[str, Any]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeOut(Out):
    user_id: int
    name: str
    role: Role
    party: Literal["A", "B"] | None = Field(description="the party a liaison speaks for")
    vehicle: str | None = Field(description="a driver's own vehicle")
    organisation_id: int
    may: list[str] = Field(
        description="every action of the access table this role may perform (docs/api.md), "
        "sorted; a client asks only for what it may, and shows what it may do"
    )


class ConfigOut(Out):
    tiles_url: str | None = Field(description="a background tile address; null: no tiles")
    attribution: str


class ClockOut(Out):
    now: Instant
    rate: float = Field(description="how fast the clock runs against real time (1 but in a replay)")


class WindowOut(Out):
    opens: Instant
    closes: Instant
    time_zone: str = Field(description="the IANA time zone the agreement names")


class CheckItemOut(Out):
    ok: bool
    text: str = Field(description="a sub-item (a missing term) starts with two spaces")


class VersionOut(Out):
    number: int
    hash: str = Field(description="sha256 of the signed statement that introduced the version")
    author: str
    index: int = Field(description="the log entry")
    document: Document = Field(description="the proposal document (docs/agreement.md)")
    accepted_by: list[str] = Field(description="the party roles that accepted this version")


class CorridorListed(Out):
    id: str
    as_of: Instant = Field(description="the service's time the state was worked out at")
    status: Literal["draft", "proposed", "agreed", "confirmed", "active", "suspended", "closed"]
    description: str
    ready: bool
    latest: int | None = Field(description="the latest version's number")
    missing: list[str]
    window: WindowOut | None = Field(description="the latest version's window, when complete")


class KeysOut(Out):
    confirmed: dict[str, str] = Field(description="role -> its key, confirmed in the log")
    awaiting_confirmation: dict[str, str] = Field(description="role -> a key not yet confirmed")
    events: list[Document] = Field(description="what happened to which key, in log order")


class CorridorOut(CorridorListed):
    checklist: list[CheckItemOut]
    participants: dict[str, Document]
    organisations: dict[str, str] = Field(description="role -> the organisation speaking for it")
    keys: KeysOut
    versions: list[VersionOut]
    acceptances: dict[str, str] = Field(description="party role -> hash of the version accepted")
    confirmations: dict[str, str] = Field(description="party role -> hash of the version")
    suspension: Document | None
    withdrawal: Document | None
    incidents: list[Document]
    movements: dict[str, Document]
    history: list[str]


class DiffOut(Out):
    model_config = ConfigDict(populate_by_name=True)

    corridor: str
    first: int = Field(alias="from")
    second: int = Field(alias="to")
    changes: list[str] = Field(description="one sentence per changed term")


class FeatureCollectionOut(Out):
    type: Literal["FeatureCollection"]
    features: list[Document] = Field(
        description="GeoJSON features; ``properties.layer`` names each"
    )
    name: str | None = None
    attribution: str | None = None
    check: Document | None = Field(default=None, description="the scenario's reachability check")


class ScenarioListed(Out):
    id: int
    name: str
    created_at: Instant
    user_id: int
    compiled: bool


class ScenarioOut(Out):
    id: int
    name: str
    created_at: Instant
    origin: str | None = Field(description="ISO time of minute 0 of the plan's clock")
    source: str = Field(description="the scenario YAML")


class PlanListed(Out):
    id: int
    scenario_id: int
    status: Literal["queued", "running", "done", "rejected", "failed"] = Field(
        description="rejected: the plan broke a rule of the format or of the agreement"
    )
    progress: float
    score: float | None
    upper_bound: float | None
    error: str | None
    created_at: Instant
    finished_at: Instant | None


class MinuteWindow(Out):
    open: float = Field(description="minutes after the plan's clock origin")
    close: float


class PlanOut(PlanListed):
    params: Document
    plan: Document | None = Field(description="the CEP plan (data/cep/FORMAT.md) once done")
    report: Document | None
    user_id: int
    origin: str | None = Field(description="ISO time of minute 0 of the plan's clock")
    window: MinuteWindow | None = Field(default=None, description="the scenario's window")


class RouteOut(Out):
    vehicle: str
    stops: list[Document] = Field(description="the stops of the CEP plan format")


class ProgressOut(Out):
    plan: int | None = Field(description="the plan in force (newest published), null before")
    planned: Counts = Field(description="people by class the plan evacuates")
    boarded: Counts
    evacuated: Counts = Field(description="people by class who arrived at a reception centre")
    aboard: Counts = Field(description="people aboard, by vehicle")
    waiting: Counts = Field(description="people still waiting, by gathering point")
    arrived_at: Counts = Field(description="people arrived, by reception centre")


class RegistrySummaryOut(Out):
    total: int
    by_class: Counts
    by_gathering: Counts
    by_vehicle: Counts
    by_status: Counts


class PositionOut(Out):
    id: int
    vehicle: str
    client_id: str
    at: Instant
    lat: float
    lon: float
    speed_kmh: float | None
    heading: float | None
    received_at: Instant
    #: Why the report is not trusted (its device clock: ``clock_ahead``, ``clock_behind``).
    suspect: str | None = None


class IncidentOut(Out):
    id: int
    user_id: int
    client_id: str
    kind: str
    severity: Literal["info", "warning", "critical"]
    description: str
    at: Instant
    vehicle: str | None
    lat: float | None
    lon: float | None
    received_at: Instant


class EvacueeOut(Out):
    id: int
    client_id: str
    household: str
    people_class: str
    gathering: str
    vehicle: str | None
    status: str
    registered_at: Instant
    anonymised_at: Instant | None
    expires: dict[str, Instant] = Field(description="when each personal field is erased")
    name: str | None
    needs: str | None
    contact: str | None


class SimulationListed(Out):
    id: int
    plan_id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    params: Document
    error: str | None
    created_at: Instant
    finished_at: Instant | None
    user_id: int


class SimulationOut(SimulationListed):
    summary: Document | None = Field(description="once done: docs/simulation.md")


class LanguageOut(Out):
    code: str
    name: str = Field(description="the language's name in that language")


class LanguagesOut(Out):
    source: str = Field(description="the language the texts are written in")
    languages: list[LanguageOut]


class CatalogueOut(Out):
    language: str
    plural: dict[str, int] = Field(
        description="CLDR plural category (Intl.PluralRules) -> index of the plural form"
    )
    messages: dict[str, str | list[str]] = Field(
        description="msgid -> translation; a plural message (keyed by its singular) has one "
        "form per index"
    )
