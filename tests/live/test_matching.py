"""Matching positions to a planned route (routing/matching.py), on small named routes."""

from __future__ import annotations

import math

from corridor.domain.tracking import LiveParams, TrackState
from corridor.routing.matching import RouteLine, advance, distance_to, match, route_line

PARAMS = LiveParams()
K = 111_320.0


def out_and_back() -> tuple[list[list[float]], list[int], list[dict[str, float]]]:
    """A 2 km road east to a gathering point and back the same way: the return passes every
    point of the way out, so only the order of reports tells which leg a vehicle is on."""
    east = [[i * 100 / K, 0.0] for i in range(21)]
    coords = east + east[::-1]
    legs = [0] * 21 + [1] * 21
    stops = [
        {"arrive_min": 0.0, "leave_min": 0.0},
        {"arrive_min": 10.0, "leave_min": 30.0},
        {"arrive_min": 40.0, "leave_min": 40.0},
    ]
    return coords, legs, stops


def test_the_way_back_is_matched_after_the_way_out() -> None:
    route = route_line(*out_and_back())
    assert abs(route.length_m - 4000) < 5
    state = None
    for minute, x in ((2, 400), (6, 1200), (20, 2000), (34, 1200), (38, 400)):
        state = advance(route, state, minute, x / K, 0.0, None, PARAMS)
    assert state is not None
    assert state.leg == 1
    assert abs(state.along_m - 3600) < 5
    assert abs(state.late_min) < 0.1


def test_waiting_at_a_stop_is_planned_and_leaving_late_is_late() -> None:
    route = route_line(*out_and_back())
    m = match(route, 2000 / K, 0.0, 1900, 250)
    assert m.at_stop == 1
    assert m.planned_min == 30.0  # at the stop, the plan has it leave at 30
    state = advance(route, None, 25, 2000 / K, 0.0, None, PARAMS)
    assert state.late_min < 0
    later = advance(route, state, 47, 1200 / K, 0.0, None, PARAMS)
    assert abs(later.late_min - 13) < 0.1


def test_off_the_route_keeps_the_progress_and_says_how_far() -> None:
    route = route_line(*out_and_back())
    state = advance(route, None, 5, 1000 / K, 0.0, None, PARAMS)
    off = advance(route, state, 6, 1100 / K, 600 / K, None, PARAMS)
    assert abs(off.off_route_m - 600) < 2
    assert off.along_m == state.along_m
    assert abs(distance_to(route, 1100 / K, 600 / K) - 600) < 2


def shuttle_with_parallel_return() -> tuple[list[list[float]], list[int], list[dict[str, float]]]:
    """3 km east to a gathering point (10 min, waiting 5), then back on the other carriageway
    40 m to the north (10 min): every point of the way out has a point of the way back, 15
    minutes later in the plan, 40 m away."""
    out = [[i * 100 / K, 0.0] for i in range(31)]
    back = [[i * 100 / K, 40 / K] for i in range(30, -1, -1)]
    stops = [
        {"arrive_min": 0.0, "leave_min": 0.0},
        {"arrive_min": 10.0, "leave_min": 15.0},
        {"arrive_min": 25.0, "leave_min": 25.0},
    ]
    return out + back, [0] * 31 + [1] * 31, stops


def _detour(
    route: RouteLine, north_m: float
) -> tuple[list[tuple[float, TrackState]], list[tuple[float, bool]]]:
    """Every half minute of the way out (300 m a minute, east) and the wait, leaving the road
    northward between minutes 1.5 and 7.5 (a half sine up to ``north_m``): the states, and
    the minutes at which off_route changes. Progress never runs ahead of the vehicle."""
    state = None
    states: list[tuple[float, TrackState]] = []
    off_changes: list[tuple[float, bool]] = []
    for step in range(1, 19):
        minute = step / 2
        x = min(300.0 * minute, 3000.0)
        y = north_m * math.sin(math.pi * (minute - 1.5) / 6) if 1.5 < minute < 7.5 else 0.0
        state = advance(route, state, minute, x / K, y / K, None, PARAMS)
        off = state.off_route_m > PARAMS.off_route_m
        if not off_changes or off_changes[-1][1] != off:
            off_changes.append((minute, off))
        assert state.along_m <= x + 50, (minute, state.along_m)
        states.append((minute, state))
    return states, off_changes


def test_a_detour_to_the_side_of_the_way_back_is_not_matched_to_the_way_back() -> None:
    """The vehicle keeps its plan but leaves the road between minutes 1.5 and 7.5, up to
    800 m to the north: as it leaves and as it comes back it is nearer the way back (40 m to
    the north) than the way out. It is on the way out all the same (the plan has it there
    now, and on the way back 15 min later): off_route is raised once and cleared once, and
    its progress never jumps to the way back."""
    states, off_changes = _detour(route_line(*shuttle_with_parallel_return()), 800.0)
    for minute, state in states:
        assert state.leg == 0 or minute >= 10
    state = states[-1][1]
    assert [off for _, off in off_changes] == [False, True, False]
    assert off_changes[1][0] == 2.5  # 400 m away
    assert off_changes[2][0] == 7.0  # 207 m away, back on the way out
    assert state is not None
    assert abs(state.late_min) < 0.5  # at the gathering point, in time


def loop_back_a_kilometre_north() -> tuple[list[list[float]], list[int], list[dict[str, float]]]:
    """3 km east to a gathering point (10 min, waiting 20), then 1 km north and 3 km back west
    (15 min): the way back runs 1 km north of the way out, 30 to 40 minutes later in the
    plan."""
    out = [[i * 100 / K, 0.0] for i in range(31)]
    north = [[3000 / K, j * 100 / K] for j in range(1, 11)]
    back = [[i * 100 / K, 1000 / K] for i in range(29, -1, -1)]
    stops = [
        {"arrive_min": 0.0, "leave_min": 0.0},
        {"arrive_min": 10.0, "leave_min": 30.0},
        {"arrive_min": 45.0, "leave_min": 45.0},
    ]
    return out + north + back, [0] * 31 + [1] * 40, stops


def test_a_detour_across_a_later_part_of_the_route_is_off_the_route() -> None:
    """Leaving the way out for 6 minutes, the vehicle drives onto the road of its way back
    (1 km to the north, where the plan has it half an hour later): it is off its route all
    the same, once, and its progress stays where it left the road."""
    _, off_changes = _detour(route_line(*loop_back_a_kilometre_north()), 1000.0)
    assert [off for _, off in off_changes] == [False, True, False], off_changes
