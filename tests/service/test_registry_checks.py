"""The registry accepts only names of the operation's scenario, and a retry only as it was.

Class, gathering point and vehicle are counted by name in what the parties see (the summary,
the ``registry`` events): free text there would carry personal data to them. Each case replays
the request a review found accepted, through the real HTTP app, and checks that it is refused
naming the field and the value, that nothing was stored or changed, and that a liaison's summary
and event stream hold no injected string. On SQLite, and again on PostgreSQL when reachable.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import live.conftest as live_fixtures
from conftest import T0
from live.conftest import planned
from registration import exports as ex
from registration.conftest import store_andorra

from .conftest import Api

ANDORRA = Path(__file__).resolve().parents[2] / "examples" / "andorra" / "scenario.yaml"
INJECTED = "Aina Puig (informant)"
EVACUEES = "/v1/registry/evacuees"

clock = live_fixtures.clock
live_api = live_fixtures.live_api


def andorra(api: Api) -> int:
    """The Andorra example's classes, gathering points and fleet as a compiled scenario (its
    roads are not compiled: the registry reads nothing else of a scenario)."""
    return store_andorra(api.service, 1)


def person(client_id: str, **over: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "household": "H1",
        "people_class": "general",
        "gathering": "G01",
        "name": "Biel Vidal",
        "needs": "insulin",
        "contact": "+376 555 0100",
        "vehicle": "D-AND/bus/0",
        **over,
    }


def everything(api: Api) -> tuple[Any, Any, str]:
    """The registry as stored (read by the coordinator), a liaison's summary, and every event
    a liaison and the observer were sent."""
    stored = api.get("coordinator", EVACUEES, params={"purpose": "test"}).json()
    summary = api.get("liaison-a", "/v1/registry/summary").json()
    streams = "".join(
        api.client.get(
            "/v1/events", headers=api.h(who), params={"idle_close": "0.2", "after": "0"}
        ).text
        for who in ("liaison-a", "liaison-b", "observer")
    )
    return stored, summary, streams


def errors(r: Any) -> list[tuple[str, Any]]:
    return [(e["field"], e["value"]) for e in r.json()["errors"]]


def test_free_text_in_class_gathering_or_vehicle_is_refused(api: Api) -> None:
    andorra(api)
    assert api.post("registrar", EVACUEES, person("rv-0")).status_code == 201
    before = everything(api)
    bad = person(
        "rv-3",
        household="H9",
        people_class=INJECTED,
        gathering="NOWHERE",
        vehicle="NO/SUCH/VEHICLE",
        name="n",
    )
    r = api.post("registrar", EVACUEES, bad)
    assert r.status_code == 422, r.text
    assert errors(r) == [
        ("people_class", INJECTED),
        ("gathering", "NOWHERE"),
        ("vehicle", "NO/SUCH/VEHICLE"),
    ]
    assert "vulnerable" in r.json()["errors"][0]["problem"]  # says what is allowed
    # One bad field alone is refused too, and the valid entry of the same body is not stored.
    for field, value in (("people_class", INJECTED), ("gathering", "NOWHERE")):
        r = api.post("registrar", EVACUEES, person("rv-4", **{field: value}))
        assert (r.status_code, errors(r)) == (422, [(field, value)])
    after = everything(api)
    assert after == before
    stored, summary, streams = after
    assert [p["client_id"] for p in stored] == ["rv-0"]
    assert summary["by_class"] == {"general": 1}
    for text in (INJECTED, "NOWHERE", "NO/SUCH/VEHICLE", "Aina"):
        assert text not in json.dumps(summary)
        assert text not in streams


def test_before_any_scenario_registration_still_works(api: Api) -> None:
    """Registrars may start before a scenario is uploaded; from then on, names are checked."""
    r = api.post("registrar", EVACUEES, person("early", people_class="general", gathering="G1"))
    assert r.status_code == 201, r.text
    andorra(api)
    r = api.post("registrar", EVACUEES, person("later", people_class="general", gathering="G1"))
    assert (r.status_code, errors(r)) == (422, [("gathering", "G1")])
    # The phone that sent "early" sends it again: a retry answers as the first time did, though
    # its gathering point is not the scenario's (it was stored before there was one).
    r = api.post("registrar", EVACUEES, person("early", people_class="general", gathering="G1"))
    assert (r.status_code, r.json()["created"]) == (200, False), r.text


def board(api: Api, ident: int, vehicle: str = "D-AND/bus/0") -> None:
    checkin = {
        "client_id": f"board-{ident}",
        "kind": "boarding",
        "vehicle": vehicle,
        "place": "G01",
        "at": T0.isoformat(),
        "people": {"general": 1},
        "evacuees": [ident],
    }
    r = api.post("coordinator", "/v1/checkins", checkin)
    assert r.status_code == 201, r.text


def test_a_vehicle_outside_the_operation_or_after_boarding_is_refused(api: Api) -> None:
    andorra(api)
    waiting = api.post("registrar", EVACUEES, person("w", vehicle=None)).json()["id"]
    boarded = api.post("registrar", EVACUEES, person("b")).json()["id"]
    board(api, boarded)
    before = everything(api)
    put = api.client.put
    r = put(
        f"{EVACUEES}/{waiting}/vehicle", json={"vehicle": "ZZZ/bus/99"}, headers=api.h("registrar")
    )
    assert (r.status_code, errors(r)) == (422, [("vehicle", "ZZZ/bus/99")])
    r = put(
        f"{EVACUEES}/{boarded}/vehicle", json={"vehicle": "D-AND/bus/1"}, headers=api.h("registrar")
    )
    assert r.status_code == 409, r.text
    assert errors(r) == [(f"evacuees/{boarded}", "D-AND/bus/0")]
    assert f"person {boarded} has already boarded 'D-AND/bus/0'" in r.json()["errors"][0]["problem"]
    r = put(f"{EVACUEES}/{boarded}/vehicle", json={"vehicle": None}, headers=api.h("registrar"))
    assert r.status_code == 409, r.text
    assert everything(api) == before
    summary = before[1]
    assert summary["by_vehicle"] == {"D-AND/bus/0": 1}
    assert "ZZZ" not in json.dumps(summary)
    assert "ZZZ" not in before[2]
    # A vehicle of the fleet is still assigned to a person who has not boarded.
    r = put(
        f"{EVACUEES}/{waiting}/vehicle", json={"vehicle": "D-AND/bus/1"}, headers=api.h("registrar")
    )
    assert r.status_code == 200, r.text


def test_a_client_id_sent_again_with_other_content_is_a_conflict(api: Api) -> None:
    andorra(api)
    first = api.post("registrar", EVACUEES, person("rv-1", name="Aina Puig"))
    assert first.status_code == 201
    ident = first.json()["id"]
    again = api.post("registrar", EVACUEES, person("rv-1", name="Aina Puig"))
    assert (again.status_code, again.json()) == (200, {"id": ident, "created": False})
    # A retry that named no vehicle does not undo the one the person is on.
    again = api.post("registrar", EVACUEES, person("rv-1", name="Aina Puig", vehicle=None))
    assert (again.status_code, again.json()) == (200, {"id": ident, "created": False})
    before = everything(api)
    for other in (
        {"name": "Other Person", "household": "H2"},
        {"needs": None},
        {"people_class": "vulnerable"},
        {"vehicle": "D-AND/bus/1"},
    ):
        r = api.post("registrar", EVACUEES, person("rv-1", **{"name": "Aina Puig", **other}))
        assert r.status_code == 409, (other, r.text)
        assert errors(r) == [("client_id", "rv-1")]
        problem = r.json()["errors"][0]["problem"]
        assert all(f in problem for f in other), problem  # names the fields that differ
        for secret in ("Aina", "Other", "insulin"):
            assert secret not in r.text
    assert everything(api) == before
    stored = before[0]
    assert [(p["client_id"], p["name"], p["household"]) for p in stored] == [
        ("rv-1", "Aina Puig", "H1")
    ]


def test_an_import_checks_against_the_same_scenario_and_refuses_edited_resubmissions(
    api: Api,
) -> None:
    andorra(api)
    subs = ex.sample(T0)
    bad = [
        dataclasses.replace(subs[0], gathering="NOWHERE"),
        dataclasses.replace(
            subs[1], members=[dataclasses.replace(subs[1].members[0], people_class=INJECTED)]
        ),
    ]
    before = everything(api)
    r = api.post(
        "registrar",
        "/v1/registry/imports",
        {"files": [{"name": "d.json", "text": ex.kobo_json(bad).decode()}]},
    )
    assert r.status_code == 422, r.text
    found = errors(r)
    assert ("d.json row 1: household/gathering", "NOWHERE") in found, found
    assert [v for _, v in found].count(INJECTED) == 1, found
    assert "row 2" in next(f for f, v in found if v == INJECTED)
    assert everything(api) == before
    # Imported once; the same submission edited since is named by its row, nothing is added.
    body = {"files": [{"name": "d.json", "text": ex.kobo_json(subs).decode()}]}
    assert api.post("registrar", "/v1/registry/imports", body).status_code == 201
    before = everything(api)
    edited = [subs[0], dataclasses.replace(subs[1], contact="+376 600 999 999"), *subs[2:]]
    extra = dataclasses.replace(subs[2], uuid="0b7e4c1a-0000-4000-8000-000000000001")
    text = ex.kobo_json([*edited, extra]).decode()
    r = api.post("registrar", "/v1/registry/imports", {"files": [{"name": "e.json", "text": text}]})
    assert r.status_code == 422, r.text
    assert errors(r) == [("e.json row 2: submission id", subs[1].uuid)]
    assert "contact" in r.json()["errors"][0]["problem"]
    assert "600 999" not in r.text
    assert everything(api) == before


def test_while_a_plan_is_in_force_its_names_are_the_ones_checked(live_api: Api) -> None:
    """A scenario uploaded after the plan was published (a draft for later, another valley)
    changes nothing: the registry checks against the plan in force, as the live checks do."""
    api = live_api
    plan = planned(api, iterations=10)
    r = api.post("coordinator", f"/v1/plans/{plan['id']}/publish", {"reason": ""})
    assert r.status_code == 201, r.text
    newer = andorra(api)
    with api.service.uow() as uow:
        uow.scenarios.set_fields(
            newer,
            instance={
                "classes": {"other": {"weight": 1}},
                "gathering": [{"id": "X1"}],
                "depots": [],
            },
        )
        uow.commit()
    vehicle = api.get("coordinator", "/v1/trip-sheets").json()[0]["vehicle"]
    ok = api.post("registrar", EVACUEES, person("p-1", vehicle=vehicle))
    assert ok.status_code == 201, ok.text
    r = api.post("registrar", EVACUEES, person("p-2", people_class="other", gathering="X1"))
    assert (r.status_code, errors(r)) == (422, [("people_class", "other"), ("gathering", "X1")])
    assert "the plan in force" in r.json()["errors"][0]["problem"]
    # An import naming the newer scenario is checked against the plan in force all the same.
    elsewhere = [dataclasses.replace(ex.sample(T0)[0], gathering="X1")]
    body = {"files": [{"name": "x.json", "text": ex.kobo_json(elsewhere).decode()}],
            "scenario_id": newer}  # fmt: skip
    r = api.post("registrar", "/v1/registry/imports", body)
    assert r.status_code == 422, r.text
    assert ("x.json row 1: household/gathering", "X1") in errors(r), errors(r)
