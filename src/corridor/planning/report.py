"""What a person reads about a plan: the summary, trip sheets per vehicle, and their files.

:func:`summarize` checks the plan with :func:`~corridor.planning.check.check_plan` and totals
it for a coordinator: people evacuated by class and by gathering point against who was waiting,
reception centres against their capacity, vehicles used, the last vehicle out and the slack
before the window closes, cargo delivered against needs. :func:`trip_sheets` turns each route
into the list of instructions a driver follows. Both render as a Rich renderable, Markdown,
HTML and CSV; :func:`write_report` writes them all, with the Gantt chart of
:mod:`corridor.planning.gantt`, into one folder. Times are shown as HH:MM (minutes from
midnight of the day of the operation).
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from corridor.planning.check import CheckResult, Violation, check_routes, parse_plan
from corridor.planning.instance import Instance, parse_instance

if TYPE_CHECKING:
    from rich.console import RenderableType


def hhmm(minutes: float | None) -> str:
    """Minutes from midnight as HH:MM (a later day gets a +1d suffix); '-' for None."""
    if minutes is None:
        return "-"
    m = math.floor(minutes + 1e-6)
    day, rest = divmod(m, 24 * 60)
    suffix = "" if day == 0 else f" {day:+d}d"
    return f"{rest // 60:02d}:{rest % 60:02d}{suffix}"


def _duration(minutes: float) -> str:
    if 0 < minutes < 1:
        return f"{minutes:.1f} min"
    m = math.floor(minutes + 1e-6)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


# ---------------------------------------------------------------- the summary


@dataclass(frozen=True)
class GatheringLine:
    id: str
    waiting: dict[str, int]
    evacuated: dict[str, int]
    needs_kg: float
    cargo_kg: float


@dataclass(frozen=True)
class ReceptionLine:
    id: str
    capacity: float
    medical: bool
    arrived: int


@dataclass(frozen=True)
class CheckpointLine:
    id: str
    dir: str
    lanes: int
    crossings: int
    busy_minutes: float
    waited_minutes: float


@dataclass
class PlanSummary:
    """What a plan achieves, in the terms a coordinator asks about."""

    instance: str
    open: float
    close: float
    feasible: bool
    violations: list[Violation]
    score: float
    classes: list[str]
    evacuated: dict[str, int]
    waiting: dict[str, int]
    gathering: list[GatheringLine]
    receptions: list[ReceptionLine]
    checkpoints: list[CheckpointLine]
    vehicles_used: int
    fleet_size: int
    zone_visits: int
    last_out: float | None
    cargo_kg: float
    needs_kg: float
    first_in: float | None = None
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def slack(self) -> float | None:
        """Minutes between the last vehicle out and the window closing."""
        return None if self.last_out is None else self.close - self.last_out

    @property
    def people_out(self) -> int:
        return sum(self.evacuated.values())

    @property
    def people_waiting(self) -> int:
        return sum(self.waiting.values())


def _instance(instance: Instance | dict[str, Any]) -> Instance:
    return instance if isinstance(instance, Instance) else parse_instance(instance)


def summarize(instance: Instance | dict[str, Any], plan_raw: dict[str, Any]) -> PlanSummary:
    """Check ``plan_raw`` against ``instance`` and total it; InputError if it cannot be read."""
    inst = _instance(instance)
    routes = parse_plan(plan_raw, inst)
    result: CheckResult = check_routes(inst, routes)
    classes = list(inst.classes)
    boarded: dict[tuple[str, str], int] = {}
    unloaded: dict[str, float] = {}
    arrived: dict[str, int] = {}
    crossings: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    last_out: float | None = None
    first_in: float | None = None
    for r in routes:
        for s in r.stops:
            for c, n in s.board.items():
                boarded[s.at, c] = boarded.get((s.at, c), 0) + n
            if s.kind == "gathering":
                unloaded[s.at] = unloaded.get(s.at, 0.0) + s.unload_kg
            if s.kind == "reception":
                arrived[s.at] = arrived.get(s.at, 0) + sum(s.alight.values())
            if s.kind == "checkpoint":
                crossings.setdefault((s.at, s.dir), []).append((s.arrive, s.start, s.end))
                if s.dir == "out":
                    last_out = s.end if last_out is None else max(last_out, s.end)
                else:
                    first_in = s.start if first_in is None else min(first_in, s.start)
    gathering = [
        GatheringLine(
            g.id,
            {c: g.people.get(c, 0) for c in classes},
            {c: boarded.get((g.id, c), 0) for c in classes},
            g.needs_kg,
            min(g.needs_kg, unloaded.get(g.id, 0.0)),
        )
        for g in inst.gathering
    ]
    checkpoints = [
        CheckpointLine(
            k.id,
            d,
            k.direction(d).lanes,
            len(crossings.get((k.id, d), [])),
            sum(e - s for _, s, e in crossings.get((k.id, d), [])),
            sum(max(0.0, s - a) for a, s, _ in crossings.get((k.id, d), [])),
        )
        for k in inst.checkpoints
        for d in ("in", "out")
    ]
    return PlanSummary(
        instance=inst.name,
        open=inst.open,
        close=inst.close,
        feasible=result.feasible,
        violations=result.violations,
        score=result.score,
        classes=classes,
        evacuated=dict(result.evacuated),
        waiting={c: sum(g.people.get(c, 0) for g in inst.gathering) for c in classes},
        gathering=gathering,
        receptions=[
            ReceptionLine(r.id, r.capacity, r.medical, arrived.get(r.id, 0))
            for r in inst.receptions
        ],
        checkpoints=checkpoints,
        vehicles_used=result.vehicles_used,
        fleet_size=len(inst.vehicles),
        zone_visits=sum(1 for r in routes for s in r.stops if s.dir == "in"),
        last_out=last_out,
        cargo_kg=result.cargo_kg,
        needs_kg=sum(g.needs_kg for g in inst.gathering),
        first_in=first_in,
        weights={c: inst.classes[c].weight for c in classes},
    )


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole > 0 else "-"


def _headline(s: PlanSummary) -> list[tuple[str, str]]:
    verdict = "feasible" if s.feasible else f"NOT FEASIBLE ({len(s.violations)} violations)"
    slack = s.slack
    share = _pct(s.people_out, s.people_waiting)
    return [
        ("Plan check", verdict),
        ("Score", f"{s.score:g}"),
        ("Window", f"{hhmm(s.open)} to {hhmm(s.close)} ({_duration(s.close - s.open)})"),
        ("People out", f"{s.people_out} of {s.people_waiting} waiting ({share})"),
        ("Vehicles used", f"{s.vehicles_used} of {s.fleet_size}, {s.zone_visits} trips in"),
        ("First vehicle in", hhmm(s.first_in)),
        ("Last vehicle out", hhmm(s.last_out)),
        (
            "Slack before close",
            "-" if slack is None else _duration(slack) if slack >= 0 else f"{slack:.1f} min LATE",
        ),
        (
            "Cargo toward needs",
            f"{s.cargo_kg:,.0f} kg of {s.needs_kg:,.0f} kg needed"
            + (f" ({_pct(s.cargo_kg, s.needs_kg)})" if s.needs_kg else ""),
        ),
    ]


def _class_rows(s: PlanSummary) -> list[list[str]]:
    rows = [
        [
            c,
            f"{s.weights.get(c, 0):g}",
            str(s.evacuated[c]),
            str(s.waiting[c]),
            _pct(s.evacuated[c], s.waiting[c]),
            str(s.waiting[c] - s.evacuated[c]),
        ]
        for c in s.classes
    ]
    rows.append(
        [
            "all",
            "",
            str(s.people_out),
            str(s.people_waiting),
            _pct(s.people_out, s.people_waiting),
            str(s.people_waiting - s.people_out),
        ]
    )
    return rows  # fmt: skip


CLASS_HEAD = ["class", "weight", "evacuated", "waiting", "share", "left behind"]


def _gathering_head(s: PlanSummary) -> list[str]:
    head = ["gathering point", *[f"{c} out/waiting" for c in s.classes], "all", "left behind"]
    return [*head, "cargo kg / needs"] if s.needs_kg else head


def _gathering_rows(s: PlanSummary) -> list[list[str]]:
    rows = []
    for g in s.gathering:
        out, wait = sum(g.evacuated.values()), sum(g.waiting.values())
        row = [g.id, *[f"{g.evacuated[c]}/{g.waiting[c]}" for c in s.classes]]
        row += [f"{out}/{wait} ({_pct(out, wait)})", str(wait - out)]
        if s.needs_kg:
            row.append(f"{g.cargo_kg:,.0f}/{g.needs_kg:,.0f}")
        rows.append(row)
    return rows


RECEPTION_HEAD = ["reception centre", "medical", "arrivals", "capacity", "use"]


def _reception_rows(s: PlanSummary) -> list[list[str]]:
    return [
        [r.id, "yes" if r.medical else "no", str(r.arrived), f"{r.capacity:g}",
         _pct(r.arrived, r.capacity)]
        for r in s.receptions
    ]  # fmt: skip


CHECKPOINT_HEAD = ["checkpoint", "direction", "lanes", "crossings", "lane use", "queue wait"]


def _checkpoint_rows(s: PlanSummary) -> list[list[str]]:
    span = s.close - s.open
    return [
        [k.id, k.dir, str(k.lanes), str(k.crossings),
         _pct(k.busy_minutes, k.lanes * span) if k.lanes else "closed",
         _duration(k.waited_minutes)]
        for k in s.checkpoints
    ]  # fmt: skip


def summary_renderable(s: PlanSummary) -> RenderableType:
    """The summary as Rich tables, for the terminal."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for k, v in _headline(s):
        style = "red" if "NOT" in v or "LATE" in v else ""
        head.add_row(k, Text(v, style=style))

    def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left", title_style="bold")
        for i, c in enumerate(columns):
            t.add_column(c, justify="left" if i == 0 else "right")
        for row in rows:
            t.add_row(*row)
        return t

    parts: list[RenderableType] = [Text(f"Plan for {s.instance}", style="bold underline"), head]
    parts.append(table("Evacuated by class", CLASS_HEAD, _class_rows(s)))
    parts.append(table("By gathering point", _gathering_head(s), _gathering_rows(s)))
    parts.append(table("Reception centres", RECEPTION_HEAD, _reception_rows(s)))
    parts.append(table("Checkpoints", CHECKPOINT_HEAD, _checkpoint_rows(s)))
    if s.violations:
        shown = "\n".join(f"[{v.rule}] {v.detail}" for v in s.violations[:20])
        more = len(s.violations) - 20
        parts.append(Text(shown + (f"\n... and {more} more" if more > 0 else ""), style="red"))
    return Group(*parts)


