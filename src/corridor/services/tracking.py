"""Use case: each position report against its vehicle's planned route, in the transaction
that stores it; the vehicles' live status; time-based alerts (silent vehicles).

A report whose device clock is outside the documented skew from the server's clock (more than
``clock_ahead_min`` ahead, or ``clock_behind_h`` behind) is stored, flagged ``suspect``, and
never matched nor taken as the vehicle's latest position. The others are matched in their own
time order; a report older than the vehicle's latest changes nothing (it arrived late).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from corridor.domain.access import Principal, Role
from corridor.domain.tracking import (
    LiveParams,
    TrackState,
    minute_of,
    silent_condition,
    vehicle_conditions,
)
from corridor.services import alerts
from corridor.services.accounts import require
from corridor.services.live_plan import db_key as _db
from corridor.services.live_plan import params_of as params_of  # re-exported for its callers
from corridor.services.live_plan import plan_in_force as plan_in_force

if TYPE_CHECKING:
    from corridor.domain.operations import PositionReport
    from corridor.services.unit_of_work import UnitOfWork


# This process's cache of tracked states (below) is guarded by this lock.
_lock = threading.Lock()


def clock_flag(at: dt.datetime, now: dt.datetime, params: LiveParams) -> str | None:
    """Why a device time is not trusted, or None."""
    if at > now + dt.timedelta(minutes=params.clock_ahead_min):
        return "clock_ahead"
    if at < now - dt.timedelta(hours=params.clock_behind_h):
        return "clock_behind"
    return None


def flags(uow: UnitOfWork, reports: list[PositionReport]) -> dict[tuple[str, str], str]:
    now, params = uow.clock(), params_of(uow)
    out = {}
    for r in reports:
        why = clock_flag(r.at, now, params)
        if why:
            out[(r.vehicle, r.client_id)] = why
    return out


def _state(row: dict[str, Any], origin: str) -> TrackState:
    return TrackState(
        at_min=minute_of(origin, row["at"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        along_m=float(row["progress_m"]),
        off_route_m=float(row["off_route_m"]),
        leg=int(row["leg"]),
        late_min=float(row["late_min"]),
        stopped_since_min=None
        if row["stopped_since"] is None
        else minute_of(origin, row["stopped_since"]),
        finished=bool(row["finished"]),
        speed_kmh=row.get("speed_kmh"),
    )


def track(uow: UnitOfWork, reports: list[PositionReport]) -> None:
    """Match trusted reports to their vehicles' routes, store the new states and raise or
    clear alerts, all in the caller's open transaction (no commit)."""
    if uow.publications is None or not reports:
        return
    plan = plan_in_force(uow)
    if plan is None:
        return
    from corridor.routing.matching import advance, last_exit

    params = params_of(uow)
    by_vehicle: dict[str, list[PositionReport]] = {}
    for r in reports:
        if r.vehicle in plan.routes:
            by_vehicle.setdefault(r.vehicle, []).append(r)
    if not by_vehicle:
        return
    db = _db(uow)
    rows = _cached_rows(uow, db, plan.id, by_vehicle)
    open_alerts = uow.alerts.open()
    now = uow.clock()
    now_min = minute_of(plan.origin, now)
    changed, judged = [], []
    for vehicle, batch in by_vehicle.items():
        route = plan.routes[vehicle]
        row = rows.get(vehicle)
        state = _state(row, plan.origin) if row is not None else None
        last = row
        for r in sorted(batch, key=lambda r: r.at):
            at_min = minute_of(plan.origin, r.at)
            if state is not None and at_min < state.at_min:
                continue  # older than what we know: kept in positions, changes nothing
            state = advance(route, state, at_min, r.lon, r.lat, r.speed_kmh, params)
            last = {"at": r.at, "lat": r.lat, "lon": r.lon, "speed_kmh": r.speed_kmh}
        if state is None or last is None or last is row:
            continue
        fresh = {
            "vehicle": vehicle,
            "publication_id": plan.id,
            "at": last["at"],
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
            else dt.datetime.fromisoformat(plan.origin)
            + dt.timedelta(minutes=state.stopped_since_min),
            "finished": state.finished,
        }
        exit_min = last_exit(route, state.along_m, params.stop_radius_m)
        was_late = f"late|{vehicle}||" in open_alerts
        conditions = vehicle_conditions(
            vehicle, state, exit_min, now_min, plan.close_min, params, was_late
        )
        if _worth_storing(db, plan.id, fresh, row, {c.kind for c in conditions if c.active}):
            changed.append(fresh)
        for c in conditions:
            judged.append(alerts.Judged(c, vehicle))
        judged.append(
            alerts.Judged(
                silent_condition(
                    vehicle, now_min, plan.start_min[vehicle], now_min, state.finished, params
                ),
                vehicle,
            )
        )
    uow.tracks.put_many(changed)
    if judged:
        alerts.apply(uow, judged, plan.id, open_alerts)


