"""A vehicle's first report on a version, at a stop its route passes more than once.

Replays what the demo's replans showed: a bus waiting at a checkpoint to cross out, whose route
came in through the same checkpoint earlier, was taken for the bus on its way in (29 min late,
then "inside after the close"); an ambulance a replan holds at the checkpoint it has just
entered (its crossing in and its crossing out at one place) was taken for the one leaving the
crossing in (late by every minute it waited).
"""

from __future__ import annotations

from corridor.domain.tracking import LiveParams
from corridor.routing.matching import advance, route_line

PARAMS = LiveParams()
K = 111_320.0


def _pt(x: float, y: float) -> list[float]:
    return [x / K, y / K]


def in_and_out_through_one_checkpoint() -> tuple[
    list[list[float]], list[int], list[dict[str, float]]
]:
    """In from the west along a road that passes the checkpoint's place 0.4 m away and ends at
    its node 31 m east; north to a gathering point and back to the node (by a road 31 m from
    the place); it waits there to cross out, then leaves west along the road it came by."""
    coords = [
        _pt(-2000, 0.4), _pt(-1000, 0.4), _pt(-100, 0.4),  # leg 0: depot to the checkpoint
        _pt(31, 0.4), _pt(31, 500),  # leg 1: crossing in, north
        _pt(31, 1000), _pt(31, 500),  # leg 2: the gathering point, back south
        _pt(31, 0.4), _pt(-1000, 0.4), _pt(-2000, 0.4),  # leg 3: crossing out, west
    ]  # fmt: skip
    legs = [0, 0, 0, 1, 1, 2, 2, 3, 3, 3]
    stops = [
        {"arrive_min": 0.0, "leave_min": 0.0},
        {"arrive_min": 20.0, "leave_min": 25.0, "dir": "in"},
        {"arrive_min": 30.0, "leave_min": 40.0},
        {"arrive_min": 45.0, "leave_min": 90.0, "dir": "out"},
        {"arrive_min": 110.0, "leave_min": 110.0},
    ]
    return coords, legs, stops


def test_a_first_report_waiting_to_cross_out_is_not_taken_for_the_way_in() -> None:
    route = route_line(*in_and_out_through_one_checkpoint())
    # at the checkpoint's place at 50: the plan has it there waiting to cross out (45 to 90)
    state = advance(route, None, 50, 0.0, 0.0, None, PARAMS)
    assert state.at_stop == 3, state
    assert state.late_min <= 0, state  # waiting, not 25 min behind its way in
    # still there at 70: on time; its crossing out is still ahead of it
    later = advance(route, state, 70, 0.0, 0.0, None, PARAMS)
    assert later.at_stop == 3, later
    assert later.late_min <= 0, later
    # and at 21, the same place is its way in (the crossing in is nearest that time)
    early = advance(route, None, 21, 0.0, 0.0, None, PARAMS)
    assert early.at_stop == 1, early
    assert early.late_min <= 0, early


def crossing_in_then_held_to_cross_out() -> tuple[
    list[list[float]], list[int], list[dict[str, float]]
]:
    """A replan holds a vehicle that has just crossed in: its crossing out is at the same place
    (a leg of no length), then it drives 2 km east to a reception centre."""
    coords = [
        _pt(-2000, 0), _pt(-1000, 0),  # leg 0: depot to the checkpoint
        _pt(0, 0),  # leg 1: crossing in, no road to the crossing out
        _pt(0, 0), _pt(1000, 0), _pt(2000, 0),  # leg 2: crossing out, east
    ]  # fmt: skip
    legs = [0, 0, 1, 2, 2, 2]
    stops = [
        {"arrive_min": 0.0, "leave_min": 0.0},
        {"arrive_min": 20.0, "leave_min": 25.0, "dir": "in"},
        {"arrive_min": 26.0, "leave_min": 60.0, "dir": "out"},
        {"arrive_min": 70.0, "leave_min": 70.0},
    ]
    return coords, legs, stops


def test_waiting_at_two_stops_in_one_place_is_the_one_not_left_yet() -> None:
    route = route_line(*crossing_in_then_held_to_cross_out())
    state = None
    for minute in range(30, 56, 5):
        state = advance(route, state, minute, 0.0, 0.0, None, PARAMS)
        assert state.at_stop == 2, (minute, state)
        assert state.late_min <= 0, (minute, state)  # waits for its crossing out at 60
    # before the crossing in is left, it is the crossing in
    first = advance(route, None, 22, 0.0, 0.0, None, PARAMS)
    assert first.at_stop == 1, first
    assert first.late_min <= 0, first


def shuttle_twice() -> tuple[list[list[float]], list[int], list[dict[str, float]]]:
    """From a depot 1 km east to a checkpoint, then twice up a 1 km road to a gathering point
    and back: the road north is passed four times."""
    coords = [
        _pt(0, 0), _pt(500, 0),  # leg 0: depot to the checkpoint
        _pt(1000, 0), _pt(1000, 500),  # leg 1: north, first time
        _pt(1000, 1000), _pt(1000, 500),  # leg 2: back
        _pt(1000, 0), _pt(1000, 500),  # leg 3: north, second time
        _pt(1000, 1000), _pt(1000, 500),  # leg 4: back
        _pt(1000, 0),  # the end
    ]  # fmt: skip
    legs = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4]
    times = [(0, 0), (10, 10), (20, 30), (40, 40), (50, 60), (70, 70)]
    return coords, legs, [{"arrive_min": a, "leave_min": b} for a, b in times]


def test_a_vehicle_first_seen_off_its_route_is_matched_by_the_time_once_back_on_it() -> None:
    """After a replan a vehicle whose next stop changed is off its new route at first (it was
    driving to the old one); once it is back on the road, it is on the pass the plan has it on
    then, not on the first pass of that road (which made it look 30 min late)."""
    route = route_line(*shuttle_twice())
    off = advance(route, None, 44, 1700 / K, -700 / K, None, PARAMS)
    assert off.off_route_m > PARAMS.off_route_m, off
    back = advance(route, off, 45, 1000 / K, 500 / K, None, PARAMS)
    assert back.leg == 3, back
    assert abs(back.late_min) < 1, back
    # and a vehicle seen on its route keeps its order: the next report is matched from there
    on = advance(route, back, 47, 1000 / K, 700 / K, None, PARAMS)
    assert on.leg == 3, on
    assert abs(on.late_min) < 1, on
