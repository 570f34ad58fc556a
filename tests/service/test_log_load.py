"""Issue 13, finding 8, under load: on PostgreSQL with two workers, many clients posting validly
signed envelopes at once; not one is refused for a transient reason, none is lost.

The load tool is ``benchmarks/log_load.py`` (its figures, with more clients, are in
docs/security.md); here it runs smaller and must exit 0 (it exits 1 if any envelope was
refused or not stored, and verifies the final log offline).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import postgres_reachable

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.slow
def test_no_validly_signed_envelope_is_refused_under_load_on_two_workers() -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "log_load.py"), "--clients", "10",
         "--per-client", "20", "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "200 validly signed envelopes from 10 concurrent clients" in run.stdout
    assert "refused: 0" in run.stdout
    assert "no validly signed envelope was refused or lost" in run.stdout
