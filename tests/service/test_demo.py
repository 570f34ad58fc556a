"""``corridor demo`` end to end through the real CLI: it must run, not just exist."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from corridor.adapters import orm
from corridor.tlog.witness import state_path_for

from .live import free_port


@pytest.mark.slow
def test_demo_negotiates_plans_and_replays_the_first_hour(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    port = free_port()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "corridor",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data),
            "--exit",
            "--speed",
            "100000",
            "--plan-seconds",
            "3",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "status: ceasefire confirmed by both parties on version 2; ready: True" in out
    assert "both parties cosigned it as witnesses" in out
    # each party's witness memory is where `corridor log cosign --key demo-keys/NAME.key` reads
    # it (issue 13, finding 7): the next cosignature checks consistency with this one
    for party in ("party-a", "party-b"):
        assert state_path_for(data / "demo-keys" / f"{party}.key").is_file(), party
    assert re.search(
        r"plan 1: feasible, score \d+, \d+ people evacuated by \d+ vehicles; "
        r"complies with the agreement: True",
        out,
    )
    # The demo's replay and the service agree on the time: the operation's day, in its zone.
    assert "6. replaying the first hour (06:00-07:00 Europe/Andorra)" in out
    assert "The service's clock now reads 07:00 Europe/Andorra" in out
    sent = int(re.search(r"(\d+) position reports", out).group(1))  # type: ignore[union-attr]
    assert sent > 100
    assert f"Open the dashboard:  http://127.0.0.1:{port}/" in out
    assert len(re.findall(r"^  \S.* cor_[\w-]+$", out, flags=re.M)) == 7
    engine = create_engine(f"sqlite:///{data / 'corridor.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orm.positions)).scalar_one() == sent
        assert conn.execute(select(func.count()).select_from(orm.evacuees)).scalar_one() == 12
        received = conn.execute(
            select(func.min(orm.positions.c.received_at), func.max(orm.positions.c.received_at))
        ).one()
    engine.dispose()
    # every report was received on the service's clock, in the replayed hour (04:00-05:00 UTC)
    first, last = (dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC) for t in received)
    assert dt.datetime(2026, 5, 14, 4, 0, tzinfo=dt.UTC) <= first
    assert last <= dt.datetime(2026, 5, 14, 5, 1, tzinfo=dt.UTC)
    # A second run starts afresh in the same folder; a folder of other files is refused.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    refused = subprocess.run(
        [sys.executable, "-m", "corridor", "demo", "--data-dir", str(other), "--exit"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "--data-dir" in refused.stderr
    assert (other / "thesis.tex").read_text() == "precious"
