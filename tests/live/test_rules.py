"""The live operation's rules without a database: conditions, forward-only status, replay of
check-ins (domain/tracking.py, services/reconciliation.py)."""

from __future__ import annotations

import datetime as dt

from conftest import T0

from corridor.domain.operations import CheckIn
from corridor.domain.tracking import (
    LiveParams,
    TrackState,
    forward,
    silent_condition,
    vehicle_conditions,
)
from corridor.services.reconciliation import replay

P = LiveParams()


def state(**kw: object) -> TrackState:
    base = {"at_min": 100.0, "lon": 0.0, "lat": 0.0, "along_m": 500.0, "off_route_m": 0.0,
            "leg": 0, "late_min": 0.0, "stopped_since_min": None, "finished": False}  # fmt: skip
    return TrackState(**{**base, **kw})  # type: ignore[arg-type]


def active(
    s: TrackState, now: float, exit_min: float | None = None, was_late: bool = False
) -> set[str]:
    return {
        c.kind for c in vehicle_conditions("V", s, exit_min, now, 600.0, P, was_late) if c.active
    }


def test_each_condition_at_its_threshold() -> None:
    assert active(state(), 100) == set()
    assert active(state(late_min=10), 100) == {"late"}
    assert active(state(late_min=9.9), 100) == set()
    # Once raised, late clears only under half the threshold.
    assert active(state(late_min=6), 100, was_late=True) == {"late"}
    assert active(state(late_min=4.9), 100, was_late=True) == set()
    assert active(state(off_route_m=251), 100) == {"off_route"}
    assert active(state(stopped_since_min=90), 100) == {"stopped"}
    assert active(state(stopped_since_min=90, at_stop=2), 100) == set()  # waiting is planned
    assert active(state(late_min=12), 100, exit_min=590) == {"late", "inside_after_close"}
    assert active(state(late_min=4), 100, exit_min=599) == set()  # noise is no projection
    assert active(state(late_min=30, finished=True), 100) == set()


def test_silent_only_on_the_way() -> None:
    assert not silent_condition("V", None, 200, 150, False, P).active  # not started
    assert silent_condition("V", None, 200, 205, False, P).active  # should have started
    assert not silent_condition("V", 203, 200, 207, False, P).active
    assert silent_condition("V", 201, 200, 207, False, P).active
    assert not silent_condition("V", 201, 200, 300, True, P).active  # parked at the end


def test_status_only_moves_forward() -> None:
    assert forward("registered", "boarded")
    assert forward("boarded", "arrived")
    assert not forward("arrived", "boarded")
    assert not forward("boarded", "boarded")


def checkin(kind: str, vehicle: str, place: str, minutes: float, ids: tuple[int, ...]) -> CheckIn:
    at = T0 + dt.timedelta(minutes=minutes)
    return CheckIn(
        f"{kind}-{vehicle}-{minutes}", kind, vehicle, place, at, {"general": len(ids)}, ids
    )


def test_a_late_boarding_is_kept_and_never_undoes_an_arrival() -> None:
    evacuees = [{"id": i, "household": "H1" if i < 3 else "H2", "people_class": "general"}
                for i in (1, 2, 3)]  # fmt: skip
    people, vehicles = replay(
        [
            checkin("boarding", "A", "G1", 0, (1,)),
            checkin("boarding", "B", "G1", 1, (2,)),
            checkin("arrival", "A", "R1", 30, (1,)),
            checkin("boarding", "A", "G1", 2, (1,)),  # the retry, delivered after the arrival
        ],
        evacuees,
    )
    assert people[1].status == "arrived"
    assert [h["applied"] for h in people[1].history] == [True, True, False]
    assert "already arrived" in people[1].history[-1]["note"]
    assert people[2].status == "boarded"
    assert people[3].status == "registered"
    assert sum(vehicles["A"].boarded.values()) == 1  # the retry is not counted twice
    # Household H1 boarded two vehicles: a split.
    assert {people[1].vehicle, people[2].vehicle} == {"A", "B"}
