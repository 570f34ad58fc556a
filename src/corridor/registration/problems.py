"""A problem found in an export: which file, which row, which field, what value, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """Where a submission or a person came from: a file (or sheet) and its row number.

    Rows are counted as a spreadsheet shows them: the header is row 1, the first answer row 2.
    In a JSON export the row is the submission's place in the list (1 for the first).
    """

    file: str
    number: int


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int | None
    field: str
    value: str | None
    problem: str

    @property
    def where(self) -> str:
        place = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{place}: {self.field}" if self.field else place

    def __str__(self) -> str:
        shown = "" if self.value is None else f" = {shorten(self.value)!r}"
        return f"{self.where}{shown}: {self.problem}"


def at(row: Row, field: str, value: str | None, problem: str) -> RowProblem:
    return RowProblem(row.file, row.number, field, value, problem)


def shorten(value: str, most: int = 80) -> str:
    """A value as an error message shows it: at most ``most`` characters."""
    return value if len(value) <= most else value[: most - 1] + "…"
