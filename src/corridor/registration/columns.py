"""Which column of a table holds which answer of the form.

KoBoToolbox joins group names with "/" (``household/gathering``, or ``gathering`` when the
export leaves groups out of the headers), ODK Central with "-" (``household-gathering``); a
repeat's own table names its fields alone (``member_name``) or with the repeat's path. A column
is the form's field when its header is the field's name or ends with the separator and the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corridor.registration.problems import RowProblem
from corridor.registration.tables import Table


@dataclass(frozen=True)
class Columns:
    """The columns found in one table: field (or system column) -> position and header."""

    table: Table
    index: dict[str, int]

    def header(self, key: str) -> str:
        return self.table.header[self.index[key]]

    def has(self, key: str) -> bool:
        return key in self.index

    def value(self, cells: tuple[str, ...], key: str) -> str:
        return cells[self.index[key]] if key in self.index else ""


def is_field(header: str, name: str, sep: str) -> bool:
    return header == name or header.endswith(sep + name)


def find(
    table: Table, sep: str, fields: Sequence[str], system: Sequence[str]
) -> tuple[Columns, list[RowProblem]]:
    """Map the form's ``fields`` (matched by name) and ``system`` columns (exact) to positions.

    Two columns for one field is a problem on the header row (row 1).
    """
    index: dict[str, int] = {}
    problems: list[RowProblem] = []
    for position, header in enumerate(table.header):
        key = next((f for f in fields if is_field(header, f, sep)), None)
        if key is None and header in system:
            key = header
        if key is None:
            continue
        if key in index:
            first = table.header[index[key]]
            problems.append(
                RowProblem(
                    table.name,
                    1,
                    header,
                    None,
                    f"a second column for {key!r} (the first is {first!r}); "
                    "give the export as the server wrote it",
                )
            )
            continue
        index[key] = position
    return Columns(table, index), problems


def missing(columns: Columns, required: Sequence[str], hint: str) -> list[RowProblem]:
    """A problem on the header row for each required column the table lacks."""
    return [
        RowProblem(columns.table.name, 1, name, None, f"the column is missing; {hint}")
        for name in required
        if not columns.has(name)
    ]