#: A vehicle's tracked state is written at least this often (seconds of its reports' time),
#: and whenever its leg, its stop, its alerts or whether it has finished change; in between,
#: this process keeps it in memory (the positions themselves are always stored).
STORE_EVERY_S = 30.0

# (database, vehicle) -> (publication, latest row, what was last stored: (at, leg, stopped,
# finished, alert kinds))
_tracks: dict[tuple[str, str], tuple[int, dict[str, Any], tuple[Any, ...]]] = {}


def _cached_rows(
    uow: UnitOfWork, db: str, plan_id: int, vehicles: Any
) -> dict[str, dict[str, Any]]:
    """The vehicles' latest states: from this process's memory, else from the database."""
    out = {}
    with _lock:
        for v in vehicles:
            hit = _tracks.get((db, v))
            if hit is not None and hit[0] == plan_id:
                out[v] = hit[1]
    missing = [v for v in vehicles if v not in out]
    if missing:
        for v, row in uow.tracks.get_many(missing).items():
            if row["publication_id"] == plan_id:
                out[v] = row
                with _lock:
                    _tracks[(db, v)] = (plan_id, row, _mark(row, set()))
    return out


def _mark(row: dict[str, Any], kinds: set[str]) -> tuple[Any, ...]:
    return (row["at"], row["leg"], row["stopped_since"] is None, row["finished"], frozenset(kinds))


def _worth_storing(
    db: str, plan_id: int, row: dict[str, Any], before: dict[str, Any] | None, kinds: set[str]
) -> bool:
    """Keep the new state in memory; whether it must be written now."""
    mark = _mark(row, kinds)
    key = (db, str(row["vehicle"]))
    with _lock:
        old = _tracks.get(key)
        stored = old[2] if old is not None and old[0] == plan_id and before is not None else None
        due = (
            stored is None
            or mark[1:] != stored[1:]
            or (mark[0] - stored[0]).total_seconds() >= STORE_EVERY_S
        )
        _tracks[key] = (plan_id, row, mark if due or stored is None else stored)
    return due


def forget(uow: UnitOfWork) -> None:
    """Drop the states this process keeps for the database (a new version was published)."""
    db = _db(uow)
    with _lock:
        for key in [k for k in _tracks if k[0] == db]:
            del _tracks[key]


def _overlay(uow: UnitOfWork, plan_id: int, rows: dict[str, dict[str, Any]]) -> None:
    """The states kept in memory over those read from the database."""
    db = _db(uow)
    with _lock:
        rows.update({k[1]: t[1] for k, t in _tracks.items() if k[0] == db and t[0] == plan_id})


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
            judged = []
            for vehicle, start in plan.start_min.items():
                row = rows.get(vehicle)
                last = None if row is None else minute_of(plan.origin, row["received_at"])
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
    now_min = minute_of(plan.origin, now)
    out = []
    from corridor.routing.matching import last_exit

    for vehicle in sorted(plan.routes):
        if who.role is Role.DRIVER and vehicle != who.vehicle:
            continue
        row = rows.get(vehicle)
        if row is None:
            silent = now_min - plan.start_min[vehicle] if now_min >= plan.start_min[vehicle] else 0
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
        state = _state(row, plan.origin)
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
