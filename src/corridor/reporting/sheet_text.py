"""Trip sheets as Markdown, self-contained printable HTML (one page per vehicle) and CSV."""

from __future__ import annotations

import csv
import html
import io

from corridor.reporting.summary import PlanSummary
from corridor.reporting.summary_text import md_table
from corridor.reporting.times import Clock, hhmm
from corridor.reporting.trip_sheets import KIND_WORDS, SheetRow, TripSheet

SHEET_HEAD = ["#", "trip", "place", "arrive", "leave", "what to do", "aboard", "cargo kg"]


def place_cell(r: SheetRow) -> str:
    """``Kirkkokatu school (G-KIRKKO), gathering point, Kirkkokatu 6``."""
    kind = KIND_WORDS.get(r.kind, r.kind)
    name = r.place_name or r.place
    return f"{name}, {kind}" + (f", {r.address}" if r.address else "")


def cells(r: SheetRow, clock: Clock = hhmm) -> list[str]:
    """One stop's cells under :data:`SHEET_HEAD`."""
    return [
        str(r.step), str(r.trip) if r.trip else "", place_cell(r), clock(r.arrive),
        clock(r.leave), r.action, str(r.people_aboard), f"{r.cargo_aboard:,.0f}",
    ]  # fmt: skip


def sheet_rows(sheet: TripSheet) -> list[list[str]]:
    """The table rows; a drive between stops is its own row before the stop it leads to."""
    out = []
    for r in sheet.rows:
        if r.drive:
            out.append(["", "", "", "", "", r.drive_text, "", ""])
        out.append(cells(r, sheet.clock))
    return out


def sheet_title(sheet: TripSheet, s: PlanSummary) -> str:
    depot = sheet.depot_name or sheet.depot
    return f"Trip sheet {sheet.vehicle} ({sheet.type} from {depot}), plan {s.instance}"


def sheet_facts(sheet: TripSheet, s: PlanSummary) -> str:
    return (
        f"Ceasefire window {s.clock(s.open)} to {s.clock(s.close)}: be out of the zone by "
        f"{s.clock(s.close)}. {sheet.trips} trip(s) into the zone, {sheet.people} people to bring "
        "out."
    )


SIGNATURE = "Driver signature: ____________________   Checked by: ____________________"


def sheet_markdown(sheet: TripSheet, s: PlanSummary) -> str:
    return "\n".join(
        [f"# {sheet_title(sheet, s)}", "", sheet_facts(sheet, s), "",
         md_table(SHEET_HEAD, sheet_rows(sheet)), "", SIGNATURE, ""]
    )  # fmt: skip


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 1.5em; color: #111; }
h1 { font-size: 15pt; margin: 0 0 .3em 0; }
p.facts { margin: 0 0 .8em 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #777; padding: 4px 6px; vertical-align: top; }
th { background: #e6e6e6; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
tr.cross td { background: #fff4d6; }
tr.inside td.place { font-weight: bold; }
tr.drive td { border-top: none; border-bottom: none; color: #333; font-style: italic; }
.sign { margin-top: 1.5em; }
section.sheet { page-break-after: always; break-after: page; }
section.sheet:last-child { page-break-after: auto; break-after: auto; }
@media print { body { margin: 0; } }
"""


def _sheet_section(sheet: TripSheet, s: PlanSummary) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in SHEET_HEAD)
    body = []
    for r in sheet.rows:
        if r.drive:
            body.append(f'<tr class="drive"><td colspan="8">↓ {e(r.drive_text)}</td></tr>')
        cls = "cross" if r.kind == "checkpoint" else "inside" if r.kind == "gathering" else ""
        tds = []
        for i, c in enumerate(cells(r, sheet.clock)):
            kind = "num" if i in (0, 1, 3, 4, 6, 7) else "place" if i == 2 else ""
            tds.append(f'<td class="{kind}">{e(c)}</td>')
        body.append(f'<tr class="{cls}">{"".join(tds)}</tr>')
    return (
        f'<section class="sheet"><h1>{e(sheet_title(sheet, s))}</h1>'
        f'<p class="facts">{e(sheet_facts(sheet, s))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        '<p class="sign">Driver signature: ____________________ &nbsp; '
        "Checked by: ____________________</p></section>"
    )


def sheets_html(sheets: list[TripSheet], s: PlanSummary) -> str:
    """One printable HTML page per vehicle (self-contained, no network)."""
    title = html.escape(f"Trip sheets, plan {s.instance}")
    sections = "\n".join(_sheet_section(sh, s) for sh in sheets)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body>\n{sections}\n</body></html>\n"
    )


CSV_HEAD = [
    "vehicle", "type", "step", "trip", "place", "kind", "arrive", "leave", "arrive_hhmm",
    "leave_hhmm", "queue_min", "action", "people_aboard", "cargo_aboard_kg", "place_name",
    "address", "drive",
]  # fmt: skip


def trips_csv(sheets: list[TripSheet]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEAD)
    for sh in sheets:
        for r in sh.rows:
            w.writerow(
                [sh.vehicle, sh.type, r.step, r.trip, r.place, r.kind, f"{r.arrive:.2f}",
                 f"{r.leave:.2f}", sh.clock(r.arrive), sh.clock(r.leave), f"{r.wait:.2f}", r.action,
                 r.people_aboard, f"{r.cargo_aboard:.1f}", r.place_name, r.address,
                 r.drive_text]
            )  # fmt: skip
    return buf.getvalue()
