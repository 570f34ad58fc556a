"""A start whose log key signed none of the checkpoints the database holds is refused, naming
CORRIDOR_LOG_KEY_PATH, both keys and what to do, and no key file is made.

Replays what an operator met: a second server started with another data directory (so another
log key) on the same database signed the shared log's checkpoints with a new key, and every
party's check failed ("has no signature by corridor-log+..."); the same after a restore that
forgot ``keys/``. On SQLite (the first server's file as the URL) and on PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli

from corridor.adapters.key_files import LogKeyMismatch, read_signer
from corridor.bootstrap import bootstrap
from corridor.settings import load_settings
from corridor.tlog.note import open_checkpoint


def first_server(data: Path, db: str) -> str:
    """Start the first server on ``db``, sign a checkpoint; return its log key's label."""
    service = bootstrap(load_settings(data_dir=data, database_url=db))
    try:
        note = service.log.sign_checkpoint()
        key = read_signer(service.settings.log_key_file).verifier()
        open_checkpoint(note, key)  # what a party checks
    finally:
        service.close()
    return f"{key.name}+{key.key_id().hex()}"


def test_another_data_dir_on_the_same_database_is_refused(
    backend: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = backend or f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = tmp_path / "first"
    theirs = first_server(first, db)

    # a second data directory: no key there, and none is made
    other = tmp_path / "other"
    with pytest.raises(LogKeyMismatch) as exc:
        bootstrap(load_settings(data_dir=other, database_url=db))
    message = str(exc.value)
    assert exc.value.where == "CORRIDOR_LOG_KEY_PATH"
    assert theirs in message
    assert "no log key at" in message
    assert "copy keys/" in message
    assert not (other / "keys").exists()

    # the same through the command line: one line, exit 2, still no key made
    code, out, err = run_cli(["serve", "--data-dir", str(other), "--db", db], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: CORRIDOR_LOG_KEY_PATH: ")
    assert theirs in err
    assert "serving" not in out
    assert not (other / "keys").exists()

    # a key of its own there (another server's data directory): both keys are named
    mine = first_server(tmp_path / "elsewhere", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    shutil.copytree(tmp_path / "elsewhere" / "keys", other / "keys")
    with pytest.raises(LogKeyMismatch) as exc:
        bootstrap(load_settings(data_dir=other, database_url=db))
    assert (exc.value.ours, exc.value.theirs) == (mine, [theirs])
    assert mine in str(exc.value)
    assert theirs in str(exc.value)

    # the first server starts again, and so does the second once it has the first's keys/
    bootstrap(load_settings(data_dir=first, database_url=db)).close()
    shutil.rmtree(other / "keys")
    shutil.copytree(first / "keys", other / "keys")
    service = bootstrap(load_settings(data_dir=other, database_url=db))
    try:
        note = service.log.sign_checkpoint()
    finally:
        service.close()
    assert f"— {theirs.split('+')[0]} " in note.decode()


def test_a_restore_without_keys_is_refused_until_they_are_back(
    backend: str | None, tmp_path: Path
) -> None:
    db = backend or f"sqlite:///{tmp_path / 'restored.sqlite'}"
    data = tmp_path / "data"
    theirs = first_server(data, db)
    shutil.move(data / "keys", tmp_path / "backup-keys")  # restored: the database, not keys/
    with pytest.raises(LogKeyMismatch) as exc:
        bootstrap(load_settings(data_dir=data, database_url=db))
    assert theirs in str(exc.value)
    assert not (data / "keys").exists()
    shutil.move(tmp_path / "backup-keys", data / "keys")
    bootstrap(load_settings(data_dir=data, database_url=db)).close()


def test_a_new_log_makes_its_key_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bootstrap(load_settings(data_dir=data)).close()
    made = (data / "keys" / "corridor-log.key").read_text()
    bootstrap(load_settings(data_dir=data)).close()  # no checkpoint yet: the same key
    assert (data / "keys" / "corridor-log.key").read_text() == made
