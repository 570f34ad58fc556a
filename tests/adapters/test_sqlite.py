"""The service's database and a local log set SQLite up the same way (one configure_sqlite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from corridor.adapters.log_tables import engine_for
from corridor.adapters.sql_engine import make_engine


def _pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


@pytest.mark.parametrize("make", ["service", "log"])
def test_every_sqlite_connection_gets_the_same_pragmas(tmp_path: Path, make: str) -> None:
    path = tmp_path / f"{make}.db"
    engine = make_engine(f"sqlite:///{path}") if make == "service" else engine_for(str(path))
    try:
        assert _pragmas(engine) == {
            "journal_mode": "wal",
            "synchronous": 2,  # FULL: an acknowledged write survives a power cut
            "foreign_keys": 1,
            "busy_timeout": 30_000,
        }
    finally:
        engine.dispose()
