"""``corridor admin token`` from a shell without the service's CORRIDOR_TOKEN_SECRET is refused,
naming the setting, instead of printing a token the service answers with 401.

The service records, at each start where it changed, a check value of its token secret (an
HMAC of a fixed label, never the secret) in the audit trail; the admin commands that issue
tokens compare theirs with it. Replays what an operator met: a token printed with exit 0 by a
shell that lacked the secret, refused by the service.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import run_cli

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from corridor.bootstrap import bootstrap, token_secret_check
from corridor.entrypoints.cli.serve import print_bootstrap
from corridor.entrypoints.http.app import create_app
from corridor.settings import load_settings

SERVICE_SECRET = "service-secret-" + "x" * 30
SHELL_SECRET = "another-shell-" + "y" * 30


def serve_starts(data: Path, secret: str) -> None:
    """What ``corridor serve`` does before its workers start (prints the first admin token)."""
    service = bootstrap(load_settings(data_dir=data, token_secret=secret))
    try:
        print_bootstrap(service)
    finally:
        service.close()


def status_of(data: Path, token: str, secret: str = SERVICE_SECRET) -> int:
    """What the service running with ``secret`` answers to ``token``."""
    service = bootstrap(load_settings(data_dir=data, token_secret=secret), migrate=False)
    try:
        with TestClient(create_app(service)) as client:
            got = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            return got.status_code
    finally:
        service.close()


def test_a_token_issued_with_another_secret_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    serve_starts(data, SERVICE_SECRET)
    assert "CORRIDOR_ADMIN_TOKEN=" in capsys.readouterr().out

    monkeypatch.setenv("CORRIDOR_TOKEN_SECRET", SHELL_SECRET)
    code, out, err = run_cli(["admin", "token", "1", "--data-dir", str(data)], capsys)
    assert code == 2
    assert "cor_" not in out
    assert err.startswith("error: CORRIDOR_TOKEN_SECRET: ")
    assert token_secret_check(SERVICE_SECRET) in err
    assert SHELL_SECRET not in err
    assert SERVICE_SECRET not in err

    monkeypatch.setenv("CORRIDOR_TOKEN_SECRET", SERVICE_SECRET)
    code, out, err = run_cli(["admin", "token", "1", "--data-dir", str(data)], capsys)
    assert code == 0, err
    assert status_of(data, out.strip()) == 200


def test_admin_bootstrap_before_the_first_start_and_a_changed_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CORRIDOR_TOKEN_SECRET", SERVICE_SECRET)
    code, out, err = run_cli(["admin", "bootstrap", "--data-dir", str(data)], capsys)
    assert code == 0, err
    admin = out.strip()
    assert status_of(data, admin) == 200

    # the service started with another secret: said at the start, and tokens follow it
    serve_starts(data, SHELL_SECRET)
    err = capsys.readouterr().err
    assert "warning: CORRIDOR_TOKEN_SECRET is not the secret of the previous start" in err
    assert status_of(data, admin, SHELL_SECRET) == 401
    code, out, err = run_cli(["admin", "token", "1", "--data-dir", str(data)], capsys)
    assert code == 2
    assert "CORRIDOR_TOKEN_SECRET" in err

    serve_starts(data, SERVICE_SECRET)  # back to the first: the first token works again
    assert "warning" in capsys.readouterr().err
    serve_starts(data, SERVICE_SECRET)  # and an unchanged secret is not recorded twice
    assert "warning" not in capsys.readouterr().err
    assert status_of(data, admin) == 200
