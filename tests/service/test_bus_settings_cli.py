"""The cross-worker event bus, settings that refuse placeholder secrets, and the CLI commands."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from corridor.bootstrap import bootstrap
from corridor.domain.operations import Event
from corridor.errors import InputError
from corridor.settings import load_settings

from .live import LiveServer


@pytest.mark.postgres
def test_an_event_committed_by_one_worker_reaches_the_streams_of_another(
    pg_url: str, tmp_path: Path
) -> None:
    one = bootstrap(load_settings(data_dir=tmp_path / "1", database_url=pg_url))
    two = bootstrap(load_settings(data_dir=tmp_path / "2", database_url=pg_url), migrate=False)
    two.bus.start()
    try:
        assert two.bus.ready.wait(10)  # type: ignore[attr-defined]

        async def listen() -> Event:
            sub = two.bus.subscribe()
            with one.uow() as uow:  # the change happens in the other "worker"
                uow.emit(Event("incidents", {"kind": "roadblock"}))
                uow.commit()
            try:
                return await asyncio.wait_for(sub.queue.get(), 10)
            finally:
                two.bus.unsubscribe(sub)

        got = asyncio.run(listen())
        assert (got.topic, got.data) == ("incidents", {"kind": "roadblock"})
        assert got.id is not None

        # A rolled-back change notifies nobody.
        async def nothing() -> bool:
            sub = two.bus.subscribe()
            with one.uow() as uow:
                uow.emit(Event("incidents", {"kind": "never"}))
                uow.rollback()
            try:
                await asyncio.wait_for(sub.queue.get(), 1.5)
                return False
            except TimeoutError:
                return True
            finally:
                two.bus.unsubscribe(sub)

        assert asyncio.run(nothing())
    finally:
        two.close()
        one.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_every_worker_streams_what_any_worker_stored(pg_url: str, tmp_path: Path) -> None:
    """Two uvicorn workers; six streams (spread by the kernel); one report reaches all six."""
    server = LiveServer(tmp_path / "data", db=pg_url, workers=2)
    token = server.admin_token(server.start())
    try:
        h = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=h, timeout=10) as c:
            org = c.post("/v1/organisations", json={"name": "o"}).json()["id"]
            obs = c.post(
                "/v1/users", json={"organisation_id": org, "name": "o", "role": "observer"}
            ).json()["token"]
            coord = c.post(
                "/v1/users", json={"organisation_id": org, "name": "c", "role": "coordinator"}
            ).json()["token"]
        got: list[str] = []
        lock = threading.Lock()
        ready = threading.Barrier(7)

        def stream() -> None:
            with (
                httpx.Client(base_url=server.url, timeout=20) as c,
                c.stream(
                    "GET",
                    "/v1/events",
                    params={"idle_close": "8", "topics": "positions"},
                    headers={"Authorization": f"Bearer {obs}"},
                ) as r,
            ):
                ready.wait()
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        with lock:
                            got.append(line)
                        return

        threads = [threading.Thread(target=stream) for _ in range(6)]
        for t in threads:
            t.start()
        ready.wait()
        time.sleep(0.5)
        with httpx.Client(base_url=server.url, timeout=10) as c:
            r = c.post(
                "/v1/positions",
                headers={"Authorization": f"Bearer {coord}"},
                json={
                    "positions": [
                        {
                            "client_id": "x1",
                            "vehicle": "V1",
                            "at": "2026-05-14T08:00:00Z",
                            "lat": 42.5,
                            "lon": 1.5,
                        }
                    ]
                },
            )
            assert r.status_code == 200
        for t in threads:
            t.join(15)
        assert len(got) == 6
    finally:
        server.stop()


def test_placeholder_secrets_are_refused_outside_a_local_run(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path).environment == "local"
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, environment="production")
    assert exc.value.where == "CORRIDOR_TOKEN_SECRET"
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, environment="production", token_secret="s" * 40)
    assert exc.value.where == "CORRIDOR_REGISTRY_KEY"
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, registry_key="c2hvcnQ=")
    assert "32 are needed" in exc.value.problem
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path, max_body_bytes=10)
    assert exc.value.where == "CORRIDOR_MAX_BODY_BYTES"
    assert "10" in exc.value.problem


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, check=False
    )


def test_cli_bootstrap_purge_and_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run_cli("admin", "bootstrap", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("cor_")
    again = run_cli("admin", "bootstrap", "--data-dir", str(data))
    assert "an admin exists already" in again.stdout
    token = run_cli("admin", "token", "1", "--data-dir", str(data))
    assert token.stdout.startswith("cor_")
    assert token.stdout.strip() != first.stdout.strip()
    purge = run_cli("registry", "purge", "--as-of", "2026-01-01T00:00:00", "--data-dir", str(data))
    assert purge.returncode == 0, purge.stderr
    assert "erased 0 personal field(s)" in purge.stdout
    bad = run_cli("registry", "purge", "--as-of", "tomorrow", "--data-dir", str(data))
    assert bad.returncode == 2
    assert "--as-of" in bad.stderr
    assert "'tomorrow'" in bad.stderr
    assert "Traceback" not in bad.stderr
    sqlite_workers = run_cli("serve", "--workers", "2", "--data-dir", str(data))
    assert sqlite_workers.returncode == 2
    assert "--workers" in sqlite_workers.stderr
    policy = run_cli("registry", "policy")
    assert "contact\tregistrar\t14 days" in policy.stdout
