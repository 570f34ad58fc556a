"""POST /v1/corridors/{id}/drafts/check: the liaison's desk checks a draft next version as the
CLI's propose/counter would (each problem names its field and value) and shows what it would
change; nothing is signed or stored."""

from __future__ import annotations

import copy

from conftest import EXAMPLE_START, T0

from corridor.domain.proposal import ROLES, example_documents
from corridor.services import negotiation
from corridor.tlog.keys import SignerKey

from .conftest import Api
from .test_agreement_api import head, open_corridor, post_envelope


def proposed(api: Api) -> tuple[str, dict[str, object]]:
    signers = {role: SignerKey.generate(role.replace("_", "-")) for role in ROLES}
    first, _ = example_documents(
        {r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START
    )
    corridor = str(first["corridor"])
    open_corridor(api, signers, corridor)
    post_envelope(
        api, "coordinator", negotiation.proposal(first, signers["intermediary"], T0, head(api))
    )
    return corridor, first


def test_a_draft_is_checked_and_its_difference_shown_without_logging(api: Api) -> None:
    corridor, first = proposed(api)
    size = len(api.get("liaison-b", "/v1/log/entries").json()["entries"])
    draft = copy.deepcopy(first)
    draft["max_vehicles"] = 12
    draft.pop("participants")
    r = api.client.post(
        f"/v1/corridors/{corridor}/drafts/check",
        json={"document": draft},
        headers=api.h("liaison-b"),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["problems"] == []
    assert out["version"] == 2
    assert any("largest number of vehicles" in c and "12" in c for c in out["changes"]), out
    assert len(api.get("liaison-b", "/v1/log/entries").json()["entries"]) == size


def test_a_bad_draft_names_the_field_and_the_value(api: Api) -> None:
    corridor, first = proposed(api)
    draft = copy.deepcopy(first)
    draft["window"] = {**draft["window"], "time_zone": "Mars/Olympus"}  # type: ignore[dict-item]
    r = api.client.post(
        f"/v1/corridors/{corridor}/drafts/check",
        json={"document": draft},
        headers=api.h("liaison-a"),
    )
    assert r.status_code == 200, r.text
    problems = r.json()["problems"]
    assert problems
    assert problems[0]["field"] == "document.window"
    assert "Mars/Olympus" in problems[0]["problem"]
    assert r.json()["changes"] == []
