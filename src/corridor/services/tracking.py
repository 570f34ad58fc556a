"""Use case: each position report against its vehicle's planned route, in the transaction
that stores it; the vehicles' live status; time-based alerts (silent vehicles).

A report whose device clock is outside the documented skew from the server's clock (more than
``clock_ahead_min`` ahead, or ``clock_behind_h`` behind), or whose place is more than
``area_margin_km`` outside the operation's area (:mod:`corridor.services.position_checks`:
latitude and longitude swapped, no fix), is stored, flagged ``suspect``, and never matched nor
taken as the vehicle's latest position. The others are matched in their own time order; a
report older than the vehicle's latest changes nothing (it arrived late).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role
from corridor.domain.tracking import (
    Condition,
    Judgement,
    LiveParams,
    TrackState,
    judge,
    minute_of,
    silent_condition,
    vehicle_conditions,
)
from corridor.services import alerts, tracked
from corridor.services.accounts import require
from corridor.services.live_plan import Plan
from corridor.services.live_plan import db_key as _db
from corridor.services.live_plan import params_of as params_of  # re-exported for its callers
from corridor.services.live_plan import plan_in_force as plan_in_force
from corridor.services.position_checks import area_flag

if TYPE_CHECKING:
    from corridor.domain.operations import PositionReport
    from corridor.services.operation_scope import Scope
    from corridor.services.unit_of_work import UnitOfWork

_overlay = tracked.overlay
forget = tracked.forget


def clock_flag(at: dt.datetime, now: dt.datetime, params: LiveParams) -> str | None:
    """Why a device time is not trusted, or None."""
    if at > now + dt.timedelta(minutes=params.clock_ahead_min):
        return "clock_ahead"
    if at < now - dt.timedelta(hours=params.clock_behind_h):
        return "clock_behind"
    return None


def flags(
    uow: UnitOfWork, reports: list[PositionReport], scope: Scope | None = None
) -> dict[tuple[str, str], str]:
    """Why each untrusted report of ``reports`` is not trusted, by (vehicle, client id): its
    device clock, else its place outside the area of the operation ``scope``."""
    now, params = uow.clock(), params_of(uow)
    margin_m = params.area_margin_km * 1000
    out = {}
    for r in reports:
        why = clock_flag(r.at, now, params) or area_flag(scope, r.lat, r.lon, margin_m)
        if why:
            out[(r.vehicle, r.client_id)] = why
    return out


def track(uow: UnitOfWork, reports: list[PositionReport]) -> None:
    """Match trusted reports to their vehicles' routes, store the new states and raise or
    clear alerts, all in the caller's open transaction (no commit). The reports may be of
    many requests (a group commit): they are matched together, and each vehicle's alerts
    judged once, on its latest state."""
    if uow.publications is None or not reports:
        return
    plan = plan_in_force(uow)
    if plan is None:
        return
    mine = [r for r in reports if r.vehicle in plan.index]
    if not mine:
        return
    from corridor.services.tracking_group import advance_group

    params = params_of(uow)
    db = _db(uow)
    before = tracked.latest(uow, db, plan.id, plan.origin_at, {r.vehicle for r in mine})
    known = {v: k.state for v, k in before.items()}
    after = advance_group(plan.fleet, plan.index, plan.origin_at, known, mine, params)
    if not after:
        return
    open_alerts = uow.alerts.open()
    now = uow.clock()
    now_min = minute_of(plan.origin, now)
    opened = _open_kinds(open_alerts)
    changed, judged = [], []
    for vehicle, (state, last) in after.items():
        row = _row(plan, vehicle, state, last, now)
        j = _judge(plan, vehicle, state, now_min, params, open_alerts)
        if tracked.keep(db, plan.id, row, state, before.get(vehicle), j.kinds):
            changed.append(row)
        # Only a condition that changed raises or clears an alert: only then is it put in
        # words (and a vehicle just heard from is not silent).
        if opened.get(vehicle, frozenset()) != j.kinds:
            judged += [
                alerts.Judged(c, vehicle)
                for c in _conditions(plan, vehicle, state, now_min, params, j)
                if c.active != (f"{c.kind}|{vehicle}||" in open_alerts)
            ]
    uow.tracks.put_many(changed)
    if judged:
        alerts.apply(uow, judged, plan.id, open_alerts)


def _row(
    plan: Plan, vehicle: str, state: TrackState, last: PositionReport, now: dt.datetime
) -> dict[str, Any]:
    """A vehicle's state as stored."""
    return {
        "vehicle": vehicle,
        "publication_id": plan.id,
        "at": last.at,
        "received_at": now,
        "lat": state.lat,
        "lon": state.lon,
        "speed_kmh": state.speed_kmh,
        "progress_m": state.along_m,
        "off_route_m": state.off_route_m,
        "leg": state.leg,
        "late_min": state.late_min,
        "stopped_since": None
        if state.stopped_since_min is None
        else plan.origin_at + dt.timedelta(minutes=state.stopped_since_min),
        "finished": state.finished,
    }


#: The kinds of alert a vehicle's report may raise or clear.
VEHICLE_KINDS = frozenset({"late", "off_route", "stopped", "inside_after_close", "silent"})


def _open_kinds(open_alerts: dict[str, Any]) -> dict[str, frozenset[str]]:
    """By vehicle, the kinds of its open alerts a report may raise or clear."""
    out: dict[str, set[str]] = {}
    for key in open_alerts:
        kind, vehicle, person, subject = key.split("|", 3)
        if kind in VEHICLE_KINDS and vehicle and not person and not subject:
            out.setdefault(vehicle, set()).add(kind)
    return {v: frozenset(k) for v, k in out.items()}


