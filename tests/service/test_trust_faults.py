"""Issue 13, finding 8 (the storage side), on SQLite and on PostgreSQL: storage failures are
answered as the server's faults (507 ``storage-full``, 503 ``storage-unavailable`` or the log's
503s), never a 4xx or a bare 500; nothing acknowledged is lost; the served checkpoint always
matches its tiles; ``/v1/health`` says what is failing.

The fault is a storage adapter made to fail: every SQL write of the service's engine, and every
tile file the log writes, fails with the error a full disk gives (SQLite's "database or disk is
full", PostgreSQL's SQLSTATE 53100, ``ENOSPC``) at a seeded rate.
"""

from __future__ import annotations

import base64
import errno
import random
import sqlite3
from typing import Any

import pytest
from conftest import T0
from sqlalchemy import event

from corridor.adapters import storage_health
from corridor.adapters import tile_files as tiles
from corridor.adapters.tile_files import read_exported_entries
from corridor.domain.agreement import Kind
from corridor.services import negotiation
from corridor.tlog.note import Checkpoint, parse_note

from .conftest import Api
from .test_agreement_api import head, negotiate

FAULT_TYPES = {"storage-full", "storage-unavailable", "log-unavailable", "log-busy"}
AT = T0.isoformat()


class FullDisk:
    """Makes a seeded share of the service's writes fail as on a full disk, while ``on``."""

    def __init__(self, api: Api, monkeypatch: pytest.MonkeyPatch, rate: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.on = False
        self.failed = 0
        self.postgres = api.service.dialect == "postgresql"
        event.listen(api.service.engine, "before_cursor_execute", self._sql)
        real_write = tiles._write

        def write(root: Any, rel: str, data: bytes) -> None:
            if self._fails():
                raise OSError(errno.ENOSPC, "No space left on device", str(rel))
            real_write(root, rel, data)

        monkeypatch.setattr(tiles, "_write", write)

    def _fails(self) -> bool:
        if self.on and self.rng.random() < self.rate:
            self.failed += 1
            return True
        return False

    def _sql(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        if self._fails():
            if self.postgres:
                import psycopg

                raise psycopg.errors.DiskFull("could not extend file: No space left on device")
            raise sqlite3.OperationalError("database or disk is full")


def is_fault(r: Any) -> None:
    """A failed answer is the server's fault, said so: 5xx with its own problem type."""
    assert r.status_code in (503, 507), (r.status_code, r.text)
    kind = r.json()["type"].rsplit("/", 1)[1]
    assert kind in FAULT_TYPES, r.text
    assert "retry-after" in r.headers


def served_matches_tiles(api: Api) -> int:
    served = api.get("observer", "/v1/log/checkpoint")
    assert served.status_code == 200, served.text
    n = Checkpoint.parse(parse_note(served.content).text).size
    assert len(list(read_exported_entries(api.service.settings.data_dir / "log", n))) == n
    return n


def test_finding_8_storage_faults_are_5xx_and_nothing_acknowledged_is_lost(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    signers, corridor = negotiate(api)
    v2 = api.get("observer", f"/v1/corridors/{corridor}").json()["versions"][1]
    assert api.client.post("/v1/log/checkpoint", headers=api.h("coordinator")).status_code == 200
    disk = FullDisk(api, monkeypatch, rate=0.2, seed=13)
    acked: dict[str, set[Any]] = {"positions": set(), "incidents": set(), "envelopes": set()}
    answers: dict[int, int] = {}
    disk.on = True
    for step in range(36):
        kind = step % 4
        if kind == 0:
            report = {"client_id": f"p{step}", "vehicle": "D1/bus/0", "at": AT}
            report |= {"lat": 42.5, "lon": 1.5 + step / 1000}
            r = api.post("driver", "/v1/positions", {"positions": [report]})
            if r.status_code == 200:
                acked["positions"].add(f"p{step}")
        elif kind == 1:
            incident = {"client_id": f"i{step}", "kind": "delay", "severity": "info"}
            incident |= {"description": f"step {step}", "at": AT}
            r = api.post("driver", "/v1/incidents", incident)
            if r.status_code == 201:
                acked["incidents"].add(f"i{step}")
        elif kind == 2:
            disk.on = False  # the party's client reads the head without faults
            follows = head(api)
            disk.on = True
            role, who = (("party_a", "liaison-a"), ("party_b", "liaison-b"))[step % 8 // 4]
            envelope = negotiation.on_version(
                Kind.INCIDENT,
                corridor,
                signers[role],
                2,
                v2["hash"],
                T0,
                follows,
                description=f"step {step}",
            )
            r = api.client.post(
                "/v1/agreement/envelopes",
                content=envelope,
                headers={**api.h(who), "content-type": "application/json"},
            )
            if r.status_code == 200:
                acked["envelopes"].add(envelope)
        else:
            r = api.client.post("/v1/log/checkpoint", headers=api.h("coordinator"))
        answers[r.status_code] = answers.get(r.status_code, 0) + 1
        if r.status_code >= 300:
            is_fault(r)
        disk.on = False
        served_matches_tiles(api)  # after every step, whatever failed
        disk.on = True
    disk.on = False
    assert disk.failed >= 5, "the fault was never injected"
    assert set(answers) - {200, 201} <= {503, 507}
    assert answers.get(507, 0) + answers.get(503, 0) >= 3, answers
    # every acknowledged write is there
    positions = {p["client_id"] for p in api.get("coordinator", "/v1/positions").json()}
    assert acked["positions"] <= positions
    incidents = {i["client_id"] for i in api.get("coordinator", "/v1/incidents").json()}
    assert acked["incidents"] <= incidents
    logged = api.get("observer", "/v1/log/entries").json()["entries"]
    stored = {base64.b64decode(e) for e in logged}
    assert acked["envelopes"] <= stored
    # and with the disk back, a checkpoint covers everything, matching its tiles
    assert api.client.post("/v1/log/checkpoint", headers=api.h("coordinator")).status_code == 200
    assert served_matches_tiles(api) == len(logged)
    print(
        f"{api.service.dialect}: 36 writes, {disk.failed} injected failures; answers "
        f"{dict(sorted(answers.items()))}; acknowledged and found: "
        + ", ".join(f"{k} {len(v)}" for k, v in acked.items())
        + f"; the served checkpoint matched its tiles after every step ({len(logged)} entries)"
    )


def test_finding_8_health_reports_a_failing_disk_or_database(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = api.client.get("/v1/health")
    assert ok.status_code == 200
    assert ok.json()["checks"] == {"database": "ok", "disk": "ok"}

    def full(*args: Any, **kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(storage_health.os, "open", full)
        r = api.client.get("/v1/health")
    assert r.status_code == 503
    assert r.json()["failing"] == ["disk"]
    assert r.json()["checks"]["disk"] == "failing: No space left on device"

    def down(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if api.service.dialect == "postgresql":
            import psycopg

            raise psycopg.OperationalError("connection to server failed: Connection refused")
        raise sqlite3.OperationalError("unable to open database file")

    event.listen(api.service.engine, "before_cursor_execute", down)
    try:
        r = api.client.get("/v1/health")
        assert r.status_code == 503
        assert r.json()["failing"] == ["database"]
        # and a write meanwhile is a 503 of its own type, not a 500
        w = api.post(
            "driver",
            "/v1/incidents",
            {"client_id": "x", "kind": "delay", "severity": "info", "description": "d", "at": AT},
        )
        is_fault(w)
        assert w.json()["type"].endswith("/storage-unavailable")
    finally:
        event.remove(api.service.engine, "before_cursor_execute", down)
    assert api.client.get("/v1/health").status_code == 200
