"""KoBoToolbox exports: the JSON of the data API (v2), and the tables of its XLS and CSV exports.

What KoBoToolbox documents and writes (support.kobotoolbox.org, "Exporting and downloading your
data", "Managing repeat group data"; the exports are made by its ``formpack`` library):

- JSON (``/api/v2/assets/{uid}/data/``): ``{"count", "next", "previous", "results": [...]}``,
  each submission an object keyed by the answers' paths joined with "/"
  (``household/gathering``), with ``_id``, ``_uuid``, ``_submission_time`` (UTC, no zone) and
  ``meta/instanceID`` (``uuid:...``); a repeat group is a list of objects keyed by full paths
  (``members`` -> ``[{"members/member_name": ...}]``); an unanswered question is left out.
- XLS: one sheet for the submissions (``_uuid``, ``_submission_time``, ``_index``, ...) and one
  per repeat group, whose rows point to their submission by ``_parent_index`` (= its ``_index``)
  and ``_submission__uuid``.
- CSV: the submissions' sheet alone, fields separated by ";"; KoBoToolbox leaves repeat groups
  out of it, so the people come from the XLS export's ``members`` sheet saved as CSV.

Headers must be the XML names ("XML values and headers"); with or without the group names.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from corridor.domain.json_text import strict_loads
from corridor.registration import columns as cols
from corridor.registration import form
from corridor.registration.problems import Row, RowProblem, at
from corridor.registration.submissions import (
    SUBMISSION_ID,
    SUBMITTED,
    RawMember,
    RawSubmission,
    bare_id,
)
from corridor.registration.tables import Table

SEP = "/"
HINT = (
    "export the form corridor_household with 'XML values and headers' "
    "(KoBoToolbox: DATA > Downloads)"
)
#: Where a submission's id may be, best first: the first version's id survives an edit.
ID_KEYS = ("meta/rootUuid", "meta/instanceID", "_uuid")
TIME_KEY = "_submission_time"
MAIN_SYSTEM = (*ID_KEYS, TIME_KEY, "_index")
MEMBER_SYSTEM = ("_parent_index", "_submission__uuid")
HOUSEHOLD_KEYS = (form.CONSENT, *form.HOUSEHOLD_FIELDS)


# --- JSON ---------------------------------------------------------------------------------


def from_json(name: str, text: str) -> tuple[list[RawSubmission], list[RowProblem]]:
    """The submissions of a data API answer (or of a plain list of submissions)."""
    try:
        data = strict_loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return [], [RowProblem(name, None, "", None, f"is not valid JSON ({where}: {exc.msg})")]
    except ValueError as exc:  # NaN, Infinity, a repeated key
        return [], [RowProblem(name, None, "", None, f"is not valid JSON ({exc})")]
    results = data.get("results") if isinstance(data, dict) else data
    if not isinstance(results, list):
        return [], [
            RowProblem(
                name,
                None,
                "results",
                None,
                "is not a list of submissions: give the answer of "
                "/api/v2/assets/{uid}/data/?format=json",
            )
        ]
    out: list[RawSubmission] = []
    problems: list[RowProblem] = []
    for number, item in enumerate(results, start=1):
        row = Row(name, number)
        if not isinstance(item, dict):
            problems.append(
                RowProblem(name, number, "", _text(item), "is not a submission (an object)")
            )
            continue
        submission, found = _json_submission(row, item)
        problems += found
        out.append(submission)
    return out, problems


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:200]


def _answer(
    row: Row, item: dict[str, Any], key: str, problems: list[RowProblem], shown: str = ""
) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(at(row, shown or key, _text(value), "is not a text answer"))
        return ""
    return str(value)


def _keyed(item: dict[str, Any], wanted: Sequence[str]) -> dict[str, str]:
    """The form's field -> the key the submission uses for it (a group path or the name)."""
    return {f: k for k in item for f in wanted if cols.is_field(k, f, SEP)}


def _json_submission(row: Row, item: dict[str, Any]) -> tuple[RawSubmission, list[RowProblem]]:
    problems: list[RowProblem] = []
    id_key = next((k for k in ID_KEYS if item.get(k)), ID_KEYS[-1])
    keys = _keyed(item, (*HOUSEHOLD_KEYS, form.MEMBERS))
    submission = RawSubmission(
        row,
        bare_id(_answer(row, item, id_key, problems)),
        _answer(row, item, TIME_KEY, problems),
        {f: _answer(row, item, keys.get(f, f), problems) for f in HOUSEHOLD_KEYS},
        {**{f: keys.get(f, f) for f in HOUSEHOLD_KEYS}, SUBMISSION_ID: id_key, SUBMITTED: TIME_KEY},
    )
    members_key = keys.get(form.MEMBERS, form.MEMBERS)
    people = item.get(members_key, [])
    if not isinstance(people, list):
        problems.append(
            RowProblem(row.file, row.number, members_key, _text(people), "is not a repeat (a list)")
        )
        return submission, problems
    for index, person in enumerate(people, start=1):
        label = f"{members_key}[{index}]"
        if not isinstance(person, dict):
            problems.append(
                RowProblem(
                    row.file, row.number, label, _text(person), "is not a person (an object)"
                )
            )
            continue
        found = _keyed(person, form.MEMBER_FIELDS)
        names = {f: f"{label}/{f}" for f in form.MEMBER_FIELDS}
        values = {
            f: _answer(row, person, found.get(f, f), problems, names[f]) for f in form.MEMBER_FIELDS
        }
        submission.members.append(RawMember(row, index, values, names))
    return submission, problems


