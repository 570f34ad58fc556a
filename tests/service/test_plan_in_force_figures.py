"""The figures of the operation follow the plan in force, not the newest finished plan (HTTP).

Found by an operator: with plan 1 published and plans 2 and 3 made and not published,
``GET /v1/progress`` reported plan 3's planned counts and ``GET /v1/exports/vehicles.csv``
listed plan 3's vehicles. The progress, the HXL exports, the public facts (the notices and CAP
messages are made of them) and the after-action report all read the plan in force (its newest
published version) until a new one is published, and say there is none before the first.

The Andorra example agreed (at most 8 vehicles) and planned as the live tests do; plans 2 and 3
exclude half of plan 1's vehicles each, so that each lists other vehicles than plan 1.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from live.conftest import PUBLISH_AT, planned

from corridor.adapters.clock import FixedClock

from .conftest import Api, fresh_pg_database, make_api
from .test_planning_api import wait_plan


@dataclass
class Operation:
    """Plan 1 published, plans 2 and 3 made after it and not published; what the service said
    before anything was published."""

    api: Api
    plans: list[dict[str, Any]]
    corridor: str
    before: dict[str, Any]


def used(plan: dict[str, Any]) -> list[str]:
    """The vehicles a plan moves (a route of one stop stays at its depot)."""
    return sorted(r["vehicle"] for r in plan["plan"]["routes"] if len(r["stops"]) > 1)


def vehicles_csv(api: Api) -> list[str]:
    r = api.get("coordinator", "/v1/exports/vehicles.csv")
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))[2:]  # names, then HXL hashtags
    return sorted(row[0] for row in rows)


def unit_notice(api: Api, corridor: str) -> str:
    """The text of party A's unit package: its timetable lists the planned crossings."""
    from pypdf import PdfReader

    r = api.get("liaison-a", f"/v1/corridors/{corridor}/notices/unit-party_a-en.pdf")
    assert r.status_code == 200, r.text
    pages = PdfReader(io.BytesIO(r.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def plan_more(api: Api, first: dict[str, Any], excluded: list[str]) -> dict[str, Any]:
    body = {
        "scenario_id": first["scenario_id"],
        "corridor": first["corridor"],
        "time_limit": 120,
        "seed": 7,
        "iterations": 20,
        "excluded_vehicles": excluded,
    }
    r = api.post("coordinator", "/v1/plans", body)
    assert r.status_code == 202, r.text
    plan = wait_plan(api, r.json()["id"])
    assert plan["status"] == "done", plan["error"]
    return plan


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None (SQLite), or a fresh PostgreSQL database for the module, dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def operation(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Operation]:
    with database(request.param) as url:
        app = make_api(
            tmp_path_factory.mktemp("in-force"), url, clock=FixedClock(PUBLISH_AT),
            live_sweep_seconds=0,
        )  # fmt: skip
        api = next(app)
        first = planned(api)
        before = {
            "progress": api.get("observer", "/v1/progress").json(),
            "vehicles": vehicles_csv(api),
            "notice": unit_notice(api, first["corridor"]),
            "report": api.get("coordinator", "/v1/after-action.html"),
        }
        r = api.post("coordinator", f"/v1/plans/{first['id']}/publish", {})
        assert r.status_code == 201, r.text
        half = used(first)[::2]
        second = plan_more(api, first, half)
        third = plan_more(api, first, used(first)[1::2])
        yield Operation(api, [first, second, third], first["corridor"], before)
        with contextlib.suppress(StopIteration):
            next(app)


def test_plans_made_after_the_publication_differ_from_it(operation: Operation) -> None:
    """The premise of the tests below: what a later plan would show is not plan 1's."""
    first, second, third = operation.plans
    assert used(second) != used(first)
    assert used(third) != used(first)
    assert set(used(third)) - set(used(first))  # a vehicle only plan 3 moves


def test_before_any_publication_nothing_is_said_to_be_planned(operation: Operation) -> None:
    """Plan 1 was done, not published: no figure came from it."""
    before = operation.before
    assert before["progress"]["plan"] is None
    assert before["progress"]["planned"] == {}
    assert before["vehicles"] == []
    assert "No movement is planned yet" in before["notice"]
    assert before["report"].status_code == 404
    assert "corridor of a published plan" in before["report"].json()["detail"]


def test_progress_counts_against_the_published_plan(operation: Operation) -> None:
    first, _, third = operation.plans
    progress = operation.api.get("observer", "/v1/progress").json()
    assert progress["plan"] == first["id"] != third["id"]
    assert progress["planned"] == first["report"]["check"]["evacuated"]


def test_the_vehicles_export_lists_the_published_plans_vehicles(operation: Operation) -> None:
    first, _, third = operation.plans
    listed = vehicles_csv(operation.api)
    assert listed == used(first)
    assert listed != used(third)


def test_the_public_timetable_is_the_published_plans(operation: Operation) -> None:
    first, _, third = operation.plans
    notice = unit_notice(operation.api, operation.corridor)
    assert "No movement is planned yet" not in notice
    for vehicle in used(first):
        assert vehicle in notice, vehicle
    for vehicle in set(used(third)) - set(used(first)):
        assert vehicle not in notice, vehicle


def test_the_after_action_report_is_written_from_the_published_plan(
    operation: Operation,
) -> None:
    first, _, third = operation.plans
    r = operation.api.get("coordinator", "/v1/after-action.html")
    assert r.status_code == 200, r.text
    assert f"from plan {first['id']} (published version 1)" in r.text
    assert f"from plan {third['id']} " not in r.text
    assert "only in an earlier version" not in r.text


def test_a_new_publication_moves_every_figure_to_it(operation: Operation) -> None:
    """Runs last: plan 3 published, every figure follows it."""
    api, third = operation.api, operation.plans[2]
    r = api.post("coordinator", f"/v1/plans/{third['id']}/publish", {})
    assert r.status_code == 201, r.text
    progress = api.get("observer", "/v1/progress").json()
    assert progress["plan"] == third["id"]
    assert progress["planned"] == third["report"]["check"]["evacuated"]
    assert vehicles_csv(api) == used(third)
    notice = unit_notice(api, operation.corridor)
    for vehicle in used(third):
        assert vehicle in notice, vehicle
    # The report covers the operation: version 2 in force, and what only version 1 planned.
    report = api.get("coordinator", "/v1/after-action.html").text
    assert f"from plan {third['id']} (published version 2)" in report
    dropped = set(used(operation.plans[0])) - set(used(third))
    assert f"{len(dropped)} only in an earlier version of the plan" in report
    assert "version 1 only: not in version 2, the plan in force" in report
