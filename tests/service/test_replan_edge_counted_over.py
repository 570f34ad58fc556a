"""A replan where the check-ins count more people boarded at a gathering point than the
scenario says wait there (people came to the point after the count).

Through the service, on the Andorra operation of the live tests (agreed, planned with an
iteration cap, published, replayed on a clock the test moves): a bus boards the last people of
a class at a point, and its boarding check-in counts more of that class there (as many people
in all: it has the room) than the scenario has. The replan used to fail ("more ... board at
... than wait there"); it must succeed, leave nobody waiting there (never a negative count),
carry the extra out with everyone aboard, and say which point with both numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import live.conftest as live_fixtures
from live.replay import Faults, at, replay

from corridor.adapters.clock import FixedClock
from service.conftest import Api
from service.test_replan_twice import SEARCH, in_force, referee_passes

clock = live_fixtures.clock
live_api = live_fixtures.live_api


def last_of_a_class(
    sheets: list[dict[str, Any]], waiting: dict[str, dict[str, int]], stretcher: set[str]
) -> tuple[dict[str, Any], int, str, str]:
    """A boarding stop that takes the last people of class ``c`` waiting at its point, and
    some of another seated class ``d`` (whose seats the extra ``c`` take): its trip sheet,
    the stop's index, ``c`` and ``d``. The vehicle visits that point once."""
    stops = sorted(
        ((s, i, st) for s in sheets for i, st in enumerate(s["stops"]) if st["board"]),
        key=lambda x: x[2]["arrive_min"],
    )
    taken: Counter[tuple[str, str]] = Counter()
    for s, i, st in stops:
        taken.update({(st["place"], c): n for c, n in st["board"].items()})
        once = sum(1 for x in s["stops"] if x["place"] == st["place"] and x["board"]) == 1
        seated = [c for c in st["board"] if c not in stretcher]
        for c in seated:
            others = [d for d in seated if d != c]
            if once and others and taken[(st["place"], c)] == waiting[st["place"]].get(c, 0):
                return s, i, c, others[0]
    raise AssertionError("no boarding stop takes the last of a class with another class")


def test_more_boarded_at_a_point_than_wait_there_does_not_fail_the_replan(
    live_api: Api, clock: FixedClock, referee: Path, tmp_path: Path
) -> None:
    api = live_api
    plan, sheets, people, _ = in_force(api)
    instance = plan["scenario"]["instance"]
    waiting = {g["id"]: g["people"] for g in instance["gathering"]}
    stretcher = {c for c, v in instance["classes"].items() if v.get("stretcher")}
    sheet, index, c, d = last_of_a_class(sheets, waiting, stretcher)
    vehicle, stop = sheet["vehicle"], sheet["stops"][index]
    place, arrive = stop["place"], float(stop["arrive_min"])
    # The operation runs until just before that boarding; then its check-in counts k more of
    # class c (and k fewer of d: the same number in all, within the bus's room).
    replay(api, clock, Faults(), people, until=arrive - 0.5)
    k = min(stop["board"][d], 5)
    counted = {**stop["board"], c: stop["board"][c] + k, d: stop["board"][d] - k}
    counted = {x: n for x, n in counted.items() if n}
    pub = api.get("coordinator", "/v1/publications").json()[-1]
    origin = dt.datetime.fromisoformat(pub["origin"])
    now = arrive + 4.0
    clock.set(at(origin, now))
    body = {"client_id": "counted-more", "vehicle": vehicle, "kind": "boarding",
            "place": place, "at": at(origin, arrive).isoformat(),
            "people": counted, "evacuees": []}  # fmt: skip
    r = api.post("coordinator", "/v1/checkins", body)
    assert r.status_code in (200, 201), r.text
    total = waiting[place][c] + k
    r = api.post("coordinator", "/v1/replan", SEARCH)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["status"] == "done", new["error"]
    # A note names the point and both numbers.
    said = [n for n in new["notes"] if n.startswith(f"{place}: ")]
    assert len(said) == 1, new["notes"]
    assert f"count {total} {c} boarded there" in said[0]
    assert f"the scenario {waiting[place][c]} waiting" in said[0]
    row = api.get("coordinator", f"/v1/plans/{new['id']}").json()
    assert row["params"]["counted"] == [
        {"at": place, "class": c, "boarded": total, "waiting": waiting[place][c]}
    ]
    # Nobody is left waiting there: the replan's instance has what the check-ins counted,
    # and the plan boards no more of that class there.
    replanned = api.get("coordinator", f"/v1/plans/{new['id']}/instance").json()
    there = next(g for g in replanned["gathering"] if g["id"] == place)
    assert there["people"][c] == total
    boarded = sum(
        s.get("board", {}).get(c, 0)
        for route in row["plan"]["routes"]
        for s in route["stops"]
        if s["at"] == place
    )
    boarded += sum(
        s.get("board", {}).get(c, 0)
        for h in row["plan"].get("held", [])
        for s in h["stops"]
        if s["at"] == place
    )
    assert boarded == total
    # The bus carries everyone it boarded, the extra too, to a reception centre.
    routes = {route["vehicle"]: route["stops"] for route in row["plan"]["routes"]}
    mine = routes[vehicle]
    assert mine[index]["board"] == counted
    assert sum(sum(s.get("alight", {}).values()) for s in mine) == sum(
        sum(s.get("board", {}).values()) for s in mine
    )
    referee_passes(api, referee, tmp_path, new["id"])
    # They are counted aboard by the reconciliation until they arrive.
    tally = next(
        v for v in api.get("coordinator", "/v1/reconciliation").json()["vehicles"]
        if v["vehicle"] == vehicle
    )  # fmt: skip
    assert tally["boarded"][c] >= counted[c]
    assert sum(tally["unaccounted"].values()) >= sum(counted.values())
