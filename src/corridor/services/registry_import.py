"""Import the households of a KoBoToolbox / ODK Central export into the evacuee registry.

Every row is checked first, against the scenario's people classes and gathering points; a file
with any bad row imports nothing and every problem is reported (file, row, field, value). Then
every person is registered in one transaction, personal fields encrypted and each new record
audited as :func:`corridor.services.registry.register` does. A person's client id is made of the
submission's id and the person's place in it, so importing the same submissions again (the
same file, a later export that holds them, or the other format) adds nobody twice; a submission
imported before with other answers (edited since) is a problem of its row, and nothing is
imported. The rows are checked against the scenario given or else, like a registration by hand,
against the operation (:func:`corridor.services.registry_checks.operation_names`: the plan in
force, else the newest compiled scenario).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from corridor.domain.operations import Event
from corridor.domain.registry import FIELD_NAMES, PERSONAL_FIELDS, EvacueeFacts, summarise
from corridor.errors import InputErrors
from corridor.registration.checks import Household, Member, Reference
from corridor.registration.problems import RowProblem, at
from corridor.registration.reader import ExportFile, Reading, read_export
from corridor.registration.submissions import SUBMISSION_ID
from corridor.services.accounts import require
from corridor.services.operation_scope import scope_of
from corridor.services.public_facts import scenario_row
from corridor.services.registry_checks import (
    ScenarioNames,
    differences,
    names_of,
    operation_names,
    operation_scenario_id,
)

if TYPE_CHECKING:
    from datetime import datetime

    from corridor.domain.access import Principal
    from corridor.services.unit_of_work import UnitOfWork

#: The most problems one answer lists (a wrong file can have thousands of bad rows).
MAX_PROBLEMS = 200


def reference(row: dict[str, Any], now: datetime, names: ScenarioNames | None = None) -> Reference:
    """What the rows are checked against: the classes and gathering points of ``names`` (by
    default, of the scenario ``row``)."""
    names = names or names_of(row)
    return Reference(
        scenario=names.label,
        classes=names.classes,
        gathering=names.gathering,
        now=now,
        retention=min(f.retention for f in PERSONAL_FIELDS),
    )


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def rejected(reading: Reading) -> InputErrors:
    return _rejected(reading.problems)


def _rejected(problems: list[RowProblem]) -> InputErrors:
    rows = len({(p.file, p.row) for p in problems})
    shown = problems[:MAX_PROBLEMS]
    more = f" (the first {MAX_PROBLEMS} are listed)" if len(problems) > MAX_PROBLEMS else ""
    return InputErrors(
        problems[0].file,
        f"{_n(len(problems), 'problem')} in {_n(rows, 'row')}{more}; nothing was imported",
        [(p.where, p.value, p.problem) for p in shown],
    )


def import_export(
    uow: UnitOfWork,
    who: Principal,
    files: list[ExportFile],
    fmt: str | None = None,
    scenario_id: int | None = None,
) -> dict[str, Any]:
    """Check every submission of the export, then register all its people, or nobody."""
    require(who, "registry.import")
    with uow:
        # While a plan is in force its names are the ones checked, whichever scenario is named.
        names = operation_names(uow) if scenario_id is None or scope_of(uow) else None
        scenario = scenario_row(
            uow, scenario_id if scenario_id is not None else operation_scenario_id(uow)
        )
        now = uow.clock()
    reading = read_export(files, fmt, reference(scenario, now, names))
    if reading.problems:
        raise rejected(reading)
    households = reading.checked.households
    with uow:
        added = _store(uow, who, households)
        result = _result(reading, scenario, added)
        uow.audit.add(
            who,
            "registry.import",
            f"scenario:{scenario['id']}",
            {
                "files": [
                    {"name": f.name, "bytes": len(f.data), "sha256": _digest(f.data)} for f in files
                ],
                **{k: v for k, v in result.items() if not k.startswith("by_")},
            },
        )
        if added:
            counts = summarise([_facts(r) for r in uow.evacuees.list()])
            uow.emit(Event("registry", {"counts": asdict(counts)}))
        uow.commit()
    return result


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _facts(row: dict[str, Any]) -> EvacueeFacts:
    return EvacueeFacts(row["people_class"], row["gathering"], row["vehicle"], row["status"])


def _personal(household: Household, member: Member) -> dict[str, str | None]:
    # The household's contact is stored once, with its first person: it reaches them all.
    first = member.index == household.members[0].index
    return {
        "name": member.name,
        "needs": member.needs,
        "contact": household.contact if first else None,
    }


def _store(uow: UnitOfWork, who: Principal, households: list[Household]) -> int:
    """Register every person not yet registered; returns how many were added. A person
    registered before with other answers is a problem of its row: every such row is named and
    nothing is kept (the caller's transaction is rolled back)."""
    added = 0
    now = uow.clock()
    conflicts: list[RowProblem] = []
    for household in households:
        for member in household.members:
            personal = _personal(household, member)
            record: dict[str, Any] = {
                "client_id": household.client_id(member),
                "household": household.household_id,
                "people_class": member.people_class,
                "gathering": household.gathering,
                "vehicle": None,
                "status": "registered",
                "registered_at": household.submitted_at,
                "registered_by": who.user_id,
                "anonymised_at": None,
            }
            for name in FIELD_NAMES:
                record[f"{name}_enc"] = uow.cipher.encrypt(name, personal.get(name))
            ident, created = uow.evacuees.add(record)
            if not created:
                differ = differences(uow, uow.evacuees.get(ident), record, personal, now)
                if differ:
                    conflicts.append(_conflict(household, member, int(ident), differ))
            if created:
                added += 1
                uow.audit.add(
                    who,
                    "registry.write",
                    f"evacuee:{ident}",
                    {
                        "fields": [n for n in FIELD_NAMES if personal.get(n) is not None],
                        "submission": household.submission_id,
                    },
                )
    if conflicts:
        raise _rejected(conflicts)
    return added


def _conflict(household: Household, member: Member, ident: int, differ: list[str]) -> RowProblem:
    return at(
        household.row,
        SUBMISSION_ID,
        household.submission_id,
        f"person {member.index} of this submission was imported before (registry id {ident}) "
        f"with other answers (it differs in {', '.join(differ)}): the registry keeps the first; "
        "leave this submission out of the file",
    )


def _result(reading: Reading, scenario: dict[str, Any], added: int) -> dict[str, Any]:
    households = reading.checked.households
    people = [(h, m) for h in households for m in h.members]
    return {
        "format": reading.format,
        "scenario_id": scenario["id"],
        "scenario": scenario["name"],
        "submissions": reading.submissions,
        "households": len(households),
        "declined": reading.checked.declined,
        "repeated": reading.checked.repeated,
        "people": len(people),
        "added": added,
        "already_registered": len(people) - added,
        "by_class": dict(sorted(Counter(m.people_class for _, m in people).items())),
        "by_gathering": dict(sorted(Counter(h.gathering for h, _ in people).items())),
    }
