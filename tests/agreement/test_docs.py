"""Every agreement, log and keys command is documented for the people who use it."""

from __future__ import annotations

from pathlib import Path

import typer

from corridor.entrypoints.cli.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_command_appears_in_the_agreement_guide() -> None:
    guide = (DOCS / "agreement.md").read_text()
    root = typer.main.get_command(app)
    missing = []
    for group in ("agreement", "log", "keys"):
        sub = root.commands[group]  # type: ignore[attr-defined]
        assert sub.commands, f"corridor {group} has no commands"
        missing += [
            f"corridor {group} {name}"
            for name in sub.commands
            if f"corridor {group} {name}" not in guide
        ]
    assert not missing, f"undocumented in docs/agreement.md: {missing}"


def test_the_verifier_guide_names_every_predicate_type() -> None:
    from corridor.domain.agreement import Kind

    text = (DOCS / "log.md").read_text()
    assert [k.value for k in Kind if f"`{k.value}`" not in text] == []
