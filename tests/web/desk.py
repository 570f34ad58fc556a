"""Helpers of the liaison desk's browser tests: one tab per participant on /desk.html, each its
own browser context (its own IndexedDB: its own key and witness memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import EXAMPLE_START

from corridor.domain.example import example_documents

from .conftest import ARTIFACTS, ORGANISATIONS, Dashboard, Server

STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

PLACEHOLDER_KEYS = {
    role: f"{role.replace('_', '-')}+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    for role in ("party_a", "party_b", "intermediary")
}


def drafted_proposal(tmp: Path, corridor: str) -> Path:
    """Version 1 as ``corridor agreement draft`` would leave it, the participants left for the
    desk to fill in from the keys the log confirmed."""
    first, _ = example_documents(PLACEHOLDER_KEYS, EXAMPLE_START)
    first = {k: v for k, v in first.items() if k not in ("participants", "version", "supersedes")}
    first["corridor"] = corridor
    path = tmp / "proposal.json"
    path.write_text(json.dumps(first, indent=1, ensure_ascii=False))
    return path


class Desk:
    """One participant's desk in its own browser context."""

    def __init__(
        self,
        browser: Any,
        server: Server,
        who: str,
        viewport: tuple[int, int] = (1280, 900),
        locale: str = "en-GB",
    ) -> None:
        self.tab = Dashboard(browser, server, viewport, locale)
        self.page = self.tab.page
        # The desk under a strict Content-Security-Policy (no inline script or style, nothing
        # from elsewhere): whatever the service's own headers say, the page must work under it.
        self.page.route("**/desk.html", self._strict)
        self.csp: list[str] = []
        self.page.on(
            "console",
            lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.who = who
        self.server = server

    def _strict(self, route: Any) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    def sign_in(self) -> None:
        self.page.goto(self.server.url + "/desk.html")
        self.page.fill("#token", self.server.tokens[self.who])
        self.page.press("#token", "Enter")
        self.page.wait_for_selector("body[data-loaded='true']", timeout=20_000)
        inline = """() => { const s = document.createElement('script');
            s.textContent = 'window.inlineRan = true'; document.body.append(s); s.remove();
            return window.inlineRan === true; }"""
        assert self.page.evaluate(inline) is False, "the strict policy is not in force"
        for _ in range(100):  # the console reports that refusal: the one expected
            if self.csp:
                break
            self.page.wait_for_timeout(20)
        assert self.csp, "the browser did not report the inline script it refused"
        self.csp.clear()

    def loaded(self) -> None:
        self.page.wait_for_selector("body[data-loaded='true']", timeout=20_000)

    def choose(self, corridor: str) -> None:
        self.page.evaluate("document.body.dataset.loaded = 'false'")
        self.page.select_option("#corridor-select", corridor)
        self.loaded()

    def reload(self, corridor: str) -> None:
        self.page.reload()
        self.loaded()
        self.choose(corridor)

    def make_key(self) -> str:
        self.page.click("#make-key")
        self.page.wait_for_selector("#fingerprint")
        return str(self.page.text_content("#fingerprint"))

    def verifier_key(self) -> str:
        return str(self.page.text_content("#verifier-key"))

    def sign(self, button: str) -> str:
        """Press ``button``, read the confirmation, sign; the status line says what happened."""
        self.page.evaluate("document.body.dataset.loaded = 'false'")
        self.page.click(button)
        self.page.wait_for_selector("#confirm-dialog[open], #refusal, .status.refusal")
        if self.page.is_visible("#confirm-dialog[open]"):
            self.page.click("#confirm-sign")
            self.page.wait_for_selector(".status.checked, .status.refusal, #refusal")
        return str(self.page.text_content("#status"))

    def signed(self, button: str) -> None:
        said = self.sign(button)
        assert "Signed and logged" in said, said
        self.loaded()

    def open_corridor(self, corridor: str) -> None:
        self.page.fill("#open-id", corridor)
        self.page.fill("#open-a", ORGANISATIONS["party_a"])
        self.page.fill("#open-b", ORGANISATIONS["party_b"])
        self.page.fill("#open-i", ORGANISATIONS["intermediary"])
        self.signed("#open-corridor")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        assert not self.csp, f"the desk broke its Content-Security-Policy: {self.csp}"
        assert not self.tab.errors, f"JavaScript errors on the desk: {self.tab.errors}"
        assert not self.tab.outside, f"the desk reached outside the service: {self.tab.outside}"
        self.tab.close()
