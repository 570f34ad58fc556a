"""The after-action report's data: the operation's records going in, the report coming out
(tables, the planned-against-actual chart), and the helpers that write its times and counts in
the corridor's own zone."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: A vehicle is "tracked" between two reports at most this far apart; a longer gap is silence.
TRACK_GAP_MIN = 10.0
#: A boarding counted this much later than planned is late in the stops table.
LATE_MIN = 10.0
#: Notifications listed one by one (beyond them, only those not acknowledged).
NOTIFICATIONS_LISTED = 15
#: While an operation is under way, its chart shows this much of the plan ahead of "now".
CHART_AHEAD_MIN = 90.0
#: A text (a signed reason, an incident, an alert) longer than this is cut at a word in its
#: table cell, with an ellipsis and where its whole text is: under the table (a row taller than
#: a printed page cannot be printed). Shorter texts are shown whole: nothing is cut silently.
WHOLE_TEXT_MAX = 1200


@dataclass(frozen=True)
class LogEntry:
    """One counted message of the agreement log, as the report names it."""

    index: int
    kind: str
    author: str
    at: dt.datetime
    detail: str = ""


@dataclass(frozen=True)
class OperationRecords:
    """Everything the report reads, as plain values (times are aware datetimes).

    ``plan_routes`` are the CEP plan's routes (stops with minutes since ``origin``), and
    ``plan_held`` the vehicles it holds where they are (a replan's stranded ones, and those it
    holds for a plan rule: :func:`stranded` tells them apart); positions,
    check-ins, incidents, notifications and alerts are the service's rows as its API shows them.
    """

    corridor: str
    generated_at: dt.datetime
    time_zone: str
    window: tuple[dt.datetime, dt.datetime] | None
    agreed_vehicles: int | None
    log: list[LogEntry]
    plan_id: int | None
    origin: dt.datetime | None
    plan_routes: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    reconciliation: dict[str, Any] | None = None
    #: Vehicles a replan held where they were (no way out, or a plan rule): the plan's
    #: ``held`` entries.
    plan_held: list[dict[str, Any]] = field(default_factory=list)
    #: The published versions before the plan in force, oldest first, each
    #: ``{"version", "plan_id", "routes", "held"}``; None: not read (a vehicle no longer in the
    #: plan in force is then listed without the version that planned it).
    earlier_versions: list[dict[str, Any]] | None = None
    #: People by class the scenario lists at its gathering points: every class of the scenario,
    #: 0 for a class it lists nobody of (empty: not known).
    scenario_people: dict[str, int] = field(default_factory=dict)
    #: The publication version of the plan in force (None: not known).
    plan_version: int | None = None


def stranded(held: dict[str, Any]) -> bool:
    """Whether a vehicle a replan holds (a plan's ``held`` entry, or its alert's data) is
    stranded: no way out of the zone, no road or no time left to take one. One held for a plan
    rule (its recorded state breaks them: ``rules``) is held, not stranded."""
    return bool(held.get("stranded", not held.get("rules")))


def held_label(held: dict[str, Any]) -> str:
    """``stranded`` for a vehicle with no way out, else ``held (REASON)``."""
    return "stranded" if stranded(held) else f"held ({held.get('reason') or 'no reason given'})"


def held_short(held: dict[str, Any]) -> str:
    """Why a vehicle is held, in a few words: ``stranded``, or the plan rules it breaks."""
    if stranded(held):
        return "stranded"
    rules = held.get("rules") or []
    if rules:
        return f"held: its recorded state breaks the plan rules [{', '.join(rules)}]"
    return f"held: {held.get('reason') or 'no reason given'}"


@dataclass(frozen=True)
class Fleet:
    """Every vehicle the report accounts for, each once: the routes of the plan in force, the
    vehicles it holds where they stand, those only an earlier published version planned or
    held (with the newest such version and its entry), and those that reported positions and
    that no version read planned: nothing lost between versions."""

    routes: list[dict[str, Any]]
    held: list[dict[str, Any]]
    earlier: list[tuple[str, int, dict[str, Any], bool]]
    """(vehicle, version, its route or held entry there, whether it was held there)"""
    unplanned: list[str]

    @property
    def names(self) -> set[str]:
        return (
            {str(r["vehicle"]) for r in self.routes}
            | {str(h["vehicle"]) for h in self.held}
            | {e[0] for e in self.earlier}
            | set(self.unplanned)
        )


def fleet(rec: OperationRecords, routes: list[dict[str, Any]]) -> Fleet:
    """The :class:`Fleet` of ``rec``; ``routes`` are the plan in force's routes that move."""
    held = sorted(rec.plan_held, key=lambda h: natural_key(str(h["vehicle"])))
    known = {str(r["vehicle"]) for r in routes} | {str(h["vehicle"]) for h in held}
    earlier: dict[str, tuple[str, int, dict[str, Any], bool]] = {}
    for version in rec.earlier_versions or []:  # oldest first: the newest one that had it wins
        entries = [(r, False) for r in version.get("routes") or [] if len(r.get("stops", [])) > 1]
        entries += [(h, True) for h in version.get("held") or []]
        for entry, was_held in entries:
            name = str(entry["vehicle"])
            if name not in known:
                earlier[name] = (name, int(version["version"]), entry, was_held)
    reported = {str(p["vehicle"]) for p in rec.positions}
    return Fleet(
        routes,
        held,
        sorted(earlier.values(), key=lambda e: natural_key(e[0])),
        sorted(reported - known - set(earlier), key=natural_key),
    )