_NUMERIC = re.compile(r"^[-+]?[\d,.:/%() ]*$")


def _md_table(columns: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; columns of numbers, times and shares are right-aligned."""
    right = [i > 0 and all(_NUMERIC.match(r[i]) for r in rows) for i in range(len(columns))]
    out = ["| " + " | ".join(columns) + " |"]
    out.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def summary_markdown(s: PlanSummary) -> str:
    parts = [f"# Plan for {s.instance}", ""]
    parts += [f"- **{k}**: {v}" for k, v in _headline(s)]
    parts += ["", "## Evacuated by class", "", _md_table(CLASS_HEAD, _class_rows(s))]
    parts += ["", "## By gathering point", "", _md_table(_gathering_head(s), _gathering_rows(s))]
    parts += ["", "## Reception centres", "", _md_table(RECEPTION_HEAD, _reception_rows(s))]
    parts += ["", "## Checkpoints", "", _md_table(CHECKPOINT_HEAD, _checkpoint_rows(s))]
    if s.violations:
        parts += ["", "## Broken rules", ""]
        parts += [f"- `{v.rule}`: {v.detail}" for v in s.violations]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- trip sheets


@dataclass(frozen=True)
class SheetRow:
    """One instruction of a trip sheet: where, when, what to do, and what is aboard after."""

    step: int
    trip: int  # zone visit number, 0 before the first one
    place: str
    kind: str
    arrive: float
    leave: float
    action: str
    people_aboard: int
    cargo_aboard: float
    wait: float  # minutes queued at a checkpoint before its inspection starts


@dataclass(frozen=True)
class TripSheet:
    vehicle: str
    type: str
    depot: str
    rows: list[SheetRow]

    @property
    def trips(self) -> int:
        return max((r.trip for r in self.rows), default=0)

    @property
    def people(self) -> int:
        return sum(
            int(m.group(1)) for r in self.rows for m in re.finditer(r"Alight (\d+)", r.action)
        )


def _people_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {c}" for c, n in counts.items() if n)


def trip_sheets(instance: Instance | dict[str, Any], plan_raw: dict[str, Any]) -> list[TripSheet]:
    """One sheet per route of the plan, in the plan's order; InputError if it cannot be read."""
    inst = _instance(instance)
    sheets = []
    fleet = {v.name: v for v in inst.vehicles}
    for route in parse_plan(plan_raw, inst):
        v = fleet.get(route.vehicle)
        rows: list[SheetRow] = []
        aboard, cargo, trip = 0, 0.0, 0
        for i, s in enumerate(route.stops):
            aboard += sum(s.board.values()) - sum(s.alight.values())
            cargo += s.load_kg - s.unload_kg
            wait = 0.0
            if s.kind == "checkpoint":
                if s.dir == "in":
                    trip += 1
                wait = max(0.0, s.start - s.arrive)
                word = "Enter the zone" if s.dir == "in" else "Leave the zone"
                action = f"{word}: inspection {hhmm(s.start)} to {hhmm(s.end)}"
                if wait >= 1:
                    action += f" (queue {_duration(wait)})"
            else:
                acts = []
                if s.board:
                    acts.append(f"Board {sum(s.board.values())} ({_people_text(s.board)})")
                if s.alight:
                    acts.append(f"Alight {sum(s.alight.values())} ({_people_text(s.alight)})")
                if s.load_kg:
                    acts.append(f"Load {s.load_kg:,.0f} kg cargo")
                if s.unload_kg:
                    acts.append(f"Unload {s.unload_kg:,.0f} kg cargo")
                if not acts:
                    acts.append(
                        "Depart" if i == 0 else "Pass" if i < len(route.stops) - 1 else "End"
                    )
                action = "; ".join(acts)
            rows.append(
                SheetRow(i + 1, trip, s.at, s.kind, s.arrive, s.leave, action, aboard, cargo, wait)
            )
        sheets.append(TripSheet(route.vehicle, v.type if v else "?", v.depot if v else "?", rows))
    return sheets


SHEET_HEAD = ["#", "trip", "place", "arrive", "leave", "what to do", "aboard", "cargo kg"]


def _sheet_rows(sheet: TripSheet) -> list[list[str]]:
    return [
        [str(r.step), str(r.trip) if r.trip else "", f"{r.place} ({r.kind})", hhmm(r.arrive),
         hhmm(r.leave), r.action, str(r.people_aboard), f"{r.cargo_aboard:,.0f}"]
        for r in sheet.rows
    ]  # fmt: skip


def _sheet_title(sheet: TripSheet, s: PlanSummary) -> str:
    return f"Trip sheet {sheet.vehicle} ({sheet.type} from {sheet.depot}), plan {s.instance}"


def _sheet_facts(sheet: TripSheet, s: PlanSummary) -> str:
    return (
        f"Ceasefire window {hhmm(s.open)} to {hhmm(s.close)}: be out of the zone by "
        f"{hhmm(s.close)}. {sheet.trips} trip(s) into the zone, {sheet.people} people to bring out."
    )


def sheet_markdown(sheet: TripSheet, s: PlanSummary) -> str:
    return "\n".join(
        [
            f"# {_sheet_title(sheet, s)}",
            "",
            _sheet_facts(sheet, s),
            "",
            _md_table(SHEET_HEAD, _sheet_rows(sheet)),
            "",
            "Driver signature: ____________________   Checked by: ____________________",
            "",
        ]
    )


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
.sign { margin-top: 1.5em; }
section.sheet { page-break-after: always; break-after: page; }
section.sheet:last-child { page-break-after: auto; break-after: auto; }
@media print { body { margin: 0; } }
"""


def _sheet_section(sheet: TripSheet, s: PlanSummary) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in SHEET_HEAD)
    body = []
    for r, cells in zip(sheet.rows, _sheet_rows(sheet), strict=True):
        cls = "cross" if r.kind == "checkpoint" else "inside" if r.kind == "gathering" else ""
        tds = []
        for i, c in enumerate(cells):
            kind = "num" if i in (0, 1, 3, 4, 6, 7) else "place" if i == 2 else ""
            tds.append(f'<td class="{kind}">{e(c)}</td>')
        body.append(f'<tr class="{cls}">{"".join(tds)}</tr>')
    return (
        f'<section class="sheet"><h1>{e(_sheet_title(sheet, s))}</h1>'
        f'<p class="facts">{e(_sheet_facts(sheet, s))}</p>'
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
    "leave_hhmm", "queue_min", "action", "people_aboard", "cargo_aboard_kg",
]  # fmt: skip


def trips_csv(sheets: list[TripSheet]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEAD)
    for sh in sheets:
        for r in sh.rows:
            w.writerow(
                [sh.vehicle, sh.type, r.step, r.trip, r.place, r.kind, f"{r.arrive:.2f}",
                 f"{r.leave:.2f}", hhmm(r.arrive), hhmm(r.leave), f"{r.wait:.2f}", r.action,
                 r.people_aboard, f"{r.cargo_aboard:.1f}"]
            )  # fmt: skip
    return buf.getvalue()


def _file_name(vehicle: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", vehicle)


def write_report(
    instance: Instance | dict[str, Any], plan_raw: dict[str, Any], out_dir: str | Path
) -> tuple[PlanSummary, list[Path]]:
    """Write summary.md, trip-sheets.html (all vehicles), trips/VEHICLE.md and .html, trips.csv
    and gantt.png into ``out_dir``; returns the summary and the files written."""
    from corridor.planning.gantt import draw_gantt  # matplotlib only when a chart is drawn

    inst = _instance(instance)
    summary = summarize(inst, plan_raw)
    sheets = trip_sheets(inst, plan_raw)
    out = Path(out_dir)
    (out / "trips").mkdir(parents=True, exist_ok=True)
    written = [out / "summary.md", out / "trip-sheets.html", out / "trips.csv"]
    written[0].write_text(summary_markdown(summary), encoding="utf-8")
    written[1].write_text(sheets_html(sheets, summary), encoding="utf-8")
    written[2].write_text(trips_csv(sheets), encoding="utf-8")
    for sh in sheets:
        base = out / "trips" / _file_name(sh.vehicle)
        md, page = base.with_suffix(".md"), base.with_suffix(".html")
        md.write_text(sheet_markdown(sh, summary), encoding="utf-8")
        page.write_text(sheets_html([sh], summary), encoding="utf-8")
        written += [md, page]
    written.append(draw_gantt(inst, plan_raw, out / "gantt.png"))
    return summary, written
