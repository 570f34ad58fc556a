"""No layer below the entrypoints and adapters reads the clock, and (save the listed
exceptions) none opens a file: time is an input, files are the adapters' business.

Checked on the syntax tree: a call of ``datetime.now``/``utcnow``, ``date.today`` or
``time.time``; a call of ``open``, of ``os.replace``/``rename``/``remove``/``makedirs``/
``open``/``fsync``, or of a path method that reads or writes (``read_text``, ``write_bytes``,
``mkdir``, ``glob`` ...). The exceptions kept are listed with their reason (docs/architecture.md);
an exception no longer needed fails the test, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "corridor"
BELOW_ADAPTERS = (
    "services", "scenario", "publishing", "simulation", "reporting", "registration",
    "planning", "tlog", "i18n", "routing", "domain",
)  # fmt: skip
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
OS_FILE_CALLS = {"replace", "rename", "remove", "makedirs", "open", "fsync"}
PATH_FILE_CALLS = {
    "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "open", "unlink", "touch",
    "rmdir", "iterdir", "glob", "rglob",
}  # fmt: skip

FILE_EXCEPTIONS = {
    "planning/highs.py": "opens os.devnull to silence the HiGHS library's own output",
    "i18n/__init__.py": "reads the compiled catalogues shipped inside the package",
    "i18n/browser.py": "reads the compiled catalogues shipped inside the package",
}


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _opens_a_file(owner: str | None, method: str, base: ast.expr) -> bool:
    if owner == "os":
        return method in OS_FILE_CALLS
    return method in PATH_FILE_CALLS and _root_name(base) not in ("uow", "re")


def _findings(text: str, name: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text, name)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            found.add("file")
        elif isinstance(f, ast.Attribute):
            base = f.value
            owner = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            if (owner, f.attr) in CLOCK_CALLS:
                found.add("clock")
            elif _opens_a_file(owner, f.attr, base):
                found.add("file")
    return found


def _below_adapters() -> dict[str, set[str]]:
    return {
        p.relative_to(SRC).as_posix(): _findings(p.read_text(), str(p))
        for p in sorted(SRC.rglob("*.py"))
        if p.relative_to(SRC).parts[0] in BELOW_ADAPTERS
    }


def test_no_layer_below_the_adapters_reads_the_clock() -> None:
    assert [name for name, found in _below_adapters().items() if "clock" in found] == []


def test_no_layer_below_the_adapters_opens_a_file() -> None:
    opens = [n for n, found in _below_adapters().items() if "file" in found]
    assert [n for n in opens if n not in FILE_EXCEPTIONS] == []


def test_every_file_exception_is_still_needed() -> None:
    found = _below_adapters()
    assert [n for n in FILE_EXCEPTIONS if "file" not in found.get(n, set())] == []


def test_the_check_sees_a_file_and_the_clock() -> None:
    code = "import datetime\ndef f(p):\n    p.write_text('x')\n    return datetime.datetime.now()\n"
    assert _findings(code, "m.py") == {"file", "clock"}
    assert _findings("def g(uow):\n    return uow.alerts.open()\n", "m.py") == set()
