"""ODK Central's CSV export: the submissions' file and one file per repeat group.

What Central writes ("Download" on a form's Submissions page: a ZIP, ``corridor_household.csv``
and ``corridor_household-members.csv``): fields separated by ","; headers are the answers'
paths joined with "-" (``household-gathering``, ``meta-instanceID``); ``SubmissionDate`` (UTC,
ISO 8601 with ``Z``) first and ``KEY`` (the submission's instance id, ``uuid:...``) after the
answers, then ``SubmitterID``, ``ReviewState``, ... In a repeat's file each row is one person:
its fields by name, ``PARENT_KEY`` (the submission's ``KEY``) and its own ``KEY``
(``uuid:.../members[2]``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corridor.registration import columns as cols
from corridor.registration import form
from corridor.registration.problems import Row, RowProblem
from corridor.registration.submissions import (
    SUBMISSION_ID,
    SUBMITTED,
    RawMember,
    RawSubmission,
    bare_id,
)
from corridor.registration.tables import Table

SEP = "-"
HINT = "download the submissions of the form corridor_household from ODK Central (CSV ZIP)"
HOUSEHOLD_KEYS = (form.CONSENT, *form.HOUSEHOLD_FIELDS)
PLACE = re.compile(r"/" + form.MEMBERS + r"\[(\d+)\]$")


def from_tables(tables: Sequence[Table]) -> tuple[list[RawSubmission], list[RowProblem]]:
    main = [t for t in tables if "PARENT_KEY" not in t.header]
    people = [t for t in tables if "PARENT_KEY" in t.header]
    if len(main) != 1 or len(people) != 1:
        found = ", ".join(t.name for t in tables)
        return [], [
            RowProblem(
                tables[0].name,
                None,
                "",
                None,
                "needs the submissions' file and the members' file (PARENT_KEY), "
                f"got {found}; {HINT}",
            )
        ]
    submissions, problems = _main_rows(main[0])
    if not problems:
        problems = _attach_people(submissions, people[0], main[0])
    return submissions, problems


def _main_rows(table: Table) -> tuple[list[RawSubmission], list[RowProblem]]:
    found, problems = cols.find(table, SEP, HOUSEHOLD_KEYS, ("KEY", "SubmissionDate"))
    problems += cols.missing(found, (*HOUSEHOLD_KEYS, "KEY", "SubmissionDate"), HINT)
    problems += list(table.problems)
    if problems:
        return [], problems
    names = {f: found.header(f) for f in HOUSEHOLD_KEYS}
    return [
        RawSubmission(
            Row(table.name, number),
            bare_id(found.value(cells, "KEY")),
            found.value(cells, "SubmissionDate"),
            {f: found.value(cells, f) for f in HOUSEHOLD_KEYS},
            {**names, SUBMISSION_ID: "KEY", SUBMITTED: "SubmissionDate"},
        )
        for number, cells in table.rows
    ], problems


def _attach_people(submissions: list[RawSubmission], table: Table, main: Table) -> list[RowProblem]:
    found, problems = cols.find(table, SEP, form.MEMBER_FIELDS, ("PARENT_KEY", "KEY"))
    problems += cols.missing(found, (*form.MEMBER_FIELDS, "PARENT_KEY"), HINT)
    problems += list(table.problems)
    if problems:
        return problems
    parents: dict[str, list[RawSubmission]] = {}
    for s in submissions:  # an id twice (two exports joined): each copy gets the people
        parents.setdefault(s.submission_id, []).append(s)
    names = {f: found.header(f) for f in form.MEMBER_FIELDS}
    for number, cells in table.rows:
        key = bare_id(found.value(cells, "PARENT_KEY"))
        if key not in parents:
            problems.append(
                RowProblem(table.name, number, "PARENT_KEY", key, f"is no KEY of {main.name}")
            )
            continue
        place = PLACE.search(found.value(cells, "KEY"))
        values = {f: found.value(cells, f) for f in form.MEMBER_FIELDS}
        for parent in parents[key]:
            index = int(place.group(1)) if place else len(parent.members) + 1
            parent.members.append(RawMember(Row(table.name, number), index, values, names))
    return problems
