"""Fixtures of the dashboard's end-to-end tests: the real server, accounts, a real browser.

``running_server`` starts ``corridor serve`` as a subprocess on a free port with a fresh data
directory (SQLite), exactly as an operator would (on the tests' clock, ``CORRIDOR_CLOCK``),
reads the admin token it prints on its first run, and stops it afterwards by its process id.
``with_accounts`` makes one user and token per role through the admin API. Each tab's clock is
installed at the service's time with Playwright's clock. ``browser`` drives Debian's Chromium
through playwright (never a downloaded browser); the tests skip, saying why, where
``/usr/bin/chromium`` (or ``$CORRIDOR_TEST_CHROMIUM``) is missing. Screenshots go to
``test-artifacts/web/`` (ignored).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import T0

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = Path(os.environ.get("CORRIDOR_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CORRIDOR = [sys.executable, "-m", "corridor"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running ``corridor serve``: its address, its admin token and an API helper."""

    url: str
    admin_token: str
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str = "admin", **kw: Any) -> httpx.Response:
        token = self.admin_token if who == "admin" else self.tokens[who.replace("-", "_")]
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def ok(self, method: str, path: str, who: str = "admin", **kw: Any) -> Any:
        r = self.call(method, path, who, **kw)
        assert r.status_code < 300, f"{method} {path} as {who}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def now(self) -> datetime:
        """The service's clock (it starts at the tests' T0 and runs on)."""
        return datetime.fromisoformat(self.ok("GET", "/v1/clock")["now"])

    def has_route(self, method: str, path: str) -> bool:
        """Whether the service's OpenAPI schema offers ``method path``."""
        schema = httpx.get(self.url + "/openapi.json", timeout=10).json()
        return method.lower() in schema.get("paths", {}).get(path, {})


@contextlib.contextmanager
def running_server(data_dir: Path, clock: str | None = None) -> Iterator[Server]:
    """``corridor serve`` on a free port with SQLite in ``data_dir``, stopped by its pid; on
    the tests' clock unless ``clock`` (an ISO 8601 instant) says where it starts.

    On its first run the service prints the admin token once; it is read there, as an operator
    would.
    """
    env = {**os.environ, "CORRIDOR_ENVIRONMENT": "local", "PYTHONUNBUFFERED": "1"}
    if clock is not None:
        env["CORRIDOR_CLOCK"] = clock
    port = free_port()
    log_path = data_dir / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [*CORRIDOR, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError(f"corridor serve did not start: {log_path.read_text()}")
            time.sleep(0.2)
        found = re.search(r"CORRIDOR_ADMIN_TOKEN=(\S+)", log_path.read_text())
        assert found, f"no admin token printed on the first run: {log_path.read_text()}"
        yield Server(url=url, admin_token=found.group(1), data_dir=data_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def with_accounts(server: Server) -> Server:
    """One user and token per role (the users' names are their roles: nothing personal)."""
    orgs = {
        side: server.ok("POST", "/v1/organisations", json={"name": name})["id"]
        for side, name in ORGANISATIONS.items()
    }
    for key, (role, vehicle) in ROLES.items():
        side = {"liaison-a": "party_a", "liaison-b": "party_b"}.get(role, "intermediary")
        body: dict[str, Any] = {"organisation_id": orgs[side], "name": f"test {key}", "role": role}
        if vehicle:
            body["vehicle"] = vehicle
        server.tokens[key] = server.ok("POST", "/v1/users", json=body)["token"]
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: Path) -> Iterator[Server]:
    """The real service shared by the dashboard tests, with one token per role (not started
    at all where there is no browser to look at it)."""
    with running_server(tmp_path_factory.mktemp("corridor-data")) as s:
        yield with_accounts(s)


ROLES = {
    "coordinator": ("coordinator", None),
    "liaison_a": ("liaison-a", None),
    "liaison_b": ("liaison-b", None),
    "registrar": ("registrar", None),
    "driver": ("driver", "D1/bus/0"),
    "reception": ("reception", None),
    "observer": ("observer", None),
}


def add_driver(server: Server, key: str, vehicle: str) -> None:
    """A driver account for ``vehicle`` in the intermediary's organisation, its token kept
    under ``key``."""
    orgs = server.ok("GET", "/v1/organisations")
    org = next(o["id"] for o in orgs if o["name"] == ORGANISATIONS["intermediary"])
    body = {"organisation_id": org, "name": f"driver {key}", "role": "driver", "vehicle": vehicle}
    issued = server.ok("POST", "/v1/users", json=body)
    server.tokens[key] = issued["token"]


def report_position(server: Server, vehicle: str, lat: float, lon: float) -> None:
    """One position report from the driver's device, as the driver app would send it."""
    body = {
        "positions": [
            {
                "client_id": uuid.uuid4().hex,
                "vehicle": vehicle,
                "at": server.now().isoformat(),
                "lat": lat,
                "lon": lon,
                "speed_kmh": 30.0,
            }
        ]
    }
    out = server.ok("POST", "/v1/positions", "driver", json=body)
    assert out["accepted"] == 1


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (`make browser` does it as root)"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Dashboard:
    """One browser tab on the dashboard, signed in as one role, recording what it received."""

    def __init__(
        self, browser: Any, server: Server, viewport: tuple[int, int], locale: str = "en-GB"
    ) -> None:
        self.server = server
        # A British English browser: the page picks its language and its way of writing dates
        # and numbers from the browser (24-hour times, "14 May").
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            service_workers="block",
            locale=locale,
        )
        # The page must never reach beyond the service: no CDN, no tiles, no fonts.
        self.outside: list[str] = []
        self.context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(server.url)
                else (self.outside.append(route.request.url), route.abort())
            ),
        )
        # The browser's own clock reads the service's time, as a well-set device would.
        self.context.clock.install(time=server.now())
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.bodies: list[str] = []
        self.page.on("response", self._keep_body)

    def _keep_body(self, response: Any) -> None:
        if "/v1/events" in response.url:
            return  # a stream never ends; its frames are checked through the page itself
        # A body the browser already discarded (a redirect, an aborted request) has no text.
        with contextlib.suppress(Exception):
            self.bodies.append(response.text())

    def sign_in(self, who: str) -> None:
        self.page.goto(self.server.url + "/")
        self.page.fill("#token", self.server.tokens[who])
        self.page.press("#token", "Enter")
        self.page.wait_for_selector("body[data-loaded='true']", timeout=20_000)

    def view(self, name: str) -> None:
        self.page.click(f"#tab-{name}")
        self.page.wait_for_selector(f"#view-{name}:not([hidden])")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desk(browser: Any, server: Server) -> Iterator[Any]:
    """Party A's liaison signed in at the desk (its own browser context)."""
    from .desk import Desk  # desk.py reads this module's names

    d = Desk(browser, server, "liaison_a")
    d.sign_in()
    yield d
    d.close()


