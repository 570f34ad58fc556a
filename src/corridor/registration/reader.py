"""Read a KoBoToolbox or ODK Central export: which format, its submissions, their checks.

:func:`read_export` never raises for what is in the files: every problem is listed with its
file, row, field and value, so that a registrar can mend them all at once. The caller stores
nothing while there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corridor.registration import kobo, odk
from corridor.registration.checks import Checked, Reference, check_all
from corridor.registration.problems import RowProblem
from corridor.registration.submissions import RawSubmission
from corridor.registration.tables import (
    XLSX_MAGIC,
    Table,
    Unreadable,
    csv_table,
    decode,
    is_workbook,
    xlsx_tables,
    zip_tables,
)

FORMATS = ("kobo-json", "kobo-xlsx", "kobo-csv", "odk-csv")
ODK_COLUMNS = {"KEY", "PARENT_KEY", "SubmissionDate"}
KOBO_COLUMNS = {"_uuid", "_submission_time", "_parent_index", "_submission__uuid"}


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes


@dataclass
class Reading:
    format: str
    #: Submissions read from the files (a declined or repeated one included).
    submissions: int
    checked: Checked

    @property
    def problems(self) -> list[RowProblem]:
        return self.checked.problems


def detect(files: Sequence[ExportFile]) -> str | None:
    """The format the files' content shows, or None when it shows none."""
    if any(is_workbook(f.data) for f in files):
        return "kobo-xlsx"
    if any(f.data.startswith(XLSX_MAGIC) for f in files):
        return "odk-csv"  # a ZIP of CSV files: ODK Central's export
    first = files[0].data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        return "kobo-json"
    headers: set[str] = set()
    for f in files:
        line = f.data.split(b"\n", 1)[0].decode("utf-8", "replace")
        headers |= {c.strip().strip('"') for c in line.replace(";", ",").split(",")}
    if headers & ODK_COLUMNS:
        return "odk-csv"
    if headers & KOBO_COLUMNS:
        return "kobo-csv"
    return None


def _tables(files: Sequence[ExportFile], workbooks: bool) -> list[Table]:
    out: list[Table] = []
    for f in files:
        if workbooks:
            out += xlsx_tables(f.name, f.data)
        elif f.data.startswith(XLSX_MAGIC):
            out += zip_tables(f.name, f.data)
        else:
            out.append(csv_table(f.name, decode(f.name, f.data)))
    return out


def _submissions(
    files: Sequence[ExportFile], fmt: str
) -> tuple[list[RawSubmission], list[RowProblem]]:
    if fmt == "kobo-json":
        found: list[RawSubmission] = []
        problems: list[RowProblem] = []
        for f in files:
            subs, probs = kobo.from_json(f.name, decode(f.name, f.data))
            found += subs
            problems += probs
        return found, problems
    tables = _tables(files, workbooks=fmt == "kobo-xlsx")
    return (odk.from_tables if fmt == "odk-csv" else kobo.from_tables)(tables)


def read_export(files: Sequence[ExportFile], fmt: str | None, ref: Reference) -> Reading:
    """The households of an export, checked against ``ref``; problems instead where any."""
    name = files[0].name if files else "export"
    fmt = fmt or (detect(files) if files and any(f.data.strip() for f in files) else None)
    if not files or not any(f.data.strip() for f in files):
        problem = RowProblem(name, None, "", None, "is empty: nothing to import")
        return Reading(fmt or "", 0, Checked(problems=[problem]))
    if fmt not in FORMATS:
        problem = RowProblem(
            name,
            None,
            "format",
            fmt,
            ("is not one of " if fmt else "cannot tell the export's format; give one of ")
            + ", ".join(FORMATS),
        )
        return Reading(fmt or "", 0, Checked(problems=[problem]))
    try:
        submissions, problems = _submissions(files, fmt)
    except Unreadable as exc:
        return Reading(fmt, 0, Checked(problems=[exc.problem]))
    if not submissions and not problems:
        problems = [RowProblem(name, None, "", None, "holds no submission: nothing to import")]
    checked = check_all(submissions, ref)
    checked.problems[:0] = problems
    return Reading(fmt, len(submissions), checked)
