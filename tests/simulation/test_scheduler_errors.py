"""``--scheduler`` when it is not what Dask needs (docs/simulation.md): an address that is not
a Dask scheduler's, a scheduler with no worker, a scheduler lost in the middle of the runs.
Each ends with one line that names the option and the value, a documented exit code and
nothing half-written, within the (shortened) connect timeout or worker wait.

The commands run in a thread with a deadline, so that a command that hangs, as these did,
fails its test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

import corridor.entrypoints.cli.simulate as simulate_cli
from corridor.simulation.tally import Tally
from simulation.conftest import PLANS, ROOT

TINY = ROOT / "data" / "cep" / "tiny.json"
ADVICE = "give the Dask scheduler's address, tcp://HOST:8786"


def bounded(
    args: list[str], capsys: pytest.CaptureFixture[str], seconds: float = 30
) -> tuple[int, str]:
    """``corridor ARGS`` in this process; its exit code and stderr on one line. Fails if it
    does not end within ``seconds``."""
    got: list[tuple[int, str, str]] = []
    raised: list[BaseException] = []

    def run() -> None:
        try:
            got.append(run_cli(args, capsys))
        except BaseException as exc:  # a traceback the user would see: fail with it
            raised.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if raised:
        raise raised[0]
    assert got, f"corridor {' '.join(args)} still runs after {seconds:g} s"
    code, _out, err = got[0]
    return code, " ".join(err.split())


def simulate_args(scheduler: str, out: Path, runs: int = 100) -> list[str]:
    return ["simulate", str(TINY), str(PLANS["tiny"]), "--runs", str(runs), "--out", str(out),
            "--scheduler", scheduler]  # fmt: skip


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connect timeout and the worker wait, shortened from 10 s and 60 s."""
    monkeypatch.setattr(simulate_cli, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(simulate_cli, "WORKER_WAIT", 1.0)


# -- addresses that are not a Dask scheduler's ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://127.0.0.1:8799", "is a web address"),
        ("127.0.0.1:8786", "no scheme"),
        ("tcp://127.0.0.1", "no port"),
        ("tcp://127.0.0.1:99999", "out of range"),
        ("udp://127.0.0.1:8786", "unknown scheme"),
    ],
)
def test_an_address_dask_cannot_use_is_refused_before_anything_runs(
    value: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = bounded(simulate_args(value, tmp_path / "out"), capsys)
    assert code == 2
    assert f"error: --scheduler: {value}: " in err
    assert problem in err
    assert ADVICE in err
    assert not (tmp_path / "out").exists()


def test_plan_portfolio_refuses_a_web_address_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    args = ["plan", str(TINY), "-o", str(out), "--portfolio", "2", "--scheduler", "http://x:1"]
    code, err = bounded(args, capsys)
    assert code == 2
    assert "error: --scheduler: http://x:1: is a web address" in err
    assert ADVICE in err
    assert not out.exists()


class _Silent(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``: waits for a request line, for as long as it takes (the
    dashboard and the corridor service do the same)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _BadRequest(socketserver.BaseRequestHandler):
    """Answers whatever it is sent with HTTP 400, as a web server does with Dask's greeting."""

    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            if self.request.recv(1024):
                self.request.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        except OSError:
            pass


class _Banner(socketserver.BaseRequestHandler):
    """Speaks first, but not Dask: an SSH server."""

    def handle(self) -> None:
        self.request.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        self.request.settimeout(5)
        with contextlib.suppress(OSError):
            self.request.recv(1024)


def _silent() -> socketserver.TCPServer:
    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Silent)


def _bad_request() -> socketserver.TCPServer:
    return socketserver.ThreadingTCPServer(("127.0.0.1", 0), _BadRequest)


def _banner() -> socketserver.TCPServer:
    return socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Banner)


