"""What an operator deploying the service gets from a wrong setting: one line naming the setting
(or option) and the value, never a password and never a traceback, and exit code 2; nothing is
made before a refusal that can be told up front.

Replays what an operator met deploying on PostgreSQL with two workers: a database that does not
answer, does not exist or is not a URL; a data directory or log key path that cannot be made;
``CORRIDOR_LIVE_SWEEP_SECONDS=inf``; ``CORRIDOR_LISTEN_HOST=0.0.0.0`` honoured by the workers
but not by the parent; a misspelt ``CORRIDOR_DATABSE_URL``; ``--workers 2`` on SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from corridor.errors import InputError
from corridor.settings import load_settings, unknown_variables

from .conftest import postgres_reachable

SECRET = "s" * 40
KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="  # 32 bytes, not the placeholder


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CORRIDOR_* variable from the shell; the ones ``serve`` exports are put back after."""
    for name in ("DATA_DIR", "DATABASE_URL", "LISTEN_HOST", "LOG_KEY_PATH", "ENVIRONMENT"):
        monkeypatch.setenv(f"CORRIDOR_{name}", "")
        monkeypatch.delenv(f"CORRIDOR_{name}")


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``uvicorn.run`` replaced by a recorder: ``serve`` checks and exports, serves nothing."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    return calls


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def _bad_values(tmp: Path) -> list[tuple[list[str], dict[str, str], str, str]]:
    """(arguments, environment, the setting named, the value quoted) per bad setting."""
    (tmp / "a-file").write_text("")
    db = "CORRIDOR_DATABASE_URL (--db)"
    data = "CORRIDOR_DATA_DIR (--data-dir)"
    cases = [
        (["--db", "postgresql+psycopg://postgres@127.0.0.1:5999/x"], {}, db, "127.0.0.1:5999/x"),
        (["--db", "postgres://postgres:hunter2@127.0.0.1/x"], {}, db, "postgresql+psycopg://"),
        (["--db", "not a url"], {}, db, "'not a url'"),
        (["--db", "postgresql+psycopg://u@no-such-host.invalid/x"], {}, db, "no-such-host"),
        (["--data-dir", "/sys/corridor-x"], {}, data, "/sys/corridor-x"),
        (["--data-dir", str(tmp / "a-file" / "x")], {}, data, "a-file/x"),
        (["--data-dir", str(tmp / "a-file")], {}, data, "a file, not a folder"),
        (
            ["--data-dir", str(tmp / "d")],
            {"CORRIDOR_LOG_KEY_PATH": "/sys/corridor-x/log.key"},
            "CORRIDOR_LOG_KEY_PATH",
            "/sys/corridor-x/log.key",
        ),
    ]
    if postgres_reachable():
        missing = "postgresql+psycopg://postgres:hunter2@127.0.0.1:5432/corridor_no_such_db"
        cases.append((["--db", missing], {}, db, 'database "corridor_no_such_db" does not exist'))
    return cases


