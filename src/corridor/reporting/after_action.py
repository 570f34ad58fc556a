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

from collections import Counter
from typing import Any

from corridor.reporting.after_action_chart import planned_actual_chart
from corridor.reporting.after_action_model import (
    AfterActionReport,
    Fleet,
    OperationRecords,
    ReportClock,
    fleet,
    held_short,
    natural_key,
    planned_people,
    suspension_spans,
    window_text,
)
from corridor.reporting.after_action_tables import (
    agreed_vs_happened,
    alerts_table,
    incidents_table,
    log_table,
    notifications_table,
    people_table,
    reconciliation_table,
    vehicles_table,
)


def after_action(rec: OperationRecords) -> AfterActionReport:
    """The report of one operation from its records."""
    clock = ReportClock(rec.time_zone, rec.origin)
    routes = sorted(
        (r for r in rec.plan_routes if len(r.get("stops", [])) > 1),
        key=lambda r: natural_key(str(r["vehicle"])),
    )
    boarded: Counter[str] = Counter()
    arrived: Counter[str] = Counter()
    for c in rec.checkins:
        (boarded if c["kind"] == "boarding" else arrived).update(c["people"])
    planned = planned_people(routes)
    reporting = sorted({str(p["vehicle"]) for p in rec.positions}, key=natural_key)
    suspensions = suspension_spans(rec.log, rec.generated_at)
    vehicles = fleet(rec, routes)
    headline = [
        f"Window agreed: {window_text(rec, clock)}.",
        _vehicles_text(rec, vehicles, len(reporting)),
        f"People out: {sum(arrived.values())} arrived of {sum(boarded.values())} boarded; "
        + _planned_text(rec, planned),
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
        agreed_vs_happened(rec, clock, vehicles, reporting, planned, boarded, arrived),
        people_table(rec, planned, boarded, arrived),
        vehicles_table(rec, clock, vehicles),
        incidents_table(rec, clock),
        log_table(rec, clock),
        notifications_table(rec, clock),
        alerts_table(rec, clock),
        reconciliation_table(rec),
    ]
    chart = (
        planned_actual_chart(rec, clock, routes, suspensions) if rec.origin is not None else None
    )
    spots = [
        (f"I{i['id']}", float(i["lon"]), float(i["lat"]))
        for i in rec.incidents
        if i.get("lat") is not None and i.get("lon") is not None
    ]
    return AfterActionReport(
        title=f"After-action report: {rec.corridor}",
        subtitle=f"Written {clock.day_hhmm(rec.generated_at)} ({rec.time_zone})"
        + (
            f" from plan {rec.plan_id}"
            + (f" (published version {rec.plan_version})" if rec.plan_version else "")
            if rec.plan_id is not None
            else " (no plan was published)"
        )
        + f" and {len(rec.log)} log entries; counts only, no names.",
        headline=headline,
        tables=tables,
        chart=chart,
        incidents_at=spots,
    )


def _vehicles_text(rec: OperationRecords, vehicles: Fleet, reporting: int) -> str:
    """The headline's vehicles: every one the report lists, by which plan it is in."""
    if rec.plan_id is None:
        text = "Vehicles: no plan was published"
    else:
        text = f"Vehicles: {len(vehicles.routes)} planned" + (
            f" (agreed at most {rec.agreed_vehicles})" if rec.agreed_vehicles else ""
        )
        text += _held_text(vehicles.held)
    if vehicles.earlier:
        text += f", {len(vehicles.earlier)} only in an earlier version of the plan"
    if vehicles.unplanned:
        text += f", {len(vehicles.unplanned)} in no plan"
    return text + f", {reporting} reported their position."


def _planned_text(rec: OperationRecords, planned: Counter[str]) -> str:
    """What the plan takes out, against what the scenario lists: a class it takes none of is
    named (the headline must not hide that a replan left a class behind)."""
    if rec.plan_id is None:
        return "no plan was published."
    listed = rec.scenario_people
    text = f"the plan takes out {sum(planned.values())}"
    if listed:
        text += f" of the {sum(listed.values())} the scenario lists"
    none = [f"{n} {c}" for c, n in listed.items() if n and not planned[c]]
    if none:
        text += f"; it takes none of the {', '.join(none)}"
    return text + "."


def _held_text(held: list[dict[str, Any]]) -> str:
    """The vehicles a replan holds where they stood, by why: ``stranded`` (no way out of the
    zone) apart from those held for a plan rule."""
    why = Counter(held_short(h) for h in held)
    return "".join(f", {n} held where it stood ({w})" for w, n in sorted(why.items()))
