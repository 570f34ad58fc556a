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
    OperationRecords,
    ReportClock,
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

    headline = [
        f"Window agreed: {window_text(rec, clock)}.",
        f"Vehicles: {len(routes)} planned"
        + (f" (agreed at most {rec.agreed_vehicles})" if rec.agreed_vehicles else "")
        + _held_text(rec.plan_held)
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
        agreed_vs_happened(rec, clock, routes, reporting, planned, boarded, arrived),
        people_table(planned, boarded, arrived),
        vehicles_table(rec, clock, routes),
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
        + (f" from plan {rec.plan_id}" if rec.plan_id is not None else "")
        + f" and {len(rec.log)} log entries; counts only, no names.",
        headline=headline,
        tables=tables,
        chart=chart,
        incidents_at=spots,
    )


def _held_text(held: list[dict[str, Any]]) -> str:
    """The vehicles a replan holds where they stood, by why: ``stranded`` (no way out of the
    zone) apart from those held for a plan rule."""
    why = Counter(held_short(h) for h in held)
    return "".join(f", {n} held where it stood ({w})" for w, n in sorted(why.items()))
