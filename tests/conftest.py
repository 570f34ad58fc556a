"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# The referee lives in ../shared beside the clone; CORRIDOR_REFEREE points elsewhere (a worktree).
REFEREE = Path(os.environ.get("CORRIDOR_REFEREE") or ROOT.parent / "shared" / "cep" / "validate.py")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def referee() -> Path:
    """Path of the CEP referee; tests that need it skip, saying why, where it is absent."""
    if not REFEREE.exists():
        pytest.skip(
            f"the CEP referee is not at {REFEREE} (it lives in ../shared, beside the clone)"
        )
    return REFEREE


def run_referee(referee: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the referee with the same Python; returns the finished process."""
    return subprocess.run(
        [sys.executable, str(referee), *map(str, args)], capture_output=True, text=True, check=False
    )


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the real ``corridor`` console entry in this process (its error mapping included).

    Returns the exit code and what it printed on stdout and stderr.
    """
    from corridor.entrypoints.cli.main import run

    old = sys.argv
    sys.argv = ["corridor", *args]
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    cap = capsys.readouterr()
    return code, cap.out, cap.err
