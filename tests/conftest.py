"""Fixtures shared by every test folder."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corridor.adapters.clock import FixedClock
from corridor.adapters.osm import load_road_graph
from corridor.adapters.scenario_files import FileScenarios
from corridor.domain.proposal import example_window_start
from corridor.services.ports import use_road_graph_source, use_scenario_source

# The services read road graphs and scenario files through ports; bootstrap and the CLI wire
# them, and so do the tests that call the services directly.
use_road_graph_source(load_road_graph)
use_scenario_source(FileScenarios())

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
# The referee lives in ../shared beside the clone; CORRIDOR_REFEREE points elsewhere (a worktree).
REFEREE = Path(os.environ.get("CORRIDOR_REFEREE") or ROOT.parent / "shared" / "cep" / "validate.py")

#: Where every test's clock starts (never today's date): 05:00 in Andorra on the day of the
#: Andorra example, an hour before its window opens. Tests pin "now" to it or to fixed
#: instants near it, so that the suite gives the same answers whatever the machine's date.
T0 = dt.datetime(2026, 5, 14, 3, 0, tzinfo=dt.UTC)
#: The example agreement's window as a test makes it at T0: 07:00-15:00 Kyiv, then 09:00-17:00.
EXAMPLE_START = example_window_start(T0)


def fixed_clock() -> FixedClock:
    """A clock standing at T0 (it moves only when a test moves it)."""
    return FixedClock(T0)


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


TIMESHIFT = Path(__file__).with_name("timeshift")


def pytest_configure(config: pytest.Config) -> None:
    """Every ``corridor`` process the tests start (in-process commands, ``corridor serve``,
    ``corridor demo``) runs on a clock that starts at T0: the one clock (CORRIDOR_CLOCK) of
    the program, set here once for the whole run.

    With ``CORRIDOR_TEST_SHIFT_DAYS`` (``make test-future``), the wall clock of this process
    and of every Python process it starts is moved that many days ahead (time-machine, through
    tests/timeshift/sitecustomize.py): the suite must pass all the same, which shows that no
    test and no code path depends on today's date."""
    os.environ["CORRIDOR_CLOCK"] = T0.isoformat()
    if os.environ.get("CORRIDOR_TEST_SHIFT_DAYS"):
        paths = [str(TIMESHIFT), *filter(None, [os.environ.get("PYTHONPATH")])]
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
        sys.path.insert(0, str(TIMESHIFT))
        import sitecustomize  # noqa: F401  (moves this process's wall clock too)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One road-graph cache for the session (the OSM extracts are parsed once)."""
    return tmp_path_factory.mktemp("osm-cache")


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


#: Entries that the opening and the key ceremony put in a log before its first proposal.
CEREMONY = 5


def ceremony(service: object, signers: dict[str, object], corridor: str = "") -> list[object]:
    """Open the example corridor and register and confirm both parties' keys (all keys on one
    machine, as in the worked example): what every negotiation starts with."""
    from corridor.domain.proposal import EXAMPLE_ORGANISATIONS
    from corridor.services.signing import key_ceremony

    return list(
        key_ceremony(
            service,  # type: ignore[arg-type]
            corridor or "eastbrook-westford-1",
            EXAMPLE_ORGANISATIONS,
            signers,  # type: ignore[arg-type]
        )
    )
