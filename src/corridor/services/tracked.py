"""This process's memory of each vehicle's tracked state, by database and plan version.

A vehicle's state is read from the database once (its first report after a start, or after a
new version is published), then kept here: matching a report reads nothing. The state is
written at least every :data:`STORE_EVERY_S` of its reports' time and whenever its leg, its
stop, its alerts or whether it has finished change (the positions themselves are always
stored); :func:`forget` drops what is kept when a version is published or a group of reports
fails (the database is then read again).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.domain.tracking import TrackState
from corridor.services.live_plan import db_key

if TYPE_CHECKING:
    from corridor.services.unit_of_work import UnitOfWork

#: A vehicle's tracked state is written at least this often (seconds of its reports' time).
STORE_EVERY_S = 30.0


@dataclass(frozen=True)
class Kept:
    """A vehicle's latest state: its plan version, its row (as stored), what was last stored
    (at, leg, moving, finished, alert kinds) and the state itself."""

    plan_id: int
    row: dict[str, Any]
    mark: tuple[Any, ...]
    state: TrackState


_kept: dict[tuple[str, str], Kept] = {}
_lock = threading.Lock()


def state_of(row: dict[str, Any], origin: dt.datetime) -> TrackState:
    def minute(at: dt.datetime) -> float:
        return (at - origin).total_seconds() / 60

    return TrackState(
        at_min=minute(row["at"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        along_m=float(row["progress_m"]),
        off_route_m=float(row["off_route_m"]),
        leg=int(row["leg"]),
        late_min=float(row["late_min"]),
        stopped_since_min=None if row["stopped_since"] is None else minute(row["stopped_since"]),
        finished=bool(row["finished"]),
        speed_kmh=row.get("speed_kmh"),
    )


def latest(
    uow: UnitOfWork, db: str, plan_id: int, origin: dt.datetime, vehicles: Iterable[str]
) -> dict[str, Kept]:
    """The vehicles' latest states under this plan version: kept, else read (and kept)."""
    out = {}
    with _lock:
        for v in vehicles:
            hit = _kept.get((db, v))
            if hit is not None and hit.plan_id == plan_id:
                out[v] = hit
    missing = [v for v in vehicles if v not in out]
    if missing:
        for v, row in uow.tracks.get_many(missing).items():
            if row["publication_id"] == plan_id:
                kept = Kept(plan_id, row, _mark(row, frozenset()), state_of(row, origin))
                out[v] = kept
                with _lock:
                    _kept[(db, v)] = kept
    return out


def _mark(row: dict[str, Any], kinds: frozenset[str]) -> tuple[Any, ...]:
    return (row["at"], row["leg"], row["stopped_since"] is None, row["finished"], kinds)


def keep(
    db: str, plan_id: int, row: dict[str, Any], state: TrackState, before: Kept | None,
    kinds: frozenset[str],
) -> bool:  # fmt: skip
    """Keep the new state; whether it must be written now."""
    mark = _mark(row, kinds)
    stored = before.mark if before is not None else None
    due = (
        stored is None
        or mark[1:] != stored[1:]
        or (mark[0] - stored[0]).total_seconds() >= STORE_EVERY_S
    )
    with _lock:
        _kept[(db, str(row["vehicle"]))] = Kept(
            plan_id, row, mark if due or stored is None else stored, state
        )
    return due


def forget(uow: UnitOfWork) -> None:
    """Drop the states kept for the database (a new version was published, or a group of
    reports was not stored)."""
    db = db_key(uow)
    with _lock:
        for key in [k for k in _kept if k[0] == db]:
            del _kept[key]


def overlay(uow: UnitOfWork, plan_id: int, rows: dict[str, dict[str, Any]]) -> None:
    """The states kept in memory over those read from the database."""
    db = db_key(uow)
    with _lock:
        rows.update({k[1]: t.row for k, t in _kept.items() if k[0] == db and t.plan_id == plan_id})