@pytest.mark.parametrize("command", [["serve"], ["admin", "users"], ["admin", "token", "1"]])
def test_a_bad_database_or_folder_is_one_line_naming_it_and_exit_2(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    for args, env, setting, value in _bad_values(tmp_path):
        if command != ["serve"] and setting == "CORRIDOR_LOG_KEY_PATH":
            continue  # the admin commands sign nothing: they do not read the log key
        with monkeypatch.context() as m:
            for name, v in env.items():
                m.setenv(name, v)
            code, _, err = run_cli([*command, *args], capsys)
        line = one_line_error(err)
        assert code == 2, (args, err)
        assert line.startswith(f"error: {setting}: "), line
        assert value in line, line
        assert "hunter2" not in line  # a password is masked: 'postgres:***@'
    assert uvicorn_runs == []


def test_workers_on_sqlite_are_refused_before_anything_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    data = tmp_path / "fresh"
    code, _, err = run_cli(["serve", "--workers", "2", "--data-dir", str(data)], capsys)
    assert code == 2
    assert one_line_error(err).startswith("error: --workers: 2 needs PostgreSQL")
    assert not data.exists()  # no corridor.sqlite, no keys/
    assert uvicorn_runs == []


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e12"])
def test_a_sweep_interval_that_is_not_a_finite_day_or_less_is_refused_by_name(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_LIVE_SWEEP_SECONDS", value)
    with pytest.raises(InputError) as exc:
        load_settings(data_dir=tmp_path)
    assert exc.value.where == "CORRIDOR_LIVE_SWEEP_SECONDS"
    assert repr(value) in exc.value.problem
    with pytest.raises(InputError):
        load_settings(data_dir=tmp_path, live_sweep_seconds=float(value))
    monkeypatch.setenv("CORRIDOR_LIVE_SWEEP_SECONDS", "0")
    assert load_settings(data_dir=tmp_path).live_sweep_seconds == 0


def test_the_listen_host_from_the_environment_is_the_one_bound_and_checked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    data = str(tmp_path / "data")
    monkeypatch.setenv("CORRIDOR_LISTEN_HOST", "0.0.0.0")
    # placeholder secrets off the loopback: the parent refuses, as the worker would have
    code, out, err = run_cli(["serve", "--data-dir", data], capsys)
    assert code == 2
    assert one_line_error(err).startswith("error: CORRIDOR_TOKEN_SECRET: ")
    assert "0.0.0.0" in err
    assert "serving" not in out
    assert uvicorn_runs == []

    monkeypatch.setenv("CORRIDOR_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("CORRIDOR_REGISTRY_KEY", KEY)
    code, out, err = run_cli(["serve", "--data-dir", data], capsys)
    assert code == 0, err
    assert "on http://0.0.0.0:8000/" in out
    assert uvicorn_runs[-1]["host"] == "0.0.0.0"
    assert load_settings().listen_host == "0.0.0.0"  # what a worker reads

    # --host wins over the environment, in the parent and in the workers alike
    code, out, err = run_cli(["serve", "--data-dir", data, "--host", "127.0.0.1"], capsys)
    assert code == 0, err
    assert uvicorn_runs[-1]["host"] == "127.0.0.1"
    assert load_settings().listen_host == "127.0.0.1"


def test_a_misspelt_setting_is_warned_about_and_refused_in_production(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    assert unknown_variables({"CORRIDOR_DATABSE_URL": "x", "CORRIDOR_TOKEN": "t", "PATH": "/"}) == [
        ("CORRIDOR_DATABSE_URL", "CORRIDOR_DATABASE_URL")
    ]
    monkeypatch.setenv("CORRIDOR_DATABSE_URL", "postgresql+psycopg://postgres:hunter2@db/x")
    data = tmp_path / "data"
    code, out, err = run_cli(["serve", "--data-dir", str(data)], capsys)
    assert code == 0, err
    (warning,) = [line for line in err.splitlines() if "CORRIDOR_DATABSE_URL" in line]
    assert "did you mean CORRIDOR_DATABASE_URL?" in warning
    assert "hunter2" not in err
    assert "serving sqlite" in out  # a warning, outside production

    monkeypatch.setenv("CORRIDOR_ENVIRONMENT", "production")
    monkeypatch.delenv("CORRIDOR_CLOCK", raising=False)  # the suite's clock: refused in production
    monkeypatch.setenv("CORRIDOR_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("CORRIDOR_REGISTRY_KEY", KEY)
    elsewhere = tmp_path / "production"
    for command in (["serve"], ["admin", "bootstrap"]):
        code, out, err = run_cli([*command, "--data-dir", str(elsewhere)], capsys)
        assert code == 2, err
        assert "Traceback" not in err
        assert err.splitlines()[-1].startswith("error: CORRIDOR_DATABSE_URL: is not a corridor")
        assert not elsewhere.exists()
    assert len(uvicorn_runs) == 1


def test_the_deployment_doc_tells_bootstrap_migration_and_restore() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    for needle in (
        "corridor admin bootstrap --data-dir",  # what it does, and the token it prints
        "`cor_`",
        "migrate without starting the service",
        "pg_restore",
        "cp -a /backup/keys /srv/corridor/keys            # before the first start",
        "error: CORRIDOR_LOG_KEY_PATH: there is no log key at",
        "CORRIDOR_DATABSE_URL",
        "`--host` wins",
    ):
        assert needle in text, needle


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("http://127.0.0.1:8787", "is a web address (the dashboard's?)"),
        ("127.0.0.1:8786", "no scheme"),
        ("tcp://scheduler", "no port"),
        ("tcp://scheduler:8786/status", "expected a host and a port and nothing else"),
    ],
)
def test_a_dask_scheduler_setting_not_of_a_schedulers_form_is_refused_at_start(
    value: str,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    """An operator who pastes the Dask dashboard's address learns it at start, not when the
    first simulation of the day fails on the dashboard."""
    monkeypatch.setenv("CORRIDOR_DASK_SCHEDULER", value)
    code, _, err = run_cli(["serve", "--data-dir", str(tmp_path / "d")], capsys)
    line = one_line_error(err)
    assert code == 2, err
    assert line.startswith(f"error: CORRIDOR_DASK_SCHEDULER: {value}: {said}"), line
    assert uvicorn_runs == []
    # a well-formed address is taken at start: the cluster may come up after the service
    monkeypatch.setenv("CORRIDOR_DASK_SCHEDULER", "tcp://scheduler:8786")
    assert load_settings(data_dir=tmp_path).dask_scheduler == "tcp://scheduler:8786"
    # set but empty (an env file's 'CORRIDOR_DASK_SCHEDULER='): no cluster, as when unset
    monkeypatch.setenv("CORRIDOR_DASK_SCHEDULER", "")
    assert not load_settings(data_dir=tmp_path).dask_scheduler
