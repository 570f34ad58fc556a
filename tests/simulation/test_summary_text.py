"""The summary ``corridor simulate`` prints when runs end days after the window (a corridor
suspended for ten hours at a time): times carry their day, waits their unit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import run_cli

from corridor.simulation.summary import clock, waits
from simulation.conftest import PLANS, ROOT

TINY = ROOT / "data" / "cep" / "tiny.json"


def test_a_time_past_the_first_day_carries_its_day() -> None:
    assert clock(600) == "10:00"
    assert clock(1439.4) == "23:59"
    assert clock(1440) == "+1 d 00:00"
    assert clock(6849) == "+4 d 18:09"  # the user's median, printed as 18:10 before
    assert clock(8935) == "+6 d 04:55"
    assert clock(-30) == "-1 d 23:30"
    assert clock(None) == clock(math.nan) == clock(math.inf) == "-"


def test_waits_past_the_last_bin_read_as_durations() -> None:
    assert waits([2.0, 15.0, 54.0]) == "2 / 15 / 54 min"
    assert waits([0.0, 125.0, 480.0]) == "0 / 125 / 480 min"
    assert waits([45.0, math.inf, math.inf]) == "45 min / over 8 h / over 8 h"
    assert waits([math.inf, math.inf, math.inf]) == "over 8 h"  # was "8 h+ / 8 h+ / 8 h+ min"
    assert waits([None, None, None]) == "- / - / - min"


def test_runs_that_end_days_later_print_the_day_and_no_h_plus_min(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", str(TINY), str(PLANS["tiny"]), "--runs", "100", "--seed", "1",
            "--set", "suspension_per_hour=1000", "--set", "suspension_median=600",
            "--out", str(tmp_path), "--in-process", "-q"]  # fmt: skip
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    s = json.loads((tmp_path / "summary.json").read_text())
    median, p95 = s["last_out"]["50"], s["last_out"]["95"]
    assert median >= 24 * 60  # days after the window
    text = " ".join(out.split())
    assert f"Last vehicle out median {clock(median)}, 95% by {clock(p95)};" in text
    assert f"+{int(round(median) // 1440)} d " in clock(median)
    assert "h+" not in text
    assert "over 8 h" in text
