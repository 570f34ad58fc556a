"""The after-action report's planned-against-actual chart, as data: one row per vehicle with its
planned bars, its tracked spans and its marks; the adapters draw it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from corridor.reporting.after_action_model import (
    CHART_AHEAD_MIN,
    TRACK_GAP_MIN,
    OperationRecords,
    PlannedActualChart,
    PlannedActualRow,
    ReportClock,
    as_utc,
    natural_key,
)


def planned_actual_chart(
    rec: OperationRecords,
    clock: ReportClock,
    routes: list[dict[str, Any]],
    suspensions: list[tuple[dt.datetime, dt.datetime | None]],
) -> PlannedActualChart:
    by_vehicle: dict[str, list[float]] = {}
    for p in rec.positions:
        at = as_utc(p["at"])
        if at is not None:
            by_vehicle.setdefault(str(p["vehicle"]), []).append(clock.minute(at))
    names = [str(r["vehicle"]) for r in routes]
    names += sorted(set(by_vehicle) - set(names), key=natural_key)
    plan_of = {str(r["vehicle"]): r for r in routes}
    rows = []
    for v in names:
        planned = _planned_bars(plan_of[v]) if v in plan_of else []
        actual = _tracked_bars(sorted(by_vehicle.get(v, [])))
        marks = [
            (clock.minute(at), c["kind"])
            for c in rec.checkins
            if c["vehicle"] == v and (at := as_utc(c["at"])) is not None
        ]
        marks += [
            (clock.minute(at), "incident")
            for i in rec.incidents
            if i.get("vehicle") == v and (at := as_utc(i["at"])) is not None
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
    # An operation under way: the chart ends an hour and a half after the report's time, so
    # that what happened is not squeezed beside hours of plan still ahead.
    shown_now = end if lo < end < hi else None
    if shown_now is not None and hi > end + CHART_AHEAD_MIN:
        hi = end + CHART_AHEAD_MIN
    assert clock.origin is not None
    return PlannedActualChart(
        clock.origin.astimezone(clock.zone), open_, close, rows, spans, lo, hi, shown_now
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
