"""The after-action report: what was agreed against what happened, as plain data.

:func:`after_action` reads :class:`OperationRecords` (plain values gathered from the log and the
operation tables by :mod:`corridor.services.after_action`) and returns an
:class:`AfterActionReport`: the window, the vehicles, people out by class against the plan, each
incident and each suspension with who and when, the notifications and how long each party took
to acknowledge them, the alerts and how fast they were acknowledged, and the reconciliation per
vehicle. It holds the planned-against-actual chart (:class:`PlannedActualChart`) too; the
adapters draw it and write the files (:mod:`corridor.adapters.after_action_files`), and
:mod:`corridor.reporting.after_action_html` writes the page. Counts only: no names.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: A vehicle is "tracked" between two reports at most this far apart; a longer gap is silence.
TRACK_GAP_MIN = 10.0
#: A boarding counted this much later than planned is late in the stops table.
LATE_MIN = 10.0


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

    ``plan_routes`` are the CEP plan's routes (stops with minutes since ``origin``); positions,
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


@dataclass(frozen=True)
class Table:
    """A titled table: a header and rows of text; ``note`` says what it shows or why empty."""

    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


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


@dataclass(frozen=True)
class AfterActionReport:
    title: str
    subtitle: str
    headline: list[str]
    tables: list[Table]
    chart: PlannedActualChart | None
    incidents_at: list[tuple[str, float, float]] = field(default_factory=list)
    """(label, lon, lat) of each incident with a place, for the map."""


def _natural(name: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _utc(value: Any) -> dt.datetime | None:
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


class _Clock:
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

    def day_hhmm(self, at: dt.datetime | None) -> str:
        return "–" if at is None else at.astimezone(self.zone).strftime("%d %b %H:%M")

    def minute(self, at: dt.datetime) -> float:
        assert self.origin is not None
        return (at - self.origin).total_seconds() / 60.0

    def at(self, minute: float) -> dt.datetime | None:
        return None if self.origin is None else self.origin + dt.timedelta(minutes=minute)


def _minutes(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "–"
    m = delta.total_seconds() / 60.0
    return f"{m:.0f} min" if abs(m) >= 1 else f"{delta.total_seconds():.0f} s"


def _counts(by_class: dict[str, int]) -> str:
    shown = [f"{c} {n}" for c, n in sorted(by_class.items()) if n]
    return ", ".join(shown) or "–"


def planned_people(routes: list[dict[str, Any]]) -> Counter[str]:
    """People by class the plan takes out (boarded at gathering points)."""
    out: Counter[str] = Counter()
    for r in routes:
        for s in r.get("stops", []):
            out.update(s.get("board") or {})
    return out


def after_action(rec: OperationRecords) -> AfterActionReport:
    """The report of one operation from its records."""
    clock = _Clock(rec.time_zone, rec.origin)
    routes = sorted(
        (r for r in rec.plan_routes if len(r.get("stops", [])) > 1),
        key=lambda r: _natural(str(r["vehicle"])),
    )
    boarded: Counter[str] = Counter()
    arrived: Counter[str] = Counter()
    for c in rec.checkins:
        (boarded if c["kind"] == "boarding" else arrived).update(c["people"])
    planned = planned_people(routes)
    reporting = sorted({str(p["vehicle"]) for p in rec.positions}, key=_natural)
    suspensions = _suspension_spans(rec.log, rec.generated_at)

    headline = [
        f"Window agreed: {_window_text(rec, clock)}.",
        f"Vehicles: {len(routes)} planned"
        + (f" (agreed at most {rec.agreed_vehicles})" if rec.agreed_vehicles else "")
        + f", {len(reporting)} reported their position.",
        f"People out: {sum(arrived.values())} arrived of {sum(boarded.values())} boarded; "
        f"the plan takes out {sum(planned.values())}.",
        f"Incidents: {len(rec.incidents)} reported"
        + (
            f", {sum(1 for i in rec.incidents if i['severity'] == 'critical')} critical"
            if rec.incidents
            else ""
        )
        + f"; suspensions: {len(suspensions)}.",
        f"Alerts: {len(rec.alerts)}; notifications: {len(rec.notifications)}.",
    ]
    tables = [
        _agreed_vs_happened(rec, clock, routes, reporting, planned, boarded, arrived),
        _people_table(planned, boarded, arrived),
        _vehicles_table(rec, clock, routes),
        _incidents_table(rec, clock),
        _log_table(rec, clock),
        _notifications_table(rec, clock),
        _alerts_table(rec, clock),
        _reconciliation_table(rec),
    ]
    chart = _chart(rec, clock, routes, suspensions) if rec.origin is not None else None
    spots = [
        (f"I{i['id']}", float(i["lon"]), float(i["lat"]))
        for i in rec.incidents
        if i.get("lat") is not None and i.get("lon") is not None
    ]
    return AfterActionReport(
        title=f"After-action report: {rec.corridor}",
        subtitle=f"Written {clock.day_hhmm(rec.generated_at)} ({rec.time_zone})"
        + (f" from plan {rec.plan_id}" if rec.plan_id is not None else "")
        + f" and {len(rec.log)} log entries; counts only, no names.",
        headline=headline,
        tables=tables,
        chart=chart,
        incidents_at=spots,
    )


def _window_text(rec: OperationRecords, clock: _Clock) -> str:
    if rec.window is None:
        return "none (the agreement names no complete window)"
    a, b = rec.window
    return f"{clock.day_hhmm(a)}–{clock.hhmm(b)}"


def _suspension_spans(
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


def _agreed_vs_happened(
    rec: OperationRecords,
    clock: _Clock,
    routes: list[dict[str, Any]],
    reporting: list[str],
    planned: Counter[str],
    boarded: Counter[str],
    arrived: Counter[str],
) -> Table:
    first_move = min(
        (_utc(p["at"]) for p in rec.positions), default=None, key=lambda t: t or rec.generated_at
    )
    last_move = max(
        (_utc(p["at"]) for p in rec.positions), default=None, key=lambda t: t or rec.generated_at
    )
    last_arrival = max(
        (_utc(c["at"]) for c in rec.checkins if c["kind"] == "arrival"),
        default=None,
        key=lambda t: t or rec.generated_at,
    )
    confirmed = [e for e in rec.log if e.kind == "ceasefire-start"]
    after_close = ""
    if rec.window is not None and last_move is not None and last_move > rec.window[1]:
        after_close = f" ({_minutes(last_move - rec.window[1])} after the window closed)"
    planned_first = min((float(r["stops"][0].get("depart", 0)) for r in routes), default=None)
    planned_last = max((float(r["stops"][-1].get("arrive", 0)) for r in routes), default=None)
    rows = [
        [
            "Ceasefire window",
            _window_text(rec, clock),
            "confirmed by " + ", ".join(f"{e.author} at {clock.hhmm(e.at)}" for e in confirmed)
            if confirmed
            else "no ceasefire confirmation in the log",
        ],
        [
            "Movement",
            f"{clock.hhmm(clock.at(planned_first) if planned_first is not None else None)}"
            f"–{clock.hhmm(clock.at(planned_last) if planned_last is not None else None)} (plan)",
            f"first report {clock.hhmm(first_move)}, last {clock.hhmm(last_move)}{after_close}",
        ],
        [
            "Vehicles",
            f"{len(routes)} in the plan"
            + (f", at most {rec.agreed_vehicles} agreed" if rec.agreed_vehicles else ""),
            f"{len(reporting)} reported positions",
        ],
        [
            "People out",
            f"{sum(planned.values())}: {_counts(dict(planned))}",
            f"{sum(boarded.values())} boarded, {sum(arrived.values())} arrived"
            + (f" (last arrival {clock.hhmm(last_arrival)})" if last_arrival else ""),
        ],
    ]
    return Table("Agreed against what happened", ["", "agreed / planned", "happened"], rows)


def _people_table(planned: Counter[str], boarded: Counter[str], arrived: Counter[str]) -> Table:
    classes = sorted(set(planned) | set(boarded) | set(arrived))
    rows = [
        [c, str(planned[c]), str(boarded[c]), str(arrived[c]), str(boarded[c] - arrived[c])]
        for c in classes
    ]
    rows.append(
        [
            "all",
            *(str(sum(x.values())) for x in (planned, boarded, arrived)),
            str(sum(boarded.values()) - sum(arrived.values())),
        ]
    )
    return Table(
        "People out by class against the plan",
        ["class", "planned", "boarded", "arrived", "boarded, not arrived"],
        rows,
    )


def _vehicles_table(rec: OperationRecords, clock: _Clock, routes: list[dict[str, Any]]) -> Table:
    rows = []
    for r in routes:
        v = str(r["vehicle"])
        stops = r["stops"]
        fixes = sorted(_utc(p["at"]) for p in rec.positions if p["vehicle"] == v)  # type: ignore[type-var]
        board = [c for c in rec.checkins if c["vehicle"] == v and c["kind"] == "boarding"]
        delays = []
        for c in board:
            at = _utc(c["at"])
            # the planned visit nearest in time: a vehicle may board twice at one place
            planned_at = min(
                (
                    t
                    for st in stops
                    if st["at"] == c["place"]
                    and st.get("board")
                    and (t := clock.at(float(st["depart"]))) is not None
                ),
                key=lambda t: abs((t - at).total_seconds()) if at else 0.0,
                default=None,
            )
            if at and planned_at:
                delays.append((at - planned_at).total_seconds() / 60.0)
        late = max(delays, default=None)
        rows.append(
            [
                v,
                f"{clock.hhmm(clock.at(float(stops[0].get('depart', 0))))}–"
                f"{clock.hhmm(clock.at(float(stops[-1].get('arrive', 0))))}",
                f"{clock.hhmm(fixes[0])}–{clock.hhmm(fixes[-1])}" if fixes else "no report",
                str(len(fixes)),
                "–" if late is None else (f"+{late:.0f} min" if late >= LATE_MIN else "on time"),
            ]
        )
    return Table(
        "Vehicles: planned against reported",
        ["vehicle", "planned (leave–back)", "reported (first–last)", "reports", "boarding vs plan"],
        rows,
        "" if rows else "No plan was published.",
    )


def _incidents_table(rec: OperationRecords, clock: _Clock) -> Table:
    rows = [
        [
            f"I{i['id']}",
            clock.hhmm(_utc(i["at"])),
            i["severity"],
            i["kind"],
            i.get("vehicle") or "–",
            str(i.get("reported_by") or "–"),
            clock.hhmm(_utc(i.get("received_at"))),
            str(i["description"])[:160],
        ]
        for i in rec.incidents
    ]
    return Table(
        "Incidents",
        ["", "at", "severity", "kind", "vehicle", "reported by", "received", "what was seen"],
        rows,
        "" if rows else "No incident was reported.",
    )


def _log_table(rec: OperationRecords, clock: _Clock) -> Table:
    shown = ("ceasefire-start", "suspension", "resumption", "incident", "withdrawal")
    rows = [
        [f"#{e.index}", clock.day_hhmm(e.at), e.kind, e.author, e.detail[:160]]
        for e in sorted(rec.log, key=lambda e: e.index)
        if e.kind in shown
    ]
    spans = _suspension_spans(rec.log, rec.generated_at)
    note = "; ".join(
        f"suspended {clock.hhmm(a)}–{clock.hhmm(b) if b else 'still suspended'}"
        + (f" ({_minutes(b - a)})" if b else "")
        for a, b in spans
    )
    return Table(
        "Ceasefire, suspensions and resumptions (signed log messages)",
        ["entry", "at", "what", "signed by", "reason"],
        rows,
        note or ("No suspension." if rows else "The log holds no ceasefire message."),
    )


def _notifications_table(rec: OperationRecords, clock: _Clock) -> Table:
    rows = []
    delays: list[float] = []
    for n in rec.notifications:
        sent = _utc(n.get("created_at"))
        acks = {a["party"]: _utc(a.get("at")) for a in n.get("acknowledgements", [])}
        cells = []
        for party in ("A", "B"):
            if party not in n.get("parties", ""):
                cells.append("not addressed")
            elif party in acks and sent and acks[party]:
                d = acks[party] - sent  # type: ignore[operator]
                delays.append(d.total_seconds() / 60.0)
                cells.append(f"after {_minutes(d)}")
            else:
                cells.append("not acknowledged")
        rows.append(
            [
                str(n["id"]),
                clock.hhmm(sent),
                str(n.get("kind", "")),
                str(n.get("subject", ""))[:90],
                *cells,
            ]
        )
    note = (
        f"Median acknowledgement delay {statistics.median(delays):.0f} min, longest "
        f"{max(delays):.0f} min. An acknowledgement is never an approval; nothing waited on it."
        if delays
        else ("No notification was acknowledged." if rows else "No notification was sent.")
    )
    return Table(
        "Notifications and acknowledgements",
        ["", "sent", "kind", "subject", "party A", "party B"],
        rows,
        note,
    )


def _alerts_table(rec: OperationRecords, clock: _Clock) -> Table:
    rows = []
    speeds: list[float] = []
    for a in rec.alerts:
        raised = _utc(a.get("raised_at"))
        acked = _utc(a.get("acknowledged_at"))
        cleared = _utc(a.get("cleared_at"))
        if raised and acked:
            speeds.append((acked - raised).total_seconds() / 60.0)
        rows.append(
            [
                str(a.get("id", "")),
                str(a.get("kind", "")),
                str(a.get("vehicle") or "–"),
                clock.hhmm(raised),
                f"after {_minutes(acked - raised)}" if raised and acked else "never",
                f"after {_minutes(cleared - raised)}" if raised and cleared else "still raised",
                str(a.get("detail", ""))[:120],
            ]
        )
    note = (
        f"{len(speeds)} of {len(rows)} acknowledged; median {statistics.median(speeds):.0f} min, "
        f"slowest {max(speeds):.0f} min after raising."
        if speeds
        else ("No alert was acknowledged." if rows else "No alert was raised.")
    )
    return Table(
        "Alerts and how fast they were acknowledged",
        ["", "kind", "vehicle", "raised", "acknowledged", "cleared", "detail"],
        rows,
        note,
    )


def _reconciliation_table(rec: OperationRecords) -> Table:
    if rec.reconciliation and isinstance(rec.reconciliation.get("vehicles"), list):
        rows = [
            [
                str(v.get("vehicle")),
                str(v.get("boarded", "")),
                str(v.get("arrived", "")),
                str(v.get("unaccounted", "")),
            ]
            for v in rec.reconciliation["vehicles"]
        ]
    else:
        per: dict[str, tuple[Counter[str], Counter[str]]] = {}
        for c in rec.checkins:
            b, a = per.setdefault(c["vehicle"], (Counter(), Counter()))
            (b if c["kind"] == "boarding" else a).update(c["people"])
        rows = [
            [
                v,
                str(sum(b.values())),
                str(sum(a.values())),
                str(max(0, sum(b.values()) - sum(a.values()))),
            ]
            for v, (b, a) in sorted(per.items(), key=lambda kv: _natural(kv[0]))
        ]
    missing = sum(int(r[3] or 0) for r in rows if r[3].isdigit())
    return Table(
        "Reconciliation: boarded against arrived, per vehicle",
        ["vehicle", "boarded", "arrived", "unaccounted"],
        rows,
        (
            f"{missing} people boarded and not (yet) counted at a reception centre."
            if missing
            else "Everybody who boarded was counted at a reception centre."
        )
        if rows
        else "Nobody was checked in.",
    )


def _chart(
    rec: OperationRecords,
    clock: _Clock,
    routes: list[dict[str, Any]],
    suspensions: list[tuple[dt.datetime, dt.datetime | None]],
) -> PlannedActualChart:
    by_vehicle: dict[str, list[float]] = {}
    for p in rec.positions:
        at = _utc(p["at"])
        if at is not None:
            by_vehicle.setdefault(str(p["vehicle"]), []).append(clock.minute(at))
    names = [str(r["vehicle"]) for r in routes]
    names += sorted(set(by_vehicle) - set(names), key=_natural)
    plan_of = {str(r["vehicle"]): r for r in routes}
    rows = []
    for v in names:
        planned = _planned_bars(plan_of[v]) if v in plan_of else []
        actual = _tracked_bars(sorted(by_vehicle.get(v, [])))
        marks = [
            (clock.minute(at), c["kind"])
            for c in rec.checkins
            if c["vehicle"] == v and (at := _utc(c["at"])) is not None
        ]
        marks += [
            (clock.minute(at), "incident")
            for i in rec.incidents
            if i.get("vehicle") == v and (at := _utc(i["at"])) is not None
        ]
        rows.append(PlannedActualRow(v, planned, actual, sorted(marks)))
    open_ = clock.minute(rec.window[0]) if rec.window else None
    close = clock.minute(rec.window[1]) if rec.window else None
    end = clock.minute(rec.generated_at)
    spans = [(clock.minute(a), clock.minute(b) if b else end) for a, b in suspensions]
    times = [t for r in rows for a, b, _ in (*r.planned, *r.actual) for t in (a, b)]
    times += [t for r in rows for t, _ in r.marks]
    edges = [t for t in (open_, close) if t is not None]
    lo = min([*times, *edges], default=0.0) - 15
    hi = max([*times, *edges], default=60.0) + 15
    assert clock.origin is not None
    return PlannedActualChart(
        clock.origin.astimezone(clock.zone), open_, close, rows, spans, lo, hi
    )


def _planned_bars(route: dict[str, Any]) -> list[tuple[float, float, str]]:
    out: list[tuple[float, float, str]] = []
    prev = None
    for s in route["stops"]:
        arrive = float(s.get("arrive", s.get("start", 0)))
        leave = float(s.get("depart", s.get("end", arrive)))
        if prev is not None and arrive > prev:
            out.append((prev, arrive, "drive"))
        if leave > arrive:
            out.append((arrive, leave, "stop"))
        prev = leave
    return out


def _tracked_bars(minutes: list[float]) -> list[tuple[float, float, str]]:
    """Spans covered by reports no more than TRACK_GAP_MIN apart (at least a minute each)."""
    out: list[tuple[float, float, str]] = []
    if not minutes:
        return out
    start = prev = minutes[0]
    for m in minutes[1:]:
        if m - prev > TRACK_GAP_MIN:
            out.append((start, max(prev, start + 1), "tracked"))
            start = m
        prev = m
    out.append((start, max(prev, start + 1), "tracked"))
    return out
