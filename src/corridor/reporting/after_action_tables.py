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
    OperationRecords,
    ReportClock,
    Table,
    as_utc,
    counts_text,
    held_label,
    minutes_text,
    natural_key,
    stranded,
    suspension_spans,
    window_text,
)


def agreed_vs_happened(
    rec: OperationRecords,
    clock: ReportClock,
    routes: list[dict[str, Any]],
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
    planned_first = min((float(r["stops"][0].get("depart", 0)) for r in routes), default=None)
    planned_last = max((float(r["stops"][-1].get("arrive", 0)) for r in routes), default=None)
    rows = [
        [
            "Ceasefire window",
            window_text(rec, clock),
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
            + (f", {len(rec.plan_held)} held where it stood" if rec.plan_held else "")
            + (f", at most {rec.agreed_vehicles} agreed" if rec.agreed_vehicles else ""),
            f"{len(reporting)} reported positions",
        ],
        [
            "People out",
            f"{sum(planned.values())}: {counts_text(dict(planned))}",
            f"{sum(boarded.values())} boarded, {sum(arrived.values())} arrived"
            + (f" (last arrival {clock.hhmm(last_arrival)})" if last_arrival else ""),
        ],
    ]
    return Table("Agreed against what happened", ["", "agreed / planned", "happened"], rows)


def people_table(planned: Counter[str], boarded: Counter[str], arrived: Counter[str]) -> Table:
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


def vehicles_table(
    rec: OperationRecords, clock: ReportClock, routes: list[dict[str, Any]]
) -> Table:
    """Each vehicle of the plan, and each one it holds where it is (stranded, or held for a
    plan rule), against what its reports show."""
    held = sorted(rec.plan_held, key=lambda h: natural_key(str(h["vehicle"])))
    rows = []
    for r in routes:
        v = str(r["vehicle"])
        stops = r["stops"]
        fixes = sorted(as_utc(p["at"]) for p in rec.positions if p["vehicle"] == v)  # type: ignore[type-var]
        board = [c for c in rec.checkins if c["vehicle"] == v and c["kind"] == "boarding"]
        delays = []
        for c in board:
            at = as_utc(c["at"])
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
    for h in held:
        v = str(h["vehicle"])
        fixes = sorted(as_utc(p["at"]) for p in rec.positions if p["vehicle"] == v)  # type: ignore[type-var]
        aboard = sum(int(n) for n in h.get("aboard", {}).values())
        rows.append(
            [
                v,
                f"held at {h['at']} from {clock.hhmm(clock.at(float(h['since'])))}",
                f"{clock.hhmm(fixes[0])}–{clock.hhmm(fixes[-1])}" if fixes else "no report",
                str(len(fixes)),
                f"stranded, {aboard} on board: {h['reason']}"
                if stranded(h)
                else f"{held_label(h)}, {aboard} on board",
            ]
        )
    return Table(
        "Vehicles: planned against reported",
        ["vehicle", "planned (leave–back)", "reported (first–last)", "reports", "boarding vs plan"],
        rows,
        "" if rows else "No plan was published.",
    )


def incidents_table(rec: OperationRecords, clock: ReportClock) -> Table:
    rows = [
        [
            f"I{i['id']}",
            clock.hhmm(as_utc(i["at"])),
            i["severity"],
            i["kind"],
            i.get("vehicle") or "–",
            str(i.get("reported_by") or "–"),
            clock.hhmm(as_utc(i.get("received_at"))),
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


def log_table(rec: OperationRecords, clock: ReportClock) -> Table:
    shown = ("ceasefire-start", "suspension", "resumption", "incident", "withdrawal")
    rows = [
        [f"#{e.index}", clock.day_hhmm(e.at), e.kind, e.author, e.detail[:160]]
        for e in sorted(rec.log, key=lambda e: e.index)
        if e.kind in shown
    ]
    spans = suspension_spans(rec.log, rec.generated_at)
    note = "; ".join(
        f"suspended {clock.hhmm(a)}–{clock.hhmm(b) if b else 'still suspended'}"
        + (f" ({minutes_text(b - a)})" if b else "")
        for a, b in spans
    )
    return Table(
        "Ceasefire, suspensions and resumptions (signed log messages)",
        ["entry", "at", "what", "signed by", "reason"],
        rows,
        note or ("No suspension." if rows else "The log holds no ceasefire message."),
    )


def notifications_table(rec: OperationRecords, clock: ReportClock) -> Table:
    """Each notification with each party's acknowledgement delay; past the first
    NOTIFICATIONS_LISTED only those some party has not acknowledged (the figures count all)."""
    rows: list[list[str]] = []
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
        row = [str(n["id"]), clock.hhmm(sent), str(n.get("kind", "")),
               str(n.get("subject", ""))[:90], *cells]  # fmt: skip
        if len(rows) < NOTIFICATIONS_LISTED or missing:
            rows.append(row)
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
    )


def alerts_table(rec: OperationRecords, clock: ReportClock) -> Table:
    rows = []
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
