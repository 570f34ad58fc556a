"""The dashboard map on a scenario uploaded with its own extract (central Helsinki): it opens on
the operation area, no marker hides another, places that do not connect are ringed with the
reason in their popup, and the legend lists only what is drawn."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Dashboard, Server, running_server, with_accounts

ROOT = Path(__file__).resolve().parents[2]
FIRST_TRY = ROOT / "examples" / "helsinki" / "first-try.yaml"


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Server]:
    """A server of its own holding only the Helsinki first try, uploaded with its extract."""
    with running_server(tmp_path_factory.mktemp("helsinki-data")) as s:
        server = with_accounts(s)
        data = (ROOT / "data" / "osm" / "helsinki-centre.osm.pbf").read_bytes()
        server.ok("PUT", "/v1/osm/helsinki-centre.osm.pbf", "coordinator", content=data)
        source = FIRST_TRY.read_text("utf-8").replace("capcity", "capacity")
        source = source.replace("../../data/osm/helsinki-centre.osm.pbf", "helsinki-centre.osm.pbf")
        server.ok("POST", "/v1/scenarios", "coordinator", json={"name": "k", "source": source})
        yield server


def boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return [b for b in (e.bounding_box() for e in page.locator(selector).all()) if b]


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 1
        and b["x"] < a["x"] + a["width"] - 1
        and a["y"] < b["y"] + b["height"] - 1
        and b["y"] < a["y"] + a["height"] - 1
    )


def test_the_map_opens_on_the_operation_area_with_every_place_readable(
    browser: Any, helsinki: Server
) -> None:
    d = Dashboard(browser, helsinki, (1366, 850))
    try:
        d.sign_in("coordinator")
        page = d.page
        page.locator(".point-marker", has_text="G-PARK").first.wait_for(state="attached")
        page.wait_for_timeout(500)
        frame = page.locator("#map").bounding_box()
        badges = boxes(page, ".point-marker .badge")
        assert len(badges) == 12  # every place of the scenario, none hidden in a crowd
        for b in badges:  # all inside the map as it opens
            assert frame["x"] <= b["x"]
            assert b["x"] + b["width"] <= frame["x"] + frame["width"]
            assert frame["y"] <= b["y"]
            assert b["y"] + b["height"] <= frame["y"] + frame["height"]
        for a, b in itertools.combinations(badges, 2):
            assert not overlap(a, b), (a, b)
        # No label covers another label or a marker (a label that fits nowhere waits for a
        # hover; the side panel lists every point).
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(700)
        labels = boxes(page, ".point-marker .point-label")
        shown = [b for b in labels if b["width"] > 0]
        assert len(shown) >= 9
        badges = boxes(page, ".point-marker .badge")
        for a, b in itertools.combinations(shown, 2):
            assert not overlap(a, b), (a, b)
        for a in shown:
            assert not any(overlap(a, b) for b in badges), a
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(700)
        # Cut-off places are ringed, and their popup says why.
        cut = page.locator(".point-cut")
        assert cut.count() == 6
        page.locator(".point-marker", has_text="K-YARD").first.click()
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert "Does not connect" in popup
        assert "dead end" in popup
        legend = page.locator("#map-legend").inner_text()
        assert "Does not connect" in legend
        assert "Vehicle (last report)" not in legend  # none has reported yet
        page.keyboard.press("Escape")
        page.locator(".leaflet-popup-close-button").click()
        page.wait_for_timeout(300)
        d.shot("new-place-helsinki")
        assert not d.errors, d.errors
        assert not d.outside, d.outside
    finally:
        d.close()
