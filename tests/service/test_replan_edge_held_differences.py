"""What a version's differences say of the vehicles a version holds where they stand.

Through the service, on the Andorra operation of the live tests (agreed, planned with an
iteration cap, published as version 1). Version 2 is the same plan with two vehicles held where
they stood after their first boarding (as a replan holds them: the plan's ``held``, no trip
sheet), one stranded (no road out), one held for a plan rule (its recorded state is over its
room); version 3 brings both back into service. The parties' liaison officers read these
sentences: a vehicle held is not "no longer used", and one the replan brings back is not
"newly used"; one held for a rule is held, not stranded.
"""

from __future__ import annotations

from typing import Any

import live.conftest as live_fixtures
from live.conftest import planned

from corridor.adapters.clock import FixedClock
from service.conftest import Api
from service.test_replan_twice import publish

clock = live_fixtures.clock
live_api = live_fixtures.live_api

RULE_REASON = (
    "its recorded state breaks the plan rules ([capacity] stop {i} ({at}): 51 seated aboard, "
    "room 50): held as recorded, with its people aboard, and nothing new is planned for it; "
    "check its check-ins with the driver"
)


def held_after_first_boarding(route: dict[str, Any], rules: bool) -> dict[str, Any]:
    """``route``'s vehicle held where it boarded first, as a replan's plan lists it."""
    i = next(i for i, s in enumerate(route["stops"]) if s.get("board"))
    stop = route["stops"][i]
    return {
        "vehicle": route["vehicle"],
        "at": stop["at"],
        "since": float(stop["depart"]),
        "aboard": dict(stop["board"]),
        "reason": RULE_REASON.format(i=i, at=stop["at"])
        if rules
        else f"no road leads out of the zone from {stop['at']}",
        "stops": route["stops"][: i + 1],
        "stranded": not rules,
        **({"rules": ["capacity"]} if rules else {}),
    }


def stored(api: Api, like: dict[str, Any], plan: dict[str, Any]) -> int:
    """A finished, compliant plan row holding ``plan`` (a replan's, as the coordinator would
    publish it), for the scenario and corridor of ``like``."""
    with api.service.uow() as uow:
        ident = int(uow.plans.add(like["scenario_id"], like["params"], api.user_ids["coordinator"]))
        uow.plans.set_fields(
            ident, status="done", progress=1.0, plan=plan,
            report={**like["report"], "agreement": {"complies": True}},
        )  # fmt: skip
        uow.commit()
    return ident


def said_of(differences: list[str], vehicle: str) -> list[str]:
    return [d for d in differences if d.startswith(f"{vehicle}: ")]


def two_held(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Version 1 published, then version 2 holding two vehicles where they boarded first (the
    first stranded, the second held for a rule): version 1's plan row, the two held entries
    and version 2's answer."""
    first = planned(api, iterations=10)
    publish(api, first["id"])
    routes = sorted(
        (r for r in first["plan"]["routes"] if any(s.get("board") for s in r["stops"])),
        key=lambda r: r["vehicle"],
    )
    held = [held_after_first_boarding(routes[0], False), held_after_first_boarding(routes[1], True)]
    second = {
        **first["plan"],
        "routes": [r for r in first["plan"]["routes"] if r not in routes[:2]],
        "held": held,
    }
    v2 = publish(api, stored(api, first, second), "shelling")
    sheets = {s["vehicle"] for s in api.get("coordinator", "/v1/trip-sheets").json()}
    assert not {h["vehicle"] for h in held} & sheets
    return first, held, v2


def test_a_held_vehicle_is_said_held_where_it_stands_with_why(
    live_api: Api, clock: FixedClock
) -> None:
    _, (stuck, odd), v2 = two_held(live_api)
    # Held where they stand, with the reason: not "no longer used"; only the first stranded.
    (line,) = said_of(v2["differences"], stuck["vehicle"])
    assert line.startswith(f"{stuck['vehicle']}: held at {stuck['at']}, stranded (no road"), line
    (line,) = said_of(v2["differences"], odd["vehicle"])
    assert line.startswith(
        f"{odd['vehicle']}: held where it stands at {odd['at']} ({odd['reason']})"
    ), line
    assert "stranded" not in line
    assert f"{sum(odd['aboard'].values())} people stay on board" in line


def test_a_vehicle_brought_back_is_back_in_service_not_newly_used(
    live_api: Api, clock: FixedClock
) -> None:
    first, held, _ = two_held(live_api)
    # Version 3 brings both back into service (the plan of version 1 again).
    v3 = publish(live_api, stored(live_api, first, first["plan"]), "roads open again")
    routes = {r["vehicle"]: r for r in first["plan"]["routes"]}
    for h in held:
        (line,) = said_of(v3["differences"], h["vehicle"])
        assert line == (
            f"{h['vehicle']}: back in service after being held at {h['at']}, "
            f"{len(routes[h['vehicle']]['stops'])} stops"
        ), v3["differences"]
    assert not any("newly used" in d for d in v3["differences"]), v3["differences"]
