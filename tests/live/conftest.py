"""Fixtures of the live-operation tests: the service on a clock the test moves, with the
Andorra example uploaded, agreed by both parties and planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import service.conftest as service_fixtures
from conftest import T0
from service.conftest import Api, log_head, make_api, open_over_http
from service.test_agreement_api import post_envelope
from service.test_planning_api import scenario_view, upload_andorra, wait_plan

from corridor.adapters.clock import FixedClock
from corridor.domain.agreement import Kind
from corridor.domain.proposal import ROLES
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey

# The service tests' backends: SQLite, and PostgreSQL when it answers.
backend = service_fixtures.backend
pg_url = service_fixtures.pg_url

#: Publishing happens an hour before T0 (04:00 in Andorra): three hours before the agreed
#: window opens, so that every movement can be notified its lead time (120 min) ahead.
PUBLISH_AT = T0 - dt.timedelta(hours=1)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PUBLISH_AT)


@pytest.fixture
def live_api(tmp_path: Path, backend: str | None, clock: FixedClock) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, on ``clock``; no background sweep (the tests
    sweep when they move the clock)."""
    yield from make_api(tmp_path, backend, clock=clock, live_sweep_seconds=0)


def agree(
    api: Api, scenario: dict[str, Any], max_vehicles: int, window: tuple[float, float]
) -> tuple[str, dict[str, SignerKey], str]:
    """The scenario's corridor opened, keys registered, version 1 accepted by both parties:
    its name, every role's key and the version's digest (to sign more about it)."""
    signers = {r: SignerKey.generate(r.replace("_", "-")) for r in ROLES}
    doc = negotiation.document_for_scenario(
        scenario,
        {r: s.verifier().text() for r, s in signers.items()},
        time_zone="Europe/Andorra",
        max_vehicles=max_vehicles,
        window=window,
    )
    corridor = str(doc["corridor"])
    open_over_http(api.get, lambda who, e: post_envelope(api, who, e), corridor, signers, T0)
    post_envelope(
        api,
        "coordinator",
        negotiation.proposal(doc, signers["intermediary"], T0, log_head(api.get)),
    )
    digest = str(api.get("coordinator", f"/v1/corridors/{corridor}").json()["versions"][0]["hash"])
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        envelope = negotiation.on_version(
            Kind.ACCEPTANCE, corridor, signers[role], 1, digest, T0, log_head(api.get)
        )
        post_envelope(api, who, envelope)
    return corridor, signers, digest


def planned(
    api: Api, time_limit: float = 120, seed: int = 7, iterations: int = 20
) -> dict[str, Any]:
    """Andorra uploaded, agreed (window 07:00-16:00, at most 8 vehicles) and planned; the
    plan row with ``scenario``, ``signers`` and ``digest`` added. The iteration cap (reached
    long before the time limit) makes it the same plan on any machine, however busy, so the
    replays below see the same trips every run."""
    sid = upload_andorra(api)
    scenario = scenario_view(api, sid)
    window = scenario["instance"]["window"]
    corridor, signers, digest = agree(
        api, scenario, 8, (window["open"] + 60, window["close"] - 120)
    )
    r = api.post(
        "coordinator",
        "/v1/plans",
        {
            "scenario_id": sid,
            "corridor": corridor,
            "time_limit": time_limit,
            "seed": seed,
            "iterations": iterations,
        },
    )
    assert r.status_code == 202, r.text
    plan = wait_plan(api, r.json()["id"])
    assert plan["status"] == "done", plan["error"]
    plan.update(scenario=scenario, signers=signers, digest=digest, corridor=corridor)
    return plan
