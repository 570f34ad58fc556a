"""The desk where liaisons work: an axe-core audit (the copy that axe-playwright-python ships,
injected into the page; nothing fetched) of every liaison view at laptop and phone widths with
no serious or critical violation; the whole review-to-confirmation path by keyboard alone; and
nothing wider than a phone's screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server
from .desk import Desk
from .test_desk_refusal import import_key, proposed

pytestmark = pytest.mark.browser

PHONE = (390, 844)
TABLET = (820, 1180)


def audit(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe-core checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def liaison(browser: Any, server: Server, tmp_path: Path, request: Any) -> Iterator[Desk]:
    viewport = getattr(request, "param", (1280, 900))
    corridor, _, private = proposed(server, tmp_path)
    d = Desk(browser, server, "liaison_a", viewport)
    d.sign_in()
    d.choose(corridor)
    import_key(d, private, corridor)
    yield d
    d.close()


@pytest.mark.parametrize("liaison", [(1280, 900), TABLET, PHONE], indirect=True)
def test_no_serious_accessibility_violation_in_any_liaison_view(liaison: Desk) -> None:
    page = liaison.page
    found = {"review": audit(page)}
    page.click("#open-draft")
    page.wait_for_selector("#draft-form")
    found["counter-proposal form"] = audit(page)
    page.fill("#draft-window_zone", "Mars/Olympus")
    page.click("#draft-preview")
    page.wait_for_selector("#draft-problems")
    found["form with a problem"] = audit(page)
    page.click("#accept")
    page.wait_for_selector("#confirm-dialog[open]")
    found["confirmation before signing"] = audit(page)
    page.click("#confirm-cancel")
    assert {view: v for view, v in found.items() if v} == {}


@pytest.mark.parametrize("liaison", [PHONE, TABLET], indirect=True)
def test_nothing_is_wider_than_the_screen(liaison: Desk) -> None:
    page = liaison.page
    page.click("#open-draft")
    page.wait_for_selector("#draft-form")
    wider = page.evaluate(
        # the map's own panes are larger than the map and clipped by it
        """() => [...document.querySelectorAll('main *')]
          .filter((el) => !el.closest('.leaflet-map-pane'))
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
          .map((el) => el.id || el.tagName)"""
    )
    assert wider == []
    liaison.shot(f"desk-width-{page.viewport_size['width']}")


def test_accept_by_keyboard_alone(liaison: Desk) -> None:
    page = liaison.page
    page.focus("#corridor-select")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "accept":
            break
    else:
        pytest.fail("Tab never reached the Accept button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-dialog[open]")
    assert page.evaluate("document.activeElement.id") == "confirm-sign"
    page.keyboard.press("Escape")
    page.wait_for_selector("#confirm-dialog", state="hidden")
    assert "Nothing was signed" in page.text_content("#status")
    page.focus("#accept")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".status.checked, .status.refusal")
    # version 1 leaves terms out: the server refuses the acceptance, naming why, and says so
    said = page.text_content("#status")
    assert "Refused" in said
    assert "incomplete" in said or "missing" in said or "every term" in said, said