def _judge(
    plan: Plan, vehicle: str, state: TrackState, now_min: float, params: LiveParams,
    open_alerts: dict[str, Any],
) -> Judgement:  # fmt: skip
    """A vehicle's conditions after its report: late, off route, stopped, inside after the
    window closes."""
    from corridor.routing.matching import last_exit

    exit_min = last_exit(plan.routes[vehicle], state.along_m, params.stop_radius_m)
    was_late = f"late|{vehicle}||" in open_alerts
    return judge(state, exit_min, now_min, plan.close_min, params, was_late)


def _conditions(
    plan: Plan, vehicle: str, state: TrackState, now_min: float, params: LiveParams,
    judged: Judgement,
) -> list[Condition]:  # fmt: skip
    """The conditions of ``judged`` in words, and not silent (it has just reported)."""
    exit_min, close = judged.projected_exit, plan.close_min
    conditions = vehicle_conditions(vehicle, state, exit_min, now_min, close, params, judged=judged)
    silent = silent_condition(
        vehicle, now_min, plan.start_min[vehicle], now_min, state.finished, params
    )
    return [*conditions, silent]


def _last_heard(uow: UnitOfWork, plan: Plan, rows: dict[str, Any]) -> dict[str, float]:
    """When each vehicle of ``plan`` last reported (minutes from its origin): from its tracked
    state, or, for a vehicle not tracked on this version yet (a version just published starts
    every vehicle afresh), from its newest trusted report, so that publishing a version does
    not make every vehicle look silent."""
    heard = {v: minute_of(plan.origin, r["received_at"]) for v, r in rows.items()}
    if any(v not in heard for v in plan.start_min):
        for r in uow.positions.latest():
            heard.setdefault(r["vehicle"], minute_of(plan.origin, r["received_at"]))
    return heard


def sweep(uow: UnitOfWork) -> int:
    """Time-based alerts at the clock's now: vehicles gone silent, people missing. Returns
    how many alerts changed; commits."""
    from corridor.services import reconciliation

    with uow:
        plan = plan_in_force(uow)
        changed = 0
        if plan is not None:
            params = params_of(uow)
            now_min = minute_of(plan.origin, uow.clock())
            rows = {r["vehicle"]: r for r in uow.tracks.all()}
            _overlay(uow, plan.id, rows)
            heard = _last_heard(uow, plan, rows)
            judged = []
            for vehicle, start in plan.start_min.items():
                row = rows.get(vehicle)
                last = heard.get(vehicle)
                finished = bool(row and row["finished"])
                judged.append(
                    alerts.Judged(
                        silent_condition(vehicle, last, start, now_min, finished, params), vehicle
                    )
                )
            changed += len(alerts.apply(uow, judged, plan.id))
        changed += reconciliation.evaluate(uow)
        uow.commit()
    return changed


def status(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    """Each vehicle of the plan in force: its status against the plan (a driver: its own)."""
    require(who, "tracking.read")
    with uow:
        plan = plan_in_force(uow)
        if plan is None:
            return []
        rows = {r["vehicle"]: r for r in uow.tracks.all()}
        _overlay(uow, plan.id, rows)
        now = uow.clock()
        params = params_of(uow)
        heard = _last_heard(uow, plan, rows)
    now_min = minute_of(plan.origin, now)
    out = []
    from corridor.routing.matching import last_exit

    for vehicle in sorted(plan.routes):
        if who.role is Role.DRIVER and vehicle != who.vehicle:
            continue
        row = rows.get(vehicle)
        if row is None:
            since = heard.get(vehicle, plan.start_min[vehicle])
            silent = now_min - since if now_min >= plan.start_min[vehicle] else 0
            out.append(
                {
                    "vehicle": vehicle,
                    "plan_version": plan.id,
                    "status": "silent" if silent >= params.silent_min else "not started",
                    "late_min": None,
                    "off_route_m": None,
                    "stopped_min": None,
                    "silent_min": round(silent, 1) if silent else None,
                    "inside_after_close": False,
                    "last_position": None,
                    "leg": None,
                    "progress_m": None,
                }
            )
            continue
        state = tracked.state_of(row, plan.origin_at)
        conditions = vehicle_conditions(
            vehicle,
            state,
            last_exit(plan.routes[vehicle], state.along_m, params.stop_radius_m),
            now_min,
            plan.close_min,
            params,
        )
        active = [c.kind for c in conditions if c.active]
        quiet = now_min - minute_of(plan.origin, row["received_at"])
        if quiet >= params.silent_min and not state.finished:
            active.append("silent")
        stopped = None if state.stopped_since_min is None else now_min - state.stopped_since_min
        label = "arrived" if state.finished else (", ".join(active) or "on schedule")
        out.append(
            {
                "vehicle": vehicle,
                "plan_version": plan.id,
                "status": label,
                "late_min": round(state.late_min, 1),
                "off_route_m": round(state.off_route_m, 1),
                "stopped_min": None if stopped is None else round(stopped, 1),
                "silent_min": round(quiet, 1),
                "inside_after_close": "inside_after_close" in active,
                "last_position": {
                    "at": row["at"].isoformat(),
                    "lat": row["lat"],
                    "lon": row["lon"],
                    "speed_kmh": row["speed_kmh"],
                },
                "leg": state.leg + 1,
                "progress_m": round(state.along_m, 1),
            }
        )
    return out


class Sweeper:
    """Runs :func:`sweep` every ``every`` seconds in a thread (silent vehicles, missing
    people need no report to become true)."""

    def __init__(self, uow_factory: Any, every: float) -> None:
        self._uow = uow_factory
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.every <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="live-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        import logging

        while not self._stop.wait(self.every):
            try:
                sweep(self._uow())
            except Exception:  # the next tick tries again
                logging.getLogger(__name__).exception("live sweep failed")
