"""The program's one clock: fixed for tests, running from a chosen instant for rehearsals."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import T0

from corridor.adapters.clock import FixedClock, RunningClock, clock_from, parse_instant
from corridor.errors import InputError
from corridor.settings import load_settings


def test_a_running_clock_starts_where_told_and_runs_at_its_rate() -> None:
    clock = RunningClock(T0, rate=600.0)  # ten minutes a second
    time.sleep(0.05)
    ran = (clock() - T0).total_seconds()
    assert 25 <= ran <= 120  # 0.05 s or a bit more, times 600
    clock.set(T0 + dt.timedelta(hours=1), rate=1.0)
    assert abs((clock() - T0 - dt.timedelta(hours=1)).total_seconds()) < 1
    assert clock().tzinfo is dt.UTC


def test_a_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(T0)
    assert clock() == clock() == T0
    assert clock.advance(minutes=5) == T0 + dt.timedelta(minutes=5)
    with pytest.raises(ValueError, match="aware"):
        clock.set(dt.datetime(2026, 5, 14, 6, 0))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("5pm", "is not an ISO 8601 time"), ("2026-05-14T06:00", "has no UTC offset")],
)
def test_a_bad_instant_is_named(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=f"CORRIDOR_CLOCK: '{text}' {problem}"):
        clock_from(text)


def test_the_clock_setting_is_checked_and_refused_in_production(tmp_path: object) -> None:
    assert parse_instant("x", "2026-05-14T06:00+02:00") == dt.datetime(
        2026, 5, 14, 4, 0, tzinfo=dt.UTC
    )
    with pytest.raises(InputError, match="CORRIDOR_CLOCK: 'yesterday'"):
        load_settings(clock="yesterday")
    with pytest.raises(InputError, match=r"CORRIDOR_CLOCK: .* a production run uses the system"):
        load_settings(
            environment="production",
            clock="2026-05-14T06:00+02:00",
            token_secret="s" * 40,
            registry_key="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )


@pytest.mark.skipif(
    not os.environ.get("CORRIDOR_TEST_SHIFT_DAYS"), reason="only in `make test-future`"
)
def test_the_future_run_moves_the_wall_clock_of_every_python_process(tmp_path: Path) -> None:
    """The kernel stamps a new file with the real time; this process and a child process read
    a wall clock CORRIDOR_TEST_SHIFT_DAYS ahead of it (so the run proves what it claims)."""
    stamp = tmp_path / "now"
    stamp.write_text("")
    real = stamp.stat().st_mtime
    shift = float(os.environ["CORRIDOR_TEST_SHIFT_DAYS"]) * 86400
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        capture_output=True,
        text=True,
        check=True,
    )
    for seen in (time.time(), float(child.stdout)):
        assert abs(seen - real - shift) < 600
