"""Export files as tables: CSV text, the sheets of an .xlsx workbook, the CSV files of a ZIP.

Every table keeps its rows' numbers as a spreadsheet shows them (header = row 1), so that a
problem names the row a registrar finds in the file. Nothing here knows the form.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from corridor.registration.problems import RowProblem

#: The most a file may unpack to (a ZIP or a workbook): a registration export is far smaller.
MAX_UNPACKED = 64 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """One table of an export: its name in messages, its header and its numbered rows."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    #: Rows that could not be read as cells of the header (their numbers and why).
    problems: tuple[RowProblem, ...] = ()


class Unreadable(Exception):
    """A file that cannot be read as a table at all; carries the problem to report."""

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def decode(name: str, data: bytes) -> str:
    """The file's text (UTF-8, with or without the byte-order mark Excel writes)."""
    if not data.strip():
        raise Unreadable(RowProblem(name, None, "", None, "is empty: nothing to import"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise Unreadable(
            RowProblem(
                name,
                row,
                "",
                None,
                f"is not UTF-8 text (byte 0x{bad} at offset {exc.start}); export the file "
                "again from KoBoToolbox or ODK Central, or save it as CSV UTF-8",
            )
        ) from None


def _delimiter(first_line: str) -> str:
    # KoBoToolbox writes ';' between fields, ODK Central and spreadsheets ','.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _is_tag_row(cells: list[str]) -> bool:
    """KoBoToolbox adds a second row of HXL hashtags when the form has them."""
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(c.strip().startswith("#") for c in filled)


def csv_table(name: str, text: str) -> Table:
    """A CSV file as a table; a malformed line is a problem naming its row."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    problems: list[RowProblem] = []
    number = 0
    try:
        for cells in reader:
            if not cells:
                continue  # a blank line (the file's last newline)
            number += 1
            if header is None:
                header = [c.strip() for c in cells]
            elif number == 2 and _is_tag_row(cells):
                continue
            elif len(cells) != len(header):
                problems.append(
                    RowProblem(
                        name, number, "", None, f"has {len(cells)} cells, the header {len(header)}"
                    )
                )
            else:
                rows.append((number, tuple(cells)))
    except csv.Error as exc:
        raise Unreadable(
            RowProblem(name, number + 1, "", None, f"is not valid CSV ({exc})")
        ) from None
    if header is None:
        raise Unreadable(RowProblem(name, None, "", None, "is empty: nothing to import"))
    return Table(name, tuple(header), tuple(rows), tuple(problems))


def _cell(value: object) -> str:
    """A workbook cell as the text an export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def xlsx_tables(name: str, data: bytes) -> list[Table]:
    """Every sheet of a workbook (KoBoToolbox's XLS export: one sheet per repeat group)."""
    from openpyxl import load_workbook

    _check_unpacked(name, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise Unreadable(
            RowProblem(name, None, "", None, f"is not a readable .xlsx workbook ({exc})")
        ) from None
    tables = []
    try:
        for sheet in book.worksheets:
            rows = [
                (n, tuple(_cell(v) for v in values))
                for n, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                if any(v is not None for v in values)
            ]
            if not rows:
                continue
            header = tuple(c.strip() for c in rows[0][1])
            width = len(header)
            body = tuple((n, (cells + ("",) * width)[:width]) for n, cells in rows[1:])
            tables.append(Table(f"{name} [{sheet.title}]", header, body))
    finally:
        book.close()
    if not tables:
        raise Unreadable(RowProblem(name, None, "", None, "is empty: nothing to import"))
    return tables


def zip_tables(name: str, data: bytes) -> list[Table]:
    """The CSV files of a ZIP (ODK Central's export: the submissions and one file per repeat)."""
    _check_unpacked(name, data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
        if not members:
            raise Unreadable(RowProblem(name, None, "", None, "holds no .csv file"))
        return [
            csv_table(f"{name}: {i.filename}", decode(f"{name}: {i.filename}", archive.read(i)))
            for i in members
        ]


def _check_unpacked(name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        problem = "is not a ZIP archive (an .xlsx workbook is one, so is ODK Central's export)"
        raise Unreadable(RowProblem(name, None, "", None, problem)) from None
    if size > MAX_UNPACKED:
        raise Unreadable(
            RowProblem(
                name, None, "", None, f"unpacks to {size:,} bytes (at most {MAX_UNPACKED:,})"
            )
        )


def is_workbook(data: bytes) -> bool:
    """An .xlsx file (a ZIP with a workbook part), as opposed to a ZIP of CSV files."""
    if not data.startswith(XLSX_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