# --- XLS sheets and CSV files --------------------------------------------------------------


def from_tables(tables: Sequence[Table]) -> tuple[list[RawSubmission], list[RowProblem]]:
    """The submissions of the main sheet with their people from the ``members`` sheet."""
    main = [t for t in tables if not set(MEMBER_SYSTEM) & set(t.header)]
    people = [
        t
        for t in tables
        if set(MEMBER_SYSTEM) & set(t.header)
        and any(cols.is_field(h, form.NAME, SEP) for h in t.header)
    ]
    if len(main) != 1:
        names = ", ".join(t.name for t in main) or "none"
        return [], [
            RowProblem(
                tables[0].name,
                None,
                "",
                None,
                f"needs one table of submissions, found {len(main)} ({names}); {HINT}",
            )
        ]
    if not people:
        return [], [
            RowProblem(
                main[0].name,
                None,
                form.MEMBERS,
                None,
                "no table of household members: KoBoToolbox's CSV export leaves repeat groups "
                "out; import its XLS export (one sheet per repeat group) or its JSON, or give "
                "the XLS export's 'members' sheet saved as CSV as a second file",
            )
        ]
    rows, problems = _main_rows(main[0])
    if not problems:
        problems = _attach_people(rows, people[0], main[0])
    return [s for s, _ in rows], problems


Links = dict[str, str]


def _main_rows(table: Table) -> tuple[list[tuple[RawSubmission, Links]], list[RowProblem]]:
    """Each submission with the values its people's rows point to (``_uuid``, ``_index``)."""
    found, problems = cols.find(table, SEP, HOUSEHOLD_KEYS, MAIN_SYSTEM)
    problems += cols.missing(found, (*HOUSEHOLD_KEYS, TIME_KEY), HINT)
    present = [k for k in ID_KEYS if found.has(k)]
    if not present:
        problems += cols.missing(found, ("_uuid",), HINT)
    problems += list(table.problems)
    if problems:
        return [], problems
    names = {f: found.header(f) for f in HOUSEHOLD_KEYS}
    out = []
    for number, cells in table.rows:
        id_key = next((k for k in present if found.value(cells, k)), present[0])
        submission = RawSubmission(
            Row(table.name, number),
            bare_id(found.value(cells, id_key)),
            found.value(cells, TIME_KEY),
            {f: found.value(cells, f) for f in HOUSEHOLD_KEYS},
            {**names, SUBMISSION_ID: id_key, SUBMITTED: TIME_KEY},
        )
        links = {
            "_submission__uuid": bare_id(found.value(cells, "_uuid")),
            "_parent_index": found.value(cells, "_index"),
        }
        out.append((submission, links))
    return out, problems


def _needs_columns(table: Table) -> dict[str, int]:
    """KoBoToolbox's "separate columns" of a select-many: ``.../member_needs/wheelchair``."""
    return {
        code: i
        for i, h in enumerate(table.header)
        for code in form.NEEDS_WORDS
        if cols.is_field(h, f"{form.NEEDS}/{code}", SEP)
    }


def _link(found: cols.Columns, main: Table) -> str | None:
    """How people point to their submission: the submission's uuid, else its ``_index``."""
    if found.has("_submission__uuid") and "_uuid" in main.header:
        return "_submission__uuid"
    if found.has("_parent_index") and "_index" in main.header:
        return "_parent_index"
    return None


def _attach_people(
    rows: list[tuple[RawSubmission, Links]], table: Table, main: Table
) -> list[RowProblem]:
    found, problems = cols.find(table, SEP, form.MEMBER_FIELDS, MEMBER_SYSTEM)
    split = _needs_columns(table) if not found.has(form.NEEDS) else {}
    required = [f for f in form.MEMBER_FIELDS if not (f == form.NEEDS and split)]
    problems += cols.missing(found, required, HINT) + list(table.problems)
    link = _link(found, main)
    if link is None:
        problems.append(
            RowProblem(
                table.name,
                1,
                "_parent_index",
                None,
                f"no column links people to the submissions of {main.name} "
                f"(_submission__uuid or _parent_index); {HINT}",
            )
        )
    if problems or link is None:
        return problems
    parents: dict[str, list[RawSubmission]] = {}
    for submission, links in rows:  # an id twice (two exports joined): each copy gets the people
        parents.setdefault(links[link], []).append(submission)
    counts: dict[str, int] = defaultdict(int)
    names = {f: found.header(f) for f in form.MEMBER_FIELDS if found.has(f)}
    for number, cells in table.rows:
        key = found.value(cells, link)
        key = bare_id(key) if link == "_submission__uuid" else key
        if key not in parents:
            problems.append(
                RowProblem(table.name, number, link, key, f"is no submission of {main.name}")
            )
            continue
        values = {f: found.value(cells, f) for f in form.MEMBER_FIELDS}
        if split:
            ticked = (c for c, i in split.items() if cells[i].strip() in ("1", "True", "true"))
            values[form.NEEDS] = " ".join(ticked)
        counts[key] += 1
        for parent in parents[key]:
            parent.members.append(RawMember(Row(table.name, number), counts[key], values, names))
    return problems
