"""The after-action report's tables: agreed against what happened, people by class, vehicles,
incidents, the log, notifications, alerts, reconciliation."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from corridor.reporting.after_action_model import (
    LATE_MIN,
    NOTIFICATIONS_LISTED,
    Fleet,
    OperationRecords,
    ReportClock,
    Table,
    as_utc,
    counts_text,
    held_label,
    in_force_name,
    minutes_text,
    natural_key,
    planned_people,
    shown_text,
    stranded,
    suspension_spans,
    window_text,
)

NO_PLAN = "no plan was published"


def agreed_vs_happened(
    rec: OperationRecords,
    clock: ReportClock,
    fleet: Fleet,
    reporting: list[str],
    planned: Counter[str],
    boarded: Counter[str],
    arrived: Counter[str],
) -> Table:
    first_move = min(
        (as_utc(p["at"]) for p in rec.positions), default=None, key=lambda t: t or rec.generated_at
    )
    last_move = max(
        (as_utc(p["at"]) for p in rec.positions), default=None, key=lambda t: t or rec.generated_at
    )
    last_arrival = max(
        (as_utc(c["at"]) for c in rec.checkins if c["kind"] == "arrival"),
        default=None,
        key=lambda t: t or rec.generated_at,
    )
    confirmed = [e for e in rec.log if e.kind == "ceasefire-start"]
    after_close = ""
    if rec.window is not None and last_move is not None and last_move > rec.window[1]:
        after_close = f" ({minutes_text(last_move - rec.window[1])} after the window closed)"
    return Table(
        "Agreed against what happened",
        ["", "agreed / planned", "happened"],
        [
            [
                "Ceasefire window",
                window_text(rec, clock),
                "confirmed by "
                + ", ".join(f"{e.author} at {clock.day_hhmm(e.at)}" for e in confirmed)
                if confirmed
                else "no ceasefire confirmation in the log",
            ],
            [
                "Movement",
                _planned_movement(rec, clock, fleet.routes),
                f"first report {clock.hhmm(first_move)}, last {clock.hhmm(last_move)}{after_close}"
                if first_move
                else "no position was reported",
            ],
            ["Vehicles", _planned_vehicles(rec, fleet), f"{len(reporting)} reported positions"],
            [
                "People out",
                NO_PLAN
                if rec.plan_id is None
                else f"{sum(planned.values())}: {counts_text(dict(planned))}",
                f"{sum(boarded.values())} boarded, {sum(arrived.values())} arrived"
                + (f" (last arrival {clock.hhmm(last_arrival)})" if last_arrival else ""),
            ],
        ],
    )


def _planned_movement(rec: OperationRecords, clock: ReportClock, routes: list[Any]) -> str:
    if not routes:
        return NO_PLAN if rec.plan_id is None else "the plan moves no vehicle"
    first = min(float(r["stops"][0].get("depart", 0)) for r in routes)
    last = max(float(r["stops"][-1].get("arrive", 0)) for r in routes)
    return f"{clock.hhmm(clock.at(first))}–{clock.hhmm(clock.at(last))} (plan)"


def _planned_vehicles(rec: OperationRecords, fleet: Fleet) -> str:
    if rec.plan_id is None:
        text = NO_PLAN
    else:
        text = f"{len(fleet.routes)} in the plan" + (
            f", {len(fleet.held)} held where it stood" if fleet.held else ""
        )
    if fleet.earlier:
        text += f", {len(fleet.earlier)} only in an earlier version"
    return text + (f", at most {rec.agreed_vehicles} agreed" if rec.agreed_vehicles else "")


def people_table(
    rec: OperationRecords, planned: Counter[str], boarded: Counter[str], arrived: Counter[str]
) -> Table:
    """People by class: every class of the scenario (those nobody takes too) and every class
    planned or counted, against what the scenario lists where it is known."""
    listed = rec.scenario_people
    seen = set(planned) | set(boarded) | set(arrived)
    classes = [*listed, *sorted(seen - set(listed))]
    rows = [
        [c, *([str(listed.get(c, 0))] if listed else []), str(planned[c]), str(boarded[c]),
         str(arrived[c]), str(boarded[c] - arrived[c])]
        for c in classes
    ]  # fmt: skip
    total = [sum(x.values()) for x in (planned, boarded, arrived)]
    rows.append(
        ["all", *([str(sum(listed.values()))] if listed else []), *map(str, total),
         str(total[1] - total[2])]
    )  # fmt: skip
    return Table(
        "People out by class against the plan",
        ["class", *(["the scenario lists"] if listed else []), "planned", "boarded", "arrived",
         "boarded, not arrived"],
        rows,
        left_behind(rec, planned),
    )  # fmt: skip


def left_behind(rec: OperationRecords, planned: Counter[str]) -> str:
    """Who the plan in force does not take out of those the scenario lists, by class, with what
    an earlier version planned of them where it planned more."""
    if rec.plan_id is None:
        return "No plan was published: nobody is planned out."
    if not rec.scenario_people:
        return ""
    before: dict[str, tuple[int, int]] = {}  # class -> (most an earlier version planned, which)
    for version in rec.earlier_versions or []:
        for c, n in planned_people(version.get("routes") or []).items():
            if n > before.get(c, (0, 0))[0]:
                before[c] = (n, int(version["version"]))
    parts = []
    for c, n in rec.scenario_people.items():
        if n > planned[c]:
            was, which = before.get(c, (0, 0))
            parts.append(
                f"{c} {n - planned[c]} of {n}"
                + (f" (version {which} planned {was})" if was > planned[c] else "")
            )
    if not parts:
        return "The plan takes out everybody the scenario lists."
    return f"Left behind by the plan in force ({in_force_name(rec)}): {', '.join(parts)}."


def _boarding_vs_plan(rec: OperationRecords, clock: ReportClock, v: str, stops: list[Any]) -> str:
    """The latest boarding against the planned visit nearest in time (a vehicle may board twice
    at one place)."""
    delays = []
    for c in rec.checkins:
        if c["vehicle"] != v or c["kind"] != "boarding":
            continue
        at = as_utc(c["at"])
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
    return "–" if late is None else (f"+{late:.0f} min" if late >= LATE_MIN else "on time")


def _reported(rec: OperationRecords, clock: ReportClock, v: str) -> list[str]:
    """A vehicle's reported span (first–last) and how many reports."""
    fixes = sorted(t for p in rec.positions if p["vehicle"] == v and (t := as_utc(p["at"])))
    span = f"{clock.hhmm(fixes[0])}–{clock.hhmm(fixes[-1])}" if fixes else "no report"
    return [span, str(len(fixes))]