def in_force_name(rec: OperationRecords) -> str:
    """The plan in force, as the report names it (``version 2``, or ``plan 7``)."""
    if rec.plan_version is not None:
        return f"version {rec.plan_version}"
    return f"plan {rec.plan_id}" if rec.plan_id is not None else "no plan"


@dataclass(frozen=True)
class Table:
    """A titled table: a header and rows of text; ``note`` says what it shows or why empty;
    ``whole`` the texts a cell shows cut (too long for a printed row), each whole, as
    (where it is from, text): the cell names the same place."""

    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    whole: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedActualRow:
    """One vehicle: its planned bars, its reported bars, and marks (check-ins, incidents)."""

    vehicle: str
    planned: list[tuple[float, float, str]]
    actual: list[tuple[float, float, str]]
    marks: list[tuple[float, str]]


@dataclass(frozen=True)
class PlannedActualChart:
    """Rows per vehicle on one time axis (minutes since ``origin``), the window's edges, and the
    suspensions as spans."""

    origin: dt.datetime
    open: float | None
    close: float | None
    rows: list[PlannedActualRow]
    suspended: list[tuple[float, float]]
    lo: float
    hi: float
    now: float | None = None
    """When the report was written, where it falls within the chart (an operation under way)."""


@dataclass(frozen=True)
class AfterActionReport:
    title: str
    subtitle: str
    headline: list[str]
    tables: list[Table]
    chart: PlannedActualChart | None
    incidents_at: list[tuple[str, float, float]] = field(default_factory=list)
    """(label, lon, lat) of each incident with a place, for the map."""


def natural_key(name: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def as_utc(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        at = value
    else:
        try:
            at = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


class ReportClock:
    """Times written in the corridor's own zone, and minutes on the plan's axis."""

    def __init__(self, zone: str, origin: dt.datetime | None) -> None:
        from zoneinfo import ZoneInfo

        try:
            self.zone: dt.tzinfo = ZoneInfo(zone)
        except (KeyError, ValueError):
            self.zone = dt.UTC
        self.origin = origin

    def hhmm(self, at: dt.datetime | None) -> str:
        return "–" if at is None else at.astimezone(self.zone).strftime("%H:%M")

    def day(self, at: dt.datetime) -> str:
        """The day with its year (``14 May 2026``)."""
        local = at.astimezone(self.zone)
        return f"{local.day} {local:%b %Y}"

    def day_hhmm(self, at: dt.datetime | None) -> str:
        return "–" if at is None else f"{self.day(at)} {self.hhmm(at)}"

    def minute(self, at: dt.datetime) -> float:
        assert self.origin is not None
        return (at - self.origin).total_seconds() / 60.0

    def at(self, minute: float) -> dt.datetime | None:
        return None if self.origin is None else self.origin + dt.timedelta(minutes=minute)


def minutes_text(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "–"
    m = delta.total_seconds() / 60.0
    return f"{m:.0f} min" if abs(m) >= 1 else f"{delta.total_seconds():.0f} s"


def counts_text(by_class: dict[str, int]) -> str:
    shown = [f"{c} {n}" for c, n in sorted(by_class.items()) if n]
    return ", ".join(shown) or "–"


def planned_people(routes: list[dict[str, Any]]) -> Counter[str]:
    """People by class the plan takes out (boarded at gathering points)."""
    out: Counter[str] = Counter()
    for r in routes:
        for s in r.get("stops", []):
            out.update(s.get("board") or {})
    return out


def window_text(rec: OperationRecords, clock: ReportClock) -> str:
    if rec.window is None:
        return "none (the agreement names no complete window)"
    a, b = rec.window
    same_day = clock.day(a) == clock.day(b)
    return f"{clock.day_hhmm(a)}–{clock.hhmm(b) if same_day else clock.day_hhmm(b)}"


def shown_text(text: str, where: str, whole: list[tuple[str, str]]) -> str:
    """``text`` whole, or (over WHOLE_TEXT_MAX characters) cut at a word with an ellipsis and
    ``where`` its whole text is, which is then added to ``whole``: never cut mid-word, never
    cut without saying so."""
    text = str(text)
    if len(text) <= WHOLE_TEXT_MAX:
        return text
    head = text[:WHOLE_TEXT_MAX]
    cut = max(head.rfind(" "), head.rfind("\n"))
    head = head[:cut] if cut > WHOLE_TEXT_MAX // 2 else head
    whole.append((where, text))
    return f"{head.rstrip(' ,;:')} … (cut here; whole text below the table: {where})"


def suspension_spans(
    log: list[LogEntry], until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """(suspended at, resumed at or None) from the log's suspension and resumption messages;
    a corridor resumes with the second party's resumption."""
    spans: list[tuple[dt.datetime, dt.datetime | None]] = []
    start: dt.datetime | None = None
    resumed: set[str] = set()
    for e in sorted(log, key=lambda e: e.index):
        if e.kind == "suspension" and start is None:
            start, resumed = e.at, set()
        elif e.kind == "resumption" and start is not None:
            resumed.add(e.author)
            if len(resumed) >= 2:
                spans.append((start, e.at))
                start = None
    if start is not None:
        spans.append((start, None))
    return spans
