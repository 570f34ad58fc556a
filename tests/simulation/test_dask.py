"""The same seed gives the same summary in this process, on a LocalCluster, and on a cluster of
real ``dask scheduler`` and ``dask worker`` processes reached through ``--scheduler``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from simulation.conftest import PLANS, ROOT

DASK = Path(sys.executable).parent / "dask"
INSTANCE = ROOT / "data" / "cep" / "medium.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A scheduler and two single-threaded workers on this machine; stopped afterwards."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = (tmp_path / "dask.log").open("w")
    procs = [subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
         "--dashboard-address", "127.0.0.1:0"],
        stdout=log, stderr=subprocess.STDOUT)]  # fmt: skip
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"w{i}", "--local-directory", str(tmp_path)],
                stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
        _wait_for_workers(address, 2)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    deadline = time.monotonic() + 60
    with Client(address, timeout="30s") as client:
        while len(client.scheduler_info()["workers"]) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the {n} Dask workers did not join {address}")
            time.sleep(0.2)


def summary(folder: Path, capsys: pytest.CaptureFixture[str], *how: str) -> dict[str, Any]:
    args = ["simulate", str(INSTANCE), str(PLANS["medium"]), "--runs", "600", "--seed", "42"]
    code, _out, err = run_cli([*args, "--out", str(folder), "-q", *how], capsys)
    assert code == 0, err
    return json.loads((folder / "summary.json").read_text())


@pytest.mark.slow
def test_scheduler_workers_localcluster_and_this_process_agree(
    cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = summary(tmp_path / "remote", capsys, "--scheduler", cluster)
    local = summary(tmp_path / "local", capsys, "--workers", "2")
    here = summary(tmp_path / "here", capsys, "--in-process")
    assert remote.pop("execution")["where"] == cluster
    assert local.pop("execution")["where"] == "LocalCluster of 2 worker processes"
    assert here.pop("execution")["where"] == "this process"
    assert remote == local == here
    assert remote["runs"] == 600
    assert 0 < remote["p_inside_after_close"] < 1


def test_a_scheduler_that_does_not_answer_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    args = ["simulate", str(INSTANCE), str(PLANS["medium"]), "--runs", "10"]
    code, _, err = run_cli([*args, "--out", str(tmp_path), "--scheduler", address], capsys)
    assert code == 2
    assert f"--scheduler: {address}: no Dask scheduler answers" in " ".join(err.split())
    assert not (tmp_path / "summary.json").exists()
