"""One service with the Andorra example agreed, confirmed and planned, shared by a module.

``andorra`` uploads the example, has both parties sign the corridor (document of the scenario,
Europe/Andorra time) and confirm the ceasefire, and publishes a short plan: what the public
announcements, the notices and the exports are made from.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import T0
from service.conftest import Api, log_head, make_api, open_over_http
from service.test_agreement_api import post_envelope
from service.test_planning_api import scenario_view, upload_andorra, wait_plan

from corridor.adapters.clock import RunningClock
from corridor.domain.agreement import Kind
from corridor.domain.proposal import ROLES
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey


@dataclass
class Andorra:
    api: Api
    scenario_id: int
    scenario: dict[str, Any]
    corridor: str
    signers: dict[str, SignerKey]
    version_hash: str

    def sign(self, who: str, role: str, kind: Kind, **extra: Any) -> None:
        envelope = negotiation.on_version(
            kind,
            self.corridor,
            self.signers[role],
            1,
            self.version_hash,
            T0,
            log_head(self.api.get),
            **extra,
        )
        post_envelope(self.api, who, envelope)


@pytest.fixture(scope="module")
def andorra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Andorra]:
    # Published two hours before T0, so that every movement is notified its lead time ahead; the
    # clock then runs on from T0, as the service's own clock (CORRIDOR_CLOCK) would.
    clock = RunningClock(T0 - dt.timedelta(hours=2))
    for api in make_api(tmp_path_factory.mktemp("andorra"), None, clock=clock):
        sid = upload_andorra(api)
        scenario = scenario_view(api, sid)
        signers = {r: SignerKey.generate(r.replace("_", "-")) for r in ROLES}
        doc = negotiation.document_for_scenario(
            scenario,
            {r: s.verifier().text() for r, s in signers.items()},
            time_zone="Europe/Andorra",
            max_vehicles=12,
        )
        corridor = doc["corridor"]
        open_over_http(api.get, functools.partial(post_envelope, api), corridor, signers, T0)
        proposal = negotiation.proposal(doc, signers["intermediary"], T0, log_head(api.get))
        post_envelope(api, "coordinator", proposal)
        digest = api.get("coordinator", f"/v1/corridors/{doc['corridor']}").json()["versions"][0][
            "hash"
        ]
        out = Andorra(api, sid, scenario, doc["corridor"], signers, digest)
        for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
            out.sign(who, role, Kind.ACCEPTANCE)
        plan = api.post(
            "coordinator",
            "/v1/plans",
            {"scenario_id": sid, "corridor": corridor, "time_limit": 3, "seed": 3},
        )
        assert wait_plan(api, plan.json()["id"])["status"] == "done"
        published = api.post("coordinator", f"/v1/plans/{plan.json()['id']}/publish", {})
        assert published.status_code == 201, published.text
        clock.set(T0)
        yield out


ANDORRA = Path(__file__).resolve().parents[2] / "examples" / "andorra"
