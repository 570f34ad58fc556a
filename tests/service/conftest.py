"""Fixtures of the service tests: one app per backend (SQLite, and PostgreSQL when reachable).

``service_app`` builds a fresh service (a new SQLite file, or a new PostgreSQL database that is
dropped afterwards) and ``users`` gives one token per role. Integration tests take ``backend``,
which runs them on SQLite and again, marked ``postgres``, on the server at 127.0.0.1:5432.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import socket
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

with warnings.catch_warnings():
    # Starlette asks for httpx2 in its test client; the client still works as documented.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from corridor.bootstrap import Service, bootstrap
from corridor.domain.access import Role
from corridor.domain.agreement import Follows
from corridor.entrypoints.http.app import create_app
from corridor.services import accounts, negotiation
from corridor.settings import load_settings
from corridor.tlog.keys import SignerKey

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database (skips the test where none answers), dropped afterwards."""
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"corridor_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite in tmp_path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_url")


@dataclass
class Api:
    """A test client signed in as nobody; ``as_(role)`` gives headers for one role's token."""

    client: TestClient
    service: Service
    tokens: dict[str, str]
    user_ids: dict[str, int]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.h(who), **kw)

    def post(self, who: str, url: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=body, headers=self.h(who), **kw)


#: The users every Api has: one per role; drivers bound to two different vehicles.
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "coordinator": (Role.COORDINATOR, None),
    "liaison-a": (Role.LIAISON_A, None),
    "liaison-b": (Role.LIAISON_B, None),
    "registrar": (Role.REGISTRAR, None),
    "driver": (Role.DRIVER, "D1/bus/0"),
    "driver2": (Role.DRIVER, "D1/bus/1"),
    "reception": (Role.RECEPTION, None),
    "observer": (Role.OBSERVER, None),
}


def make_api(
    tmp_path: Path, db_url: str | None, clock: Any = None, **settings: Any
) -> Iterator[Api]:
    """The app on ``db_url`` (None: SQLite), on ``clock`` if given, one token per role."""
    service = bootstrap(
        load_settings(data_dir=tmp_path / "data", database_url=db_url, **settings), clock=clock
    )
    admin = accounts.bootstrap_admin(service.uow(), service.settings.token_secret)
    assert admin is not None
    tokens = {"admin": admin.token}
    ids = {"admin": admin.user_id}
    app = create_app(service)
    with TestClient(app) as client:
        org = client.post(
            "/v1/organisations",
            json={"name": "corridor-test"},
            headers={"Authorization": f"Bearer {admin.token}"},
        ).json()["id"]
        for who, (role, vehicle) in PEOPLE.items():
            r = client.post(
                "/v1/users",
                json={"organisation_id": org, "name": who, "role": role.value, "vehicle": vehicle},
                headers={"Authorization": f"Bearer {admin.token}"},
            )
            assert r.status_code == 201, r.text
            tokens[who] = r.json()["token"]
            ids[who] = r.json()["user_id"]
        yield Api(client, service, tokens, ids)
    service.close()


#: The organisation make_api puts every user in: the test corridors name it for all three roles.
ORGANISATION = "corridor-test"


def log_head(get: Callable[..., Any], who: str = "coordinator") -> Follows | None:
    """What a statement signed now follows: the last entry of the server's log, downloaded
    (as a party's client does) with ``get(who, path, params=...)``."""
    entries: list[bytes] = []
    while True:
        page = get(who, "/v1/log/entries", params={"start": len(entries)}).json()["entries"]
        entries += [base64.b64decode(e) for e in page]
        if len(page) < 1000:
            return negotiation.head_of(entries)


def open_over_http(
    get: Callable[..., Any],
    post: Callable[[str, bytes], Any],
    corridor: str,
    signers: dict[str, SignerKey],
    now: dt.datetime,
    organisation: str | dict[str, str] = ORGANISATION,
) -> None:
    """The coordinator opens ``corridor``; each liaison registers its party's key; the
    coordinator confirms both (``post(who, envelope)`` sends as that role's token).
    ``organisation``: every role's, or each role's by role."""
    orgs = (
        dict(organisation)
        if isinstance(organisation, dict)
        else dict.fromkeys(("party_a", "party_b", "intermediary"), organisation)
    )
    post(
        "coordinator",
        negotiation.opening(corridor, orgs, signers["intermediary"], now, log_head(get)),
    )
    for role, who in (("party_a", "liaison-a"), ("party_b", "liaison-b")):
        post(who, negotiation.key_registration(corridor, role, signers[role], now, log_head(get)))
    for role in ("party_a", "party_b"):
        text = signers[role].verifier_text
        envelope = negotiation.key_confirmation(
            corridor, role, text, signers["intermediary"], now, log_head(get)
        )
        post("coordinator", envelope)


@pytest.fixture
def api(tmp_path: Path, backend: str | None) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, with one token per role."""
    yield from make_api(tmp_path, backend)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite only (for tests that do not depend on the database)."""
    yield from make_api(tmp_path, None)