def _leave_back(clock: ReportClock, stops: list[Any]) -> str:
    return (
        f"{clock.hhmm(clock.at(float(stops[0].get('depart', 0))))}–"
        f"{clock.hhmm(clock.at(float(stops[-1].get('arrive', 0))))}"
    )


def _held_cells(clock: ReportClock, h: dict[str, Any]) -> tuple[str, str]:
    aboard = sum(int(n) for n in h.get("aboard", {}).values())
    return (
        f"held at {h['at']} from {clock.hhmm(clock.at(float(h['since'])))}",
        f"stranded, {aboard} on board: {h['reason']}"
        if stranded(h)
        else f"{held_label(h)}, {aboard} on board",
    )


def vehicles_table(rec: OperationRecords, clock: ReportClock, fleet: Fleet) -> Table:
    """Every vehicle any published version planned or held, or that reported positions, once,
    against what its reports show, and which plan it is in: the plan in force, held by it, only
    an earlier version, or none."""
    now = in_force_name(rec)
    rows = []
    for r in fleet.routes:
        v = str(r["vehicle"])
        late = _boarding_vs_plan(rec, clock, v, r["stops"])
        planned = _leave_back(clock, r["stops"])
        rows.append([v, planned, *_reported(rec, clock, v), late, f"{now} (in force)"])
    for h in fleet.held:
        v = str(h["vehicle"])
        where, why = _held_cells(clock, h)
        rows.append([v, where, *_reported(rec, clock, v), why, f"held by {now} (in force)"])
    for v, version, entry, was_held in fleet.earlier:
        gone = f"version {version} only: not in {now}, the plan in force"
        if was_held:
            where, why = _held_cells(clock, entry)
            rows.append([v, f"{where} (version {version})", *_reported(rec, clock, v), why, gone])
            continue
        rows.append([v, f"{_leave_back(clock, entry['stops'])} (version {version})",
                     *_reported(rec, clock, v),
                     _boarding_vs_plan(rec, clock, v, entry["stops"]), gone])  # fmt: skip
    unplanned = (
        "not in the plan in force: only reported its position"
        if rec.earlier_versions is None
        else "in no published version: only reported its position"
    )
    for v in fleet.unplanned:
        rows.append([v, "–", *_reported(rec, clock, v), "–", unplanned])
    return Table(
        "Vehicles: planned against reported",
        ["vehicle", "planned (leave–back)", "reported (first–last)", "reports",
         "boarding vs plan", "in which plan"],
        rows,
        "" if rows else "No plan was published and no vehicle reported its position."
        if rec.plan_id is None
        else "The plan moves no vehicle and no vehicle reported its position.",
    )  # fmt: skip


