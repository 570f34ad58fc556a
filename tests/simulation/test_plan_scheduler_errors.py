"""``corridor plan --portfolio N`` and ``plan --robust`` with ``--scheduler`` (docs/simulation.md):
a scheduler with no worker, and a scheduler lost in the middle of the planning, end as they
do for ``corridor simulate`` (test_scheduler_errors.py): one line naming the option and the
value, a documented exit code, and no plan written. ``--scheduler`` without either option,
which the plain planner used to ignore, is refused.

Before: the scheduler without a worker hung for good, the lost one ended in a traceback.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import corridor.entrypoints.cli.simulate as simulate_cli
from corridor.adapters.dask_cluster import DaskMapper
from simulation.test_scheduler_errors import TINY, InProcessCluster, bounded

PORTFOLIO = ["--portfolio", "3"]
ROBUST = ["--robust", "--target", "0.01", "--runs", "2000", "--plans", "3"]


def plan_args(out: Path, scheduler: str, *how: str) -> list[str]:
    return ["plan", str(TINY), "-o", str(out), "--time-limit", "1", *how, "--scheduler", scheduler]


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connect timeout and the worker wait (simulate's own), shortened from 10 s and 60 s."""
    monkeypatch.setattr(simulate_cli, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(simulate_cli, "WORKER_WAIT", 1.0)


@pytest.fixture
def no_workers() -> Iterator[InProcessCluster]:
    c = InProcessCluster(workers=0)
    yield c
    c.close()


@pytest.fixture
def one_worker() -> Iterator[InProcessCluster]:
    c = InProcessCluster(workers=1)
    yield c
    c.close()


@pytest.fixture
def earlier_plan(tmp_path: Path) -> Path:
    """A plan file from an earlier run at the output path: left as it is."""
    out = tmp_path / "plan.json"
    out.write_text("{}")
    return out


# -- a scheduler without workers -----------------------------------------------------------


@pytest.mark.parametrize("how", [PORTFOLIO, ROBUST], ids=["portfolio", "robust"])
def test_a_scheduler_without_workers_is_named_after_the_wait(
    how: list[str],
    no_workers: InProcessCluster,
    earlier_plan: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    address = no_workers.address
    code, err = bounded(plan_args(earlier_plan, address, *how), capsys)
    assert code == 2, err
    assert f"waiting for a Dask worker: {address} has none (giving up after 1 s)" in err
    assert f"error: --scheduler: {address}: no Dask worker joined it in 1 s" in err
    assert f"dask worker {address}" in err
    assert "Traceback" not in err
    assert err.count("error:") == 1
    assert earlier_plan.read_text() == "{}"


def test_a_worker_that_joins_during_the_wait_gets_the_planner_runs(
    no_workers: InProcessCluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulate_cli, "WORKER_WAIT", 30.0)
    threading.Timer(0.5, no_workers.add_worker).start()
    out = tmp_path / "plan.json"
    code, err = bounded(plan_args(out, no_workers.address, "--portfolio", "2"), capsys, 60)
    assert code == 0, err
    assert f"waiting for a Dask worker: {no_workers.address} has none" in err
    assert out.exists()


# -- a scheduler lost in the middle --------------------------------------------------------


def lose_scheduler(
    cluster: InProcessCluster,
    monkeypatch: pytest.MonkeyPatch,
    on_call: int,
    between: bool = False,
) -> None:
    """Stop the scheduler once the first task of the ``on_call``-th batch sent to Dask came back
    (the others still out): the portfolio's planner runs, or the robust search's simulations.
    ``between``: once that whole batch came back instead, while this process plans the next
    plan, and the client has seen it go."""
    call = DaskMapper.__call__
    calls = [0]

    def then_lose(self: DaskMapper, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
        calls[0] += 1
        lose = calls[0] == on_call
        for got in call(self, fn, items):
            yield got
            if lose and not between:
                lose = False
                cluster.kill_scheduler()
        if lose and between:
            cluster.kill_scheduler()
            deadline = time.monotonic() + 10
            while self.client.status == "running" and time.monotonic() < deadline:
                time.sleep(0.05)

    monkeypatch.setattr(DaskMapper, "__call__", then_lose)


def test_a_scheduler_lost_amid_the_portfolio_says_how_far_it_got_and_writes_nothing(
    one_worker: InProcessCluster,
    earlier_plan: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lose_scheduler(one_worker, monkeypatch, on_call=1)
    address = one_worker.address
    code, err = bounded(plan_args(earlier_plan, address, *PORTFOLIO), capsys, 60)
    assert code == 1, err
    assert (
        f"error: --scheduler: {address}: the Dask scheduler was lost (scheduler-connection-lost) "
        "after 1 of 3 planner runs; no plan was written (run the command again once the "
        "cluster is back)"
    ) in err
    assert "Traceback" not in err
    assert err.count("error:") == 1
    assert earlier_plan.read_text() == "{}"


@pytest.mark.parametrize("between", [False, True], ids=["simulating", "planning"])
def test_a_scheduler_lost_amid_the_robust_search_says_how_far_it_got_and_writes_nothing(
    between: bool,
    one_worker: InProcessCluster,
    earlier_plan: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lost while the second plan is simulated, or while this process makes it (with
    ``--portfolio 1`` the planner runs here; before, Dask then held the simulation for its
    reconnect timeout of 10 s, and said the runs were "cancelled on the cluster (unknown)")."""
    lose_scheduler(one_worker, monkeypatch, on_call=1 if between else 2, between=between)
    address = one_worker.address
    started = time.monotonic()
    code, err = bounded(plan_args(earlier_plan, address, *ROBUST, "-q"), capsys, 90)
    assert code == 1, err
    said = re.search(
        rf"error: --scheduler: {re.escape(address)}: the Dask scheduler was lost "
        r"\(scheduler-connection-lost\) after 1 plan tried; no plan was written "
        r"\(run the command again once the cluster is back\)",
        err,
    )
    assert said, err
    assert "Traceback" not in err
    assert err.count("error:") == 1
    assert earlier_plan.read_text() == "{}"
    assert time.monotonic() - started < 10


# -- --scheduler (or --workers) where nothing goes to Dask ---------------------------------


@pytest.mark.parametrize(
    ("given", "option"),
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
        (["--portfolio", "1", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
        (["--scheduler", "tcp://127.0.0.1:8786", "--portfolio", "1"], "--scheduler"),
        (["--workers", "2"], "--workers"),
    ],
)
def test_a_cluster_option_without_robust_or_portfolio_is_refused(
    given: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    code, err = bounded(["plan", str(TINY), "-o", str(out), "--time-limit", "1", *given], capsys)
    assert code == 2, err
    value = given[given.index(option) + 1]
    assert f"error: {option}: {value}: " in err
    assert "needs --robust or --portfolio N (N of 2 or more)" in err
    assert not out.exists()


@pytest.mark.parametrize("order", ["before", "after"])
def test_the_scheduler_is_taken_with_robust_or_portfolio_given_after_it(
    order: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The options may come in any order: here the address is checked (and refused), which
    it is only when --portfolio is taken."""
    scheduler = ["--scheduler", "http://x:1"]
    how = ["--portfolio", "2"]
    given = [*scheduler, *how] if order == "before" else [*how, *scheduler]
    out = tmp_path / "plan.json"
    code, err = bounded(["plan", str(TINY), "-o", str(out), *given], capsys)
    assert code == 2, err
    assert "error: --scheduler: http://x:1: is a web address" in err


# -- --target, --runs, --plans without --robust -------------------------------------------


@pytest.mark.parametrize(
    ("given", "option"),
    [
        (["--runs", "500"], "--runs"),
        (["--target", "0.01"], "--target"),
        (["--plans", "3", "--portfolio", "2"], "--plans"),
    ],
)
def test_a_robust_option_without_robust_is_refused(
    given: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator who types ``--target 0.01`` and forgets ``--robust`` would get a plan with
    no margin and think it has one: refused, by name, and no plan written."""
    out = tmp_path / "plan.json"
    code, err = bounded(["plan", str(TINY), "-o", str(out), "--time-limit", "1", *given], capsys)
    assert code == 2, err
    value = given[given.index(option) + 1]
    assert f"error: {option}: {value}: needs --robust" in err
    assert not out.exists()


def test_a_robust_option_given_before_robust_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    given = ["--runs", "50", "--robust"]  # taken with --robust, then checked: too few runs
    code, err = bounded(["plan", str(TINY), "-o", str(out), "--time-limit", "1", *given], capsys)
    assert code == 2, err
    assert "error: --runs: must be at least 100 for --robust, got 50" in err
