"""The live operation's rules: thresholds, a vehicle's tracked state, the conditions that
raise alerts, and a person's status that only moves forward.

Standard library only. Matching a position to a route is :mod:`corridor.routing.matching`;
the services keep the state between reports and store what changed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

#: The kinds of alert (docs/live.md says what each means and what to do).
ALERT_KINDS = (
    "late",
    "off_route",
    "stopped",
    "silent",
    "inside_after_close",
    "missing_person",
    "short_arrival",
    "incident_near_route",
    "household_split",
    "stranded",
)
ALERT_STATES = ("raised", "acknowledged", "cleared")


@dataclass(frozen=True)
class LiveParams:
    """The thresholds of the live operation (settings ``CORRIDOR_LIVE_*``; docs/live.md)."""

    late_min: float = 10.0
    off_route_m: float = 250.0
    stopped_min: float = 10.0
    silent_min: float = 5.0
    missing_min: float = 15.0
    incident_m: float = 1000.0
    stop_radius_m: float = 150.0
    moving_kmh: float = 3.0
    clock_ahead_min: float = 5.0
    clock_behind_h: float = 24.0
    #: A report more than this many km outside the bounding box of the operation's places is
    #: stored but not trusted (latitude and longitude swapped, no fix).
    area_margin_km: float = 50.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a number > 0, got {value!r}")


@dataclass(frozen=True)
class TrackState:
    """A vehicle's state after its latest trusted report (minutes from the origin)."""

    at_min: float
    lon: float
    lat: float
    along_m: float
    off_route_m: float
    leg: int
    late_min: float
    stopped_since_min: float | None
    finished: bool
    at_stop: int | None = None
    speed_kmh: float | None = None


def minute_of(origin: str, when: dt.datetime) -> float:
    """Minutes from the plan's origin (an ISO instant with its offset) to ``when``."""
    return (when - dt.datetime.fromisoformat(origin)).total_seconds() / 60


def replace_state(state: TrackState, **changes: Any) -> TrackState:
    return replace(state, **changes)


@dataclass(frozen=True)
class Condition:
    """An alert's condition, true or not now: its kind, what it is about, plain words, data."""

    kind: str
    active: bool
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    subject: str = ""


@dataclass(frozen=True)
class Judgement:
    """What a vehicle's latest state says against its plan (see :func:`judge`)."""

    late: bool
    off_route: bool
    stopped: bool
    inside_after_close: bool
    stopped_for: float
    projected_exit: float | None

    #: The kinds of alert whose condition holds.
    kinds: frozenset[str]


def judge(
    state: TrackState,
    last_exit_min: float | None,
    now_min: float,
    close_min: float,
    params: LiveParams,
    was_late: bool = False,
) -> Judgement:
    """Late, off route, stopped and inside-after-close, judged on the vehicle's latest state.

    ``last_exit_min`` is the planned end of the vehicle's last outbound crossing still ahead
    of it (None: none ahead); being late by N min pushes it N min later. ``was_late``: a
    ``late`` alert is open (it clears under half the threshold)."""
    # Raised at the threshold, cleared only well under it: a vehicle that makes up a few
    # minutes at a stop and loses them again is one alert, not many.
    threshold = params.late_min / 2 if was_late else params.late_min
    late = state.late_min >= threshold and not state.finished
    off = state.off_route_m > params.off_route_m and not state.finished
    stopped_for = now_min - state.stopped_since_min if state.stopped_since_min is not None else 0
    stopped = (
        state.stopped_since_min is not None
        and stopped_for >= params.stopped_min
        and state.at_stop is None
        and not state.finished
    )
    # Lateness under half the threshold is noise (a position matched a little back along a
    # winding road), not a projection.
    lateness = state.late_min if state.late_min >= params.late_min / 2 else 0.0
    projected = None if last_exit_min is None else last_exit_min + lateness
    inside = projected is not None and projected > close_min + 1e-6 and not state.finished
    flags = (("late", late), ("off_route", off), ("stopped", stopped))
    kinds = frozenset(k for k, on in (*flags, ("inside_after_close", inside)) if on)
    return Judgement(late, off, stopped, inside, stopped_for, projected, kinds)


def vehicle_conditions(
    vehicle: str,
    state: TrackState,
    last_exit_min: float | None,
    now_min: float,
    close_min: float,
    params: LiveParams,
    was_late: bool = False,
    judged: Judgement | None = None,
) -> list[Condition]:
    """The conditions of :func:`judge` (``judged``, when the caller has it), in words."""
    j = judged or judge(state, last_exit_min, now_min, close_min, params, was_late)
    after = 0.0 if j.projected_exit is None else j.projected_exit - close_min
    return [
        Condition(
            "late",
            j.late,
            f"{vehicle} is {state.late_min:.0f} min behind its plan on leg {state.leg + 1}",
            {"late_min": round(state.late_min, 1), "leg": state.leg},
        ),
        Condition(
            "off_route",
            j.off_route,
            f"{vehicle} is {state.off_route_m:.0f} m off its agreed route on leg {state.leg + 1}",
            {"off_route_m": round(state.off_route_m), "leg": state.leg},
        ),
        Condition(
            "stopped",
            j.stopped,
            f"{vehicle} has not moved for {j.stopped_for:.0f} min away from any planned stop",
            {"stopped_min": round(j.stopped_for, 1)},
        ),
        Condition(
            "inside_after_close",
            j.inside_after_close,
            f"{vehicle} is projected to leave the zone {after:.0f} min after the window closes",
            {"projected_exit_min": j.projected_exit, "close_min": close_min},
        ),
    ]


def silent_condition(
    vehicle: str, last_received_min: float | None, start_min: float, now_min: float,
    finished: bool, params: LiveParams,
) -> Condition:  # fmt: skip
    """No report for ``silent_min`` from a vehicle that should be on its way (it has started
    by its plan, and not finished its route)."""
    since = last_received_min if last_received_min is not None else start_min
    quiet = now_min - since
    active = not finished and now_min >= start_min and quiet >= params.silent_min
    return Condition(
        "silent",
        active,
        f"{vehicle} has sent no position for {quiet:.0f} min",
        {"silent_min": round(quiet, 1)},
    )


#: A person's status only moves forward.
STATUS_RANK = {"registered": 0, "boarded": 1, "arrived": 2}


def forward(current: str, proposed: str) -> bool:
    """Whether a person whose status is ``current`` may move to ``proposed``."""
    return STATUS_RANK.get(proposed, -1) > STATUS_RANK.get(current, -1)