def incidents_table(rec: OperationRecords, clock: ReportClock) -> Table:
    whole: list[tuple[str, str]] = []
    rows = [
        [
            f"I{i['id']}",
            clock.hhmm(as_utc(i["at"])),
            i["severity"],
            i["kind"],
            i.get("vehicle") or "–",
            str(i.get("reported_by") or "–"),
            clock.hhmm(as_utc(i.get("received_at"))),
            shown_text(i["description"], f"incident I{i['id']}", whole),
        ]
        for i in rec.incidents
    ]
    return Table(
        "Incidents",
        ["", "at", "severity", "kind", "vehicle", "reported by", "received", "what was seen"],
        rows,
        "" if rows else "No incident was reported.",
        whole,
    )


def log_table(rec: OperationRecords, clock: ReportClock) -> Table:
    shown = ("ceasefire-start", "suspension", "resumption", "incident", "withdrawal")
    whole: list[tuple[str, str]] = []
    rows = [  # a signed reason is shown whole (cut only past a printed page, and said where)
        [f"#{e.index}", clock.day_hhmm(e.at), e.kind, e.author,
         shown_text(e.detail, f"log entry #{e.index}", whole)]
        for e in sorted(rec.log, key=lambda e: e.index)
        if e.kind in shown
    ]  # fmt: skip
    spans = suspension_spans(rec.log, rec.generated_at)
    note = "; ".join(
        (
            f"suspended {clock.hhmm(a)}–{clock.hhmm(b)}"
            if b
            else f"suspended at {clock.hhmm(a)}, still suspended"
        )
        + (f" ({minutes_text(b - a)})" if b else "")
        for a, b in spans
    )
    return Table(
        "Ceasefire, suspensions and resumptions (signed log messages)",
        ["entry", "at", "what", "signed by", "reason"],
        rows,
        note or ("No suspension." if rows else "The log holds no ceasefire message."),
        whole,
    )


def notifications_table(rec: OperationRecords, clock: ReportClock) -> Table:
    """Each notification with each party's acknowledgement delay; past the first
    NOTIFICATIONS_LISTED only those some party has not acknowledged (the figures count all)."""
    rows: list[list[str]] = []
    whole: list[tuple[str, str]] = []
    delays: list[float] = []
    unacknowledged = 0
    for n in rec.notifications:
        sent = as_utc(n.get("created_at"))
        acks = {a["party"]: as_utc(a.get("at")) for a in n.get("acknowledgements", [])}
        cells = []
        missing = False
        for party in ("A", "B"):
            if party not in n.get("parties", ""):
                cells.append("not addressed")
            elif party in acks and sent and acks[party]:
                d = acks[party] - sent  # type: ignore[operator]
                delays.append(d.total_seconds() / 60.0)
                cells.append(f"after {minutes_text(d)}")
            else:
                cells.append("not acknowledged")
                missing = True
        unacknowledged += missing
        if len(rows) < NOTIFICATIONS_LISTED or missing:
            subject = shown_text(n.get("subject", ""), f"notification {n['id']}", whole)
            rows.append([str(n["id"]), clock.hhmm(sent), str(n.get("kind", "")), subject, *cells])
    total = len(rec.notifications)
    parts = []
    if delays:
        median = dt.timedelta(minutes=statistics.median(delays))
        longest = dt.timedelta(minutes=max(delays))
        parts.append(
            f"{total} notifications, {unacknowledged} not acknowledged by every party "
            f"addressed; median acknowledgement delay {minutes_text(median)}, longest "
            f"{minutes_text(longest)}."
        )
    elif total:
        parts.append(f"{total} notifications; none was acknowledged.")
    else:
        parts.append("No notification was sent.")
    if total > len(rows):
        parts.append(f"{total - len(rows)} more, each acknowledged, are not listed.")
    if total:
        parts.append("An acknowledgement is never an approval; nothing waited on it.")
    return Table(
        "Notifications and acknowledgements",
        ["", "sent", "kind", "subject", "party A", "party B"],
        rows,
        " ".join(parts),
        whole,
    )


