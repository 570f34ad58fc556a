"""Write a plan's report folder: the summary, trip sheets (Markdown, HTML, printable PDF, CSV)
and the Gantt chart. The contents come from :mod:`corridor.reporting`; this module only writes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from corridor.adapters.gantt_png import draw_gantt
from corridor.adapters.pdf import Document
from corridor.errors import InputError
from corridor.planning.instance import Instance
from corridor.reporting.gantt import gantt_chart
from corridor.reporting.sheet_text import (
    SHEET_HEAD,
    SIGNATURE,
    sheet_facts,
    sheet_markdown,
    sheet_rows,
    sheet_title,
    sheets_html,
    trips_csv,
)
from corridor.reporting.summary import PlanSummary, as_instance, summarize
from corridor.reporting.summary_text import summary_markdown
from corridor.reporting.times import Clock, hhmm
from corridor.reporting.trip_sheets import Directions, PlaceInfo, TripSheet, trip_sheets

ATTRIBUTION = "Roads © OpenStreetMap contributors (ODbL)"
# millimetres per column of SHEET_HEAD on an A4 page (180 mm printable)
PDF_WIDTHS = (7.0, 8.0, 42.0, 12.0, 12.0, 65.0, 15.0, 19.0)


def _file_name(vehicle: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", vehicle)


def sheets_pdf(sheets: list[TripSheet], summary: PlanSummary, path: Path) -> Path:
    """Every trip sheet on its own A4 page(s), the table header repeated on each page."""
    footer = f"plan {summary.instance}" + (f"  ·  {ATTRIBUTION}" if _has_streets(sheets) else "")
    doc = Document(f"Trip sheets, plan {summary.instance}", footer=footer)
    for i, sh in enumerate(sheets):
        if i:
            doc.new_page()
        doc.heading(sheet_title(sh, summary), level=2)
        doc.paragraph(sheet_facts(sh, summary), size=9.5)
        rows = [[r[5]] if not r[0] else r for r in sheet_rows(sh)]  # drives span the table
        doc.table(SHEET_HEAD, rows, widths=PDF_WIDTHS, size=8)
        doc.paragraph(SIGNATURE, size=9)
    return doc.write(path)


def _has_streets(sheets: list[TripSheet]) -> bool:
    return any(r.drive for sh in sheets for r in sh.rows)


def write_report(
    instance: Instance | dict[str, Any],
    plan_raw: dict[str, Any],
    out_dir: str | Path,
    places: Mapping[str, PlaceInfo] | None = None,
    directions: Directions | None = None,
    clock: Clock = hhmm,
    summary: PlanSummary | None = None,
) -> tuple[PlanSummary, list[Path]]:
    """Write summary.md, trip-sheets.html and .pdf (all vehicles), trips/VEHICLE.md and .html,
    trips.csv and gantt.png into ``out_dir``; returns the summary and the files written.
    ``clock`` writes the times (a :class:`~corridor.reporting.times.WallClock` with the
    scenario's time zone reads the wall clock on a day the clocks change); ``summary``: the
    plan's, when the caller has made it already with the same clock."""
    inst = as_instance(instance)
    summary = summary or summarize(inst, plan_raw, clock)
    sheets = trip_sheets(inst, plan_raw, places, directions, clock)
    out = Path(out_dir)
    _can_take(out, sheets)
    try:
        (out / "trips").mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, no permission
        raise InputError(str(out), f"cannot be made a folder: {exc.strerror}") from None
    _drop_old_sheets(out / "trips", {_file_name(sh.vehicle) for sh in sheets})
    written = [out / "summary.md", out / "trip-sheets.html", out / "trips.csv"]
    written[0].write_text(summary_markdown(summary), encoding="utf-8")
    written[1].write_text(sheets_html(sheets, summary), encoding="utf-8")
    written[2].write_text(trips_csv(sheets), encoding="utf-8")
    written.append(sheets_pdf(sheets, summary, out / "trip-sheets.pdf"))
    for sh in sheets:
        base = out / "trips" / _file_name(sh.vehicle)
        md, page = base.with_suffix(".md"), base.with_suffix(".html")
        md.write_text(sheet_markdown(sh, summary), encoding="utf-8")
        page.write_text(sheets_html([sh], summary), encoding="utf-8")
        written += [md, page]
    written.append(draw_gantt(gantt_chart(inst, plan_raw), out / "gantt.png"))
    return summary, written


def _can_take(out: Path, sheets: list[TripSheet]) -> None:
    """Refuse, before anything is written, a folder that is a file or that holds a folder
    where a file of the report goes (naming it)."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file, not a folder: give a folder for the report")
    if (out / "trips").exists() and not (out / "trips").is_dir():
        raise InputError(str(out / "trips"), "is a file; the trip sheets go in a folder there")
    names = ["summary.md", "trip-sheets.html", "trips.csv", "trip-sheets.pdf", "gantt.png"]
    names += [f"trips/{_file_name(sh.vehicle)}{ext}" for sh in sheets for ext in (".md", ".html")]
    for name in names:
        if (out / name).is_dir():
            raise InputError(str(out / name), "is a folder where the report writes a file")


def _drop_old_sheets(trips: Path, keep: set[str]) -> None:
    """Remove the trip sheets of vehicles the plan no longer uses, left by an earlier report
    into the same folder (a driver must not pick up a sheet of another plan); a file that is
    not a trip sheet this command wrote stays."""
    marks = {".md": "# Trip sheet ", ".html": '<section class="sheet"><h1>Trip sheet '}
    for old in trips.iterdir():
        mark = marks.get(old.suffix)
        if mark is None or old.stem in keep or not old.is_file():
            continue
        with old.open(encoding="utf-8", errors="replace") as f:
            head = f.read(1 << 16)
        if mark in head:
            old.unlink()
