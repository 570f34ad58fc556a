"""The after-action report's HTTP route: the coordinator's, and clear when there is nothing yet.

The report's content is tested in tests/reporting/test_after_action.py; the demo's report,
through this route, in tests/service/test_demo.py."""

from __future__ import annotations

import pytest

from .conftest import Api


@pytest.mark.parametrize("suffix", ["html", "pdf"])
def test_only_the_coordinator_reads_it_and_a_service_without_a_plan_says_so(
    sqlite_api: Api, suffix: str
) -> None:
    for who in ("liaison-a", "liaison-b", "driver", "observer", "registrar"):
        r = sqlite_api.get(who, f"/v1/after-action.{suffix}")
        assert r.status_code == 403, (who, r.text)
    r = sqlite_api.get("coordinator", f"/v1/after-action.{suffix}")
    assert r.status_code == 404
    assert "corridor of a published plan" in r.json()["detail"]
    r = sqlite_api.get("coordinator", f"/v1/after-action.{suffix}?corridor=nowhere")
    assert r.status_code == 404
    assert "nowhere" in r.json()["detail"]
