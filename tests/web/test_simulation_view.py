"""The dashboard's "Will it hold?" view: a coordinator simulates the plan and everyone who may
read the plan reads the figures and plots (docs/simulation.md)."""

from __future__ import annotations

from typing import Any

import pytest

from .test_map_and_schedule import planned, server  # noqa: F401  (fixtures of this module too)

pytestmark = pytest.mark.browser


def test_a_coordinator_simulates_the_plan_and_a_party_reads_it(
    planned: dict[str, Any],  # noqa: F811
    dashboard: Any,
) -> None:
    d = dashboard()
    d.sign_in("coordinator")
    d.view("simulation")
    page = d.page
    page.fill("#sim-runs", "400")
    page.fill("#sim-seed", "3")
    page.click("#simulation button[type=submit]")
    headline = page.locator("[data-testid=p-inside]")
    headline.wait_for(timeout=120_000)
    assert "of 400 runs" in headline.inner_text()
    planned_total = sum(planned["plan"]["report"]["check"]["evacuated"].values())
    table = page.locator("#simulation table", has_text="People out of the zone").first
    assert f"{planned_total:,}" in table.locator("tbody tr").first.inner_text()
    images = page.locator("#simulation .sim-plot img")
    assert images.count() == 3
    for i in range(3):
        images.nth(i).wait_for()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 600", arg=images.nth(i).element_handle()
        )
    d.shot("simulation-coordinator")
    # A party's liaison reads the same figures and plots, and may not start a simulation.
    other = dashboard()
    other.sign_in("liaison_b")
    other.view("simulation")
    other.page.locator("[data-testid=p-inside]").wait_for(timeout=30_000)
    assert other.page.locator("#simulation form").count() == 0
    assert other.page.locator("#simulation .sim-plot img").count() == 3