@pytest.fixture
def dashboard(browser: Any, server: Server) -> Iterator[Any]:
    """A factory of dashboard tabs (laptop size unless told), closed after the test."""
    opened: list[Dashboard] = []

    def open_(viewport: tuple[int, int] = (1366, 850), locale: str = "en-GB") -> Dashboard:
        d = Dashboard(browser, server, viewport, locale)
        opened.append(d)
        return d

    yield open_
    for d in opened:
        assert not d.errors, f"JavaScript errors on the page: {d.errors}"
        assert not d.outside, f"the page reached outside the service: {d.outside}"
        d.close()


#: The organisations with_accounts makes: each party's liaison in its party's, the rest in the
#: intermediary's (the test corridors' openings name them).
ORGANISATIONS = {
    "party_a": "Eastbrook regional administration",
    "party_b": "Westford district authority",
    "intermediary": "Neutral intermediary",
}


def log_head(server: Server) -> Any:
    """What a statement signed now follows (the server's log as downloaded)."""
    from service.conftest import log_head as head

    return head(lambda who, path, **kw: server.call("GET", path, who, **kw))


def open_corridor(server: Server, corridor: str, signers: dict[str, Any]) -> None:
    """The coordinator opens the corridor; both parties' keys registered and confirmed."""
    from service.conftest import open_over_http

    get = lambda who, path, **kw: server.call("GET", path, who, **kw)  # noqa: E731
    post = functools.partial(post_envelope, server)
    open_over_http(get, post, corridor, signers, T0, organisation=ORGANISATIONS)


def post_envelope(server: Server, who: str, envelope: bytes) -> dict[str, Any]:
    """A party posts a message it signed on its own machine."""
    r = server.call(
        "POST",
        "/v1/agreement/envelopes",
        who,
        content=envelope,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())
