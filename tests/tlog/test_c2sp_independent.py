"""The example log's checkpoints and cosignatures verify with independent C2SP implementations.

``c2sp_check/main.go`` (ours: 90 lines of glue) opens the exported checkpoint and each witness's
``cosigned/<key ID>`` checkpoint with golang.org/x/mod/sumdb/note (the Go team's signed-note
code) and transparency-dev/formats (the reference cosignature/v1 verifier), computing every key
ID from the published verifier keys. Nothing of corridor is used to check.

It needs the Go toolchain and the two libraries' sources, none of which the project ships: the
test skips, saying what is missing, where they are absent. On Debian: ``apt-get install
golang-go golang-golang-x-mod-dev``, and a checkout of github.com/transparency-dev/formats at
commit 404c0d5 (its note package needs only the standard library and x/mod) named by
``$CORRIDOR_C2SP_FORMATS``. docs/log.md gives the same commands by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import T0

from corridor.adapters.key_files import read_verifier

HERE = Path(__file__).resolve().parent
X_MOD = Path("/usr/share/gocode/src/golang.org/x/mod")
MIRROR = Path("/work/.mirror/transparency-dev+formats/repo")  # where a fetched snapshot may be
FORMATS_COMMIT = "404c0d5"


def _formats(tmp: Path) -> Path | None:
    named = os.environ.get("CORRIDOR_C2SP_FORMATS")
    if named:
        return Path(named) if (Path(named) / "note" / "note_cosigv1.go").exists() else None
    if not (MIRROR / "HEAD").exists() and not (MIRROR / ".git").exists():
        return None
    out = tmp / "formats"
    out.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(MIRROR), "archive", FORMATS_COMMIT, "note", "log"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


@pytest.fixture(scope="module")
def c2sp_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checker, built in a throwaway GOPATH (nothing of it is kept in the project)."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain (apt-get install golang-go)")
    if not (X_MOD / "sumdb" / "note" / "note.go").exists():
        pytest.skip(f"golang.org/x/mod is not at {X_MOD} (apt-get install golang-golang-x-mod-dev)")
    tmp = tmp_path_factory.mktemp("gopath")
    formats = _formats(tmp)
    if formats is None:
        pytest.skip(
            "no transparency-dev/formats checkout: set $CORRIDOR_C2SP_FORMATS to one at "
            f"commit {FORMATS_COMMIT}"
        )
    src = tmp / "src"
    (src / "golang.org" / "x").mkdir(parents=True)
    (src / "golang.org" / "x" / "mod").symlink_to(X_MOD)
    (src / "github.com" / "transparency-dev").mkdir(parents=True)
    (src / "github.com" / "transparency-dev" / "formats").symlink_to(formats)
    shutil.copytree(HERE / "c2sp_check", src / "c2sp_check")
    env = {**os.environ, "GOPATH": str(tmp), "GO111MODULE": "off", "GOFLAGS": "", "HOME": str(tmp)}
    env["GOCACHE"] = str(tmp / "cache")
    built = subprocess.run(
        [go, "build", "-o", str(tmp / "c2sp_check"), "c2sp_check"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return tmp / "c2sp_check"


def test_the_example_log_verifies_with_independent_c2sp_code(
    c2sp_check: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "CORRIDOR_CLOCK": T0.isoformat()}
    made = subprocess.run(
        [sys.executable, "-m", "corridor", "agreement", "example", "--out", str(tmp_path / "ex")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    keys = tmp_path / "ex" / "keys"
    log_key = read_verifier(str(keys / "intermediary.pub")).text()
    parties = ("party-a", "party-b")
    witnesses = [read_verifier(str(keys / f"{p}.pub")).cosigner_text() for p in parties]
    run = subprocess.run(
        [str(c2sp_check), str(tmp_path / "ex" / "log"), log_key, *witnesses],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "checkpoint: origin intermediary, size 11" in run.stdout
    for name in ("intermediary", "party-a", "party-b"):
        assert f"verified: {name} (key ID" in run.stdout
    # a changed byte in a cosignature fails there too
    cosigned = next((tmp_path / "ex" / "log" / "cosigned").iterdir())
    line = cosigned.read_text().splitlines()
    line[-1] = line[-1][:-6] + ("AAAA==" if not line[-1].endswith("AAAA==") else "BBBB==")
    cosigned.write_text("\n".join(line) + "\n")
    broken = subprocess.run(
        [str(c2sp_check), str(tmp_path / "ex" / "log"), log_key, *witnesses],
        capture_output=True,
        text=True,
        check=False,
    )
    assert broken.returncode == 1
    assert cosigned.name in broken.stderr
