"""Printed notices of a signed corridor: one per gathering point and language, one per party.

``corridor notices CORRIDOR --out DIR`` and ``GET /v1/corridors/{id}/notices/{name}.pdf`` call
:func:`write_all` / :func:`write_one` with the PDF writer (a :class:`NoticeWriter`,
``adapters.notices_pdf.write_notice``). Only the version both parties signed is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.domain.proposal import PARTY_ROLES
from corridor.i18n import translators
from corridor.publishing.notices import Notice, gathering_notice, unit_package
from corridor.services.accounts import require
from corridor.services.errors import NotFound
from corridor.services.public_facts import facts_for, scenario_row

if TYPE_CHECKING:
    from pathlib import Path

    from corridor.domain.access import Principal
    from corridor.domain.agreement import CorridorState
    from corridor.publishing.facts import PublicFacts
    from corridor.services.ports import NoticeWriter
    from corridor.services.unit_of_work import UnitOfWork


def _prepare(
    uow: UnitOfWork, state: CorridorState, scenario_id: int | None
) -> tuple[PublicFacts, list[dict[str, Any]], list[Notice]]:
    with uow:
        facts = facts_for(uow, state, scenario_id)
        row = scenario_row(uow, scenario_id)
    roads = [
        f
        for f in (row["layers"] or {}).get("features", [])
        if f["properties"].get("layer") == "roads"
    ]
    notices: list[Notice] = []
    for tr in translators(facts.languages, "public.languages"):
        notices += [gathering_notice(tr, facts, g.id) for g in facts.gathering]
        notices += [unit_package(tr, facts, role) for role in PARTY_ROLES]
    return facts, roads, notices


def names(
    uow: UnitOfWork, who: Principal, state: CorridorState, scenario_id: int | None = None
) -> list[str]:
    require(who, "notices.read")
    return [n.name for n in _prepare(uow, state, scenario_id)[2]]


def write_all(
    uow: UnitOfWork,
    who: Principal | None,
    state: CorridorState,
    out: Path,
    scenario_id: int | None = None,
    progress: Any = None,
    only: set[str] | None = None,
    *,
    write_notice: NoticeWriter,
) -> list[Path]:
    """Every notice of the corridor (or those named in ``only``) as ``out/NAME.pdf``;
    ``progress(done, total)`` after each, if given."""
    if who is not None:
        require(who, "notices.read")
    facts, roads, notices = _prepare(uow, state, scenario_id)
    if only is not None:
        notices = [n for n in notices if n.name in only]
    written = []
    for i, notice in enumerate(notices, 1):
        written.append(write_notice(out / f"{notice.name}.pdf", notice, facts, roads))
        if progress is not None:
            progress(i, len(notices))
    return written


def write_one(
    uow: UnitOfWork,
    who: Principal,
    state: CorridorState,
    name: str,
    out: Path,
    scenario_id: int | None = None,
    *,
    write_notice: NoticeWriter,
) -> Path:
    require(who, "notices.read")
    facts, roads, notices = _prepare(uow, state, scenario_id)
    for notice in notices:
        if notice.name == name:
            return write_notice(out / f"{name}.pdf", notice, facts, roads)
    raise NotFound("notice", name)
