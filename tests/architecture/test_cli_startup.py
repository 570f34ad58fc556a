"""``corridor`` starts at once: its main module reads no heavy library before a command runs.

The libraries named here take a second or more to import together (docs/benchmarks.md, "CLI
start-up"); each command imports what it needs in its own body. A fresh interpreter is used, so
that what other tests imported does not hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "numpy",
    "httpx",
    "alembic",
    "scipy",
    "pydantic",
    "cryptography",
    "matplotlib",
    "fastapi",
    "yaml",
)


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import corridor.entrypoints.cli.main")
    assert sorted(loaded & set(HEAVY)) == []


@pytest.mark.parametrize("argv", [["--help"], ["agreement", "--help"], ["plan", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    code = (
        "from corridor.entrypoints.cli.main import app\n"
        f"try:\n    app({argv!r}, prog_name='corridor')\n"
        "except SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    # Typer itself coerces option values through pydantic once a command's options are parsed.
    assert sorted(loaded & (set(HEAVY) - {"pydantic"})) == []


def test_the_default_log_file_is_named_once() -> None:
    from corridor.adapters.remote_log import DEFAULT_LOG
    from corridor.entrypoints.cli.options import DEFAULT_LOG as OPTION_DEFAULT

    assert OPTION_DEFAULT == DEFAULT_LOG
