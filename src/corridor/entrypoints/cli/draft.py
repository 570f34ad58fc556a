"""CLI command: ``corridor agreement draft`` (a first proposal from a scenario).

Registered in the ``agreement`` group by :mod:`corridor.entrypoints.cli.agreement`; the work is
:func:`corridor.services.proposal_draft.draft_proposal`.
"""

from __future__ import annotations

from pathlib import Path

import typer


def draft_command(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenario.md)."),
    output: Path = typer.Option(..., "-o", "--output", help="Proposal JSON to write."),
    party_a: Path | None = typer.Option(None, "--party-a", help="Party A's verifier key (.pub)."),
    party_b: Path | None = typer.Option(None, "--party-b", help="Party B's verifier key (.pub)."),
    intermediary: Path | None = typer.Option(
        None, "--intermediary", help="The intermediary's verifier key (.pub)."
    ),
    time_zone: str | None = typer.Option(
        None, "--time-zone", help="IANA time zone of the window, when the scenario has none."
    ),
) -> None:
    """Write a first proposal from a scenario; FILL IN placeholders mark what to negotiate."""
    from corridor.adapters.key_files import read_verifier
    from corridor.domain.placeholders import placeholders
    from corridor.entrypoints.cli.scenario_view import prepare, write_json
    from corridor.services.proposal_draft import draft_proposal

    keys = {
        role: read_verifier(str(path)).text() if path else None
        for role, path in (
            ("party_a", party_a),
            ("party_b", party_b),
            ("intermediary", intermediary),
        )
    }
    _, net = prepare(scenario)
    doc = draft_proposal(net, keys, time_zone)
    write_json(output, doc)
    todo = placeholders(doc)
    typer.echo(f"wrote {output}: {len(todo)} terms to fill in before proposing:")
    for path in todo:
        typer.echo(f"  {path}")