@pytest.mark.parametrize(
    ("server", "said"),
    [
        (_silent, "it sent nothing, where a scheduler greets at once (is it a web server?)"),
        (_bad_request, "it sent nothing"),
        (_banner, "it said 'SSH-2.0-OpenSSH_9.2p1 Debian-2'"),
    ],
    ids=["http.server", "http-400", "ssh"],
)
def test_a_server_that_is_not_a_dask_scheduler_is_named_within_the_timeout(
    server: Any, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: http.server hung for good, the HTTP 400 ended in ``_ArrayMemoryError: Unable
    to allocate 3.07 EiB`` (Dask read "HTTP/1.1" as the length of its greeting)."""
    srv = server()
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{srv.server_address[1]}"
    try:
        code, err = bounded(simulate_args(address, tmp_path / "out"), capsys, seconds=20)
    finally:
        srv.shutdown()
        srv.server_close()
    assert code == 2, err
    assert f"error: --scheduler: {address}: not a Dask scheduler: {said}" in err
    assert ADVICE in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_closed_port_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: refused
        code, err = bounded(simulate_args(address, tmp_path / "out"), capsys)
    assert code == 2
    assert f"error: --scheduler: {address}: no Dask scheduler answers" in err
    assert ADVICE in err


# -- a real scheduler: without workers, and lost in the middle of the runs -----------------


class InProcessCluster:
    """A Dask scheduler (and ``workers`` single-threaded workers) on an event loop of its
    own in this process: quick to start, and its scheduler can be closed at any moment."""

    def __init__(self, workers: int) -> None:
        from distributed import Scheduler

        self._scheduler_class = Scheduler
        self._workers = workers
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the Dask scheduler did not start"

    async def _main(self) -> None:
        from distributed import Worker

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.scheduler = await self._scheduler_class(host="127.0.0.1", port=0, dashboard=False)
        self.address: str = self.scheduler.address
        self.workers = [
            await Worker(self.address, nthreads=1, host="127.0.0.1", dashboard=False)
            for _ in range(self._workers)
        ]
        self._ready.set()
        await self._stop.wait()
        for w in self.workers:
            await w.close(timeout=2)
        await self.scheduler.close()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)

    def add_worker(self) -> None:
        from distributed import Worker

        async def start() -> None:
            self.workers.append(
                await Worker(self.address, nthreads=1, host="127.0.0.1", dashboard=False)
            )

        self._call(start())

    def kill_scheduler(self) -> None:
        self._call(self.scheduler.close())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)


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


def test_a_scheduler_without_workers_is_named_after_the_wait(
    no_workers: InProcessCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = no_workers.address
    code, err = bounded(simulate_args(address, tmp_path / "out"), capsys)
    assert code == 2
    assert f"waiting for a Dask worker: {address} has none (giving up after 1 s)" in err
    assert f"error: --scheduler: {address}: no Dask worker joined it in 1 s" in err
    assert f"dask worker {address}" in err
    assert not (tmp_path / "out").exists()


def test_a_worker_that_joins_during_the_wait_gets_the_runs(
    no_workers: InProcessCluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulate_cli, "WORKER_WAIT", 30.0)
    threading.Timer(0.5, no_workers.add_worker).start()
    code, err = bounded(simulate_args(no_workers.address, tmp_path / "out"), capsys, 60)
    assert code == 0, err
    assert f"waiting for a Dask worker: {no_workers.address} has none" in err
    assert (tmp_path / "out" / "summary.json").exists()


def test_a_scheduler_lost_mid_run_says_how_far_it_got_and_writes_nothing(
    one_worker: InProcessCluster,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    merge = Tally.merge

    def merge_then_lose_the_scheduler(self: Tally, other: Tally) -> Tally:
        monkeypatch.setattr(Tally, "merge", merge)
        one_worker.kill_scheduler()  # after the first chunks came back, before the last
        return merge(self, other)

    monkeypatch.setattr(Tally, "merge", merge_then_lose_the_scheduler)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.json").write_text("{}")  # from an earlier run: kept as is
    address = one_worker.address
    code, err = bounded(simulate_args(address, tmp_path / "out", runs=2000), capsys, 60)
    assert code == 1
    said = re.search(
        rf"error: --scheduler: {re.escape(address)}: the Dask scheduler was lost "
        r"\(scheduler-connection-lost\) after ([\d,]+) of 2,000 runs; nothing was written",
        err,
    )
    assert said, err
    assert 0 < int(said[1].replace(",", "")) < 2000
    assert "Traceback" not in err
    assert err.count("error:") == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.json"]
    assert (tmp_path / "out" / "summary.json").read_text() == "{}"


def test_files_are_written_all_or_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plot that cannot be written (a full disk) leaves the folder as it was."""
    import errno

    import corridor.adapters.simulation_plots as plots

    def first_plot_then_full(summary: dict[str, Any], folder: Path) -> list[Path]:
        (folder / "people_out.png").write_bytes(b"\x89PNG")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(plots, "write_plots", first_plot_then_full)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # from an earlier run
    args = ["simulate", str(TINY), str(PLANS["tiny"]), "--runs", "20", "--out", str(out),
            "--in-process", "-q"]  # fmt: skip
    code, err = bounded(args, capsys)
    assert code == 2
    assert f"error: {out}: cannot be written: No space left on device; nothing was written" in err
    assert [p.name for p in out.iterdir()] == ["summary.json"]
    assert (out / "summary.json").read_text() == "{}"
