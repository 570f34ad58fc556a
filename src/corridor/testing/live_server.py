"""A real ``corridor serve`` process for end-to-end tests (crash test, CLI) and benchmarks.

Tests reach it as ``tests/service/live.py`` too; benchmarks import it from here, so that no
benchmark imports the test suite.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """``corridor serve`` on a free port of 127.0.0.1, in its own process group."""

    data_dir: Path
    db: str | None = None
    port: int = field(default_factory=free_port)
    workers: int = 1
    proc: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> list[str]:
        """Start and wait until /v1/health answers; returns the lines printed before that."""
        cmd = [
            sys.executable,
            "-m",
            "corridor",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--workers",
            str(self.workers),
        ]
        if self.db:
            cmd += ["--db", self.db]
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        log.close()  # the child has its own descriptor
        lines: list[str] = []
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(
                    f"corridor serve exited: {self.proc.wait()} (see {self.log_path})"
                )
            lines.append(line.rstrip("\n"))
            if line.startswith("corridor serving"):
                break
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    self.output += lines
                    return lines
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("corridor serve did not answer /v1/health in time")

    def admin_token(self, lines: list[str]) -> str:
        for line in lines:
            if "CORRIDOR_ADMIN_TOKEN=" in line:
                return line.split("=", 1)[1].strip()
        raise AssertionError(f"no admin token in {lines}")

    def kill(self) -> None:
        """SIGKILL to the server and its workers: no shutdown handler runs anywhere."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._close()
