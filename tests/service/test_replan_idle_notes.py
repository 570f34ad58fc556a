"""A vehicle found on its way at a replan that the new plan neither routes nor holds is named
in the replan's notes (the demo's ambulance waiting at its checkpoint was dropped without a
word: the parties read only 'no longer used')."""

from __future__ import annotations

from corridor.services.replan_carry import idle_notes


def test_a_vehicle_on_its_way_that_the_new_plan_drops_is_named() -> None:
    kept = {"D-AND/ambulance/1": 1, "D-AND/bus/0": 4, "D-AND/bus/1": 3, "D-AND/bus/9": 0}
    routes = [{"vehicle": "D-AND/bus/0", "stops": [{"at": "D-AND"}] * 6}]
    held = [{"vehicle": "D-AND/bus/1", "at": "G03"}]
    notes = idle_notes(kept, routes, held)
    assert len(notes) == 1, notes
    assert notes[0].startswith("D-AND/ambulance/1: on its way at the replan (1 stop(s) made")
    assert "no longer used" in notes[0]


def test_nothing_is_said_when_every_vehicle_on_its_way_is_routed_or_held() -> None:
    kept = {"D-AND/bus/0": 2, "D-AND/bus/1": 3}
    routes = [{"vehicle": "D-AND/bus/0", "stops": []}]
    held = [{"vehicle": "D-AND/bus/1"}]
    assert idle_notes(kept, routes, held) == []
