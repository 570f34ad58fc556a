"""The dashboard's name for a ``stranded`` alert covers every vehicle it is raised for: one with
no road out of the zone, one with no time left to leave, and one a replan holds for a plan rule
(its recorded state breaks one); the alert's detail says which. The name is in every catalogue
the browser is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.i18n import browser

ALERTS_JS = (
    Path(__file__).resolve().parents[2] / "src/corridor/entrypoints/web/static/js/views/alerts.js"
)


def stranded_label() -> str:
    found = re.search(r'^\s*stranded: _\("([^"]+)"\)', ALERTS_JS.read_text("utf-8"), re.M)
    assert found is not None, "alerts.js names no stranded alert"
    return found.group(1)


def test_the_stranded_alert_is_not_named_for_one_of_its_causes_only() -> None:
    label = stranded_label()
    assert "no road" not in label
    assert "stranded" in label.lower()
    assert "plan rule" in label


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_browser_gets_the_stranded_alert_name_in_its_language(language: str) -> None:
    label = stranded_label()
    sent = browser.catalogue(language)["messages"].get(label)
    assert isinstance(sent, str), (language, label)
    assert sent, (language, label)
    if language != "en":
        assert sent != label