def alerts_table(rec: OperationRecords, clock: ReportClock) -> Table:
    rows = []
    whole: list[tuple[str, str]] = []
    speeds: list[float] = []
    for a in rec.alerts:
        raised = as_utc(a.get("raised_at"))
        acked = as_utc(a.get("acknowledged_at"))
        cleared = as_utc(a.get("cleared_at"))
        if raised and acked:
            speeds.append((acked - raised).total_seconds() / 60.0)
        rows.append(
            [
                str(a.get("id", "")),
                _alert_kind(a),
                str(a.get("vehicle") or "–"),
                clock.hhmm(raised),
                f"after {minutes_text(acked - raised)}" if raised and acked else "never",
                f"after {minutes_text(cleared - raised)}" if raised and cleared else "still raised",
                shown_text(a.get("detail", ""), f"alert {a.get('id', '')}", whole),
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
        whole,
    )


def _alert_kind(a: dict[str, Any]) -> str:
    """An alert's kind in words; a ``stranded`` alert of a vehicle held for a plan rule (not
    for want of a way out) says ``held``."""
    kind = str(a.get("kind", ""))
    if kind == "stranded" and not stranded(a.get("data") or {}):
        return "held"
    return kind.replace("_", " ")


def reconciliation_table(rec: OperationRecords) -> Table:
    """Per vehicle: boarded, arrived and unaccounted (the service's reconciliation where it
    keeps one, else counted from the check-ins), and since when."""
    rows: list[list[str]] = []
    note_people = ""
    recon = rec.reconciliation or {}
    if isinstance(recon.get("vehicles"), list):
        for v in recon["vehicles"]:
            missing = sum((v.get("unaccounted") or {}).values())
            since = v.get("unaccounted_min")
            rows.append([
                str(v["vehicle"]),
                str(sum((v.get("boarded") or {}).values())),
                str(sum((v.get("arrived") or {}).values())),
                str(missing) + (f" (for {since:.0f} min)" if missing and since is not None else ""),
            ])  # fmt: skip
        people = recon.get("people") or {}
        if people:
            note_people = (
                f" Registered people: {people.get('boarded', 0)} boarded and not checked in on "
                f"arrival, {people.get('arrived', 0)} arrived, {people.get('registered', 0)} "
                "not boarded."
            )
    else:
        per: dict[str, tuple[Counter[str], Counter[str]]] = {}
        for c in rec.checkins:
            b, a = per.setdefault(c["vehicle"], (Counter(), Counter()))
            (b if c["kind"] == "boarding" else a).update(c["people"])
        for v, (b, a) in sorted(per.items(), key=lambda kv: natural_key(kv[0])):
            nb, na = sum(b.values()), sum(a.values())
            rows.append([v, str(nb), str(na), str(max(0, nb - na))])
    missing = sum(int(r[3].split(" ")[0]) for r in rows)
    if not rows:
        note = "Nobody was checked in."
    elif missing:
        note = f"{missing} people boarded and not (yet) counted at a reception centre."
    else:
        note = "Everybody who boarded was counted at a reception centre."
    return Table(
        "Reconciliation: boarded against arrived, per vehicle",
        ["vehicle", "boarded", "arrived", "unaccounted"],
        rows,
        note + note_people,
    )
