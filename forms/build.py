"""Build the household registration XLSForm from its readable source.

    python forms/build.py [--scenario SCENARIO.yaml] [-o OUT.xlsx]

reads ``forms/household-registration.yaml``, takes the gathering points and the people classes
from the scenario (default: the Andorra example, which gives the shipped form) and the
retention days from the registry's policy, and writes the three sheets of an XLSForm (survey,
choices, settings). ``tests/public/test_registration_form.py`` checks that the shipped
``forms/household-registration.xlsx`` is what this gives, and that pyxform converts it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "household-registration.yaml"
SHIPPED = HERE / "household-registration.xlsx"
EXAMPLE = HERE.parent / "examples" / "andorra" / "scenario.yaml"

#: Columns of the survey sheet: plain ones, and those with one column per language.
PLAIN = ("type", "name", "required", "relevant", "constraint", "appearance")
TRANSLATED = ("label", "hint", "constraint_message")
Sheets = dict[str, list[list[str]]]


def retention_days() -> dict[str, int]:
    """``{name_days: 30, ...}`` from the registry's policy, for the texts' placeholders."""
    from corridor.domain.registry import PERSONAL_FIELDS

    return {f"{f.name}_days": f.retention.days for f in PERSONAL_FIELDS}


def scenario_choices(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The scenario's gathering points (id, name) and people classes, checked by the loader."""
    from corridor.adapters.scenario_files import load_scenario

    scenario = load_scenario(path)
    return [(g.id, g.name or g.id) for g in scenario.gathering], list(scenario.classes)


def _translated(texts: Any, languages: dict[str, str], days: dict[str, int]) -> list[str]:
    texts = texts or {}
    if isinstance(texts, str):
        texts = dict.fromkeys(languages, texts)
    return [str(texts.get(code, "")).format(**days) for code in languages]


def _header(languages: dict[str, str], columns: tuple[str, ...]) -> list[str]:
    return [f"{c}::{name}" for c in columns for name in languages.values()]


def sheets(
    source: dict[str, Any],
    gathering: list[tuple[str, str]],
    classes: list[str],
    days: dict[str, int],
) -> Sheets:
    """The XLSForm's sheets as rows of text: what the .xlsx holds, cell for cell."""
    languages: dict[str, str] = source["languages"]
    survey = [[*PLAIN, *_header(languages, TRANSLATED)]]
    for row in source["survey"]:
        cells = [str(row.get(c, "")) for c in PLAIN]
        for column in TRANSLATED:
            cells += _translated(row.get(column), languages, days)
        survey.append(cells)
    choices = [["list_name", "name", *_header(languages, ("label",))]]
    labels = source["class_labels"]
    lists: dict[str, list[tuple[str, Any]]] = {
        "yes_no": [(c["name"], c["label"]) for c in source["choices"]["yes_no"]],
        "gathering": [(ident, f"{ident}: {name}") for ident, name in gathering]
        + [(c["name"], c["label"]) for c in source["choices"]["gathering"]],
        "class": [(name, labels.get(name, name)) for name in classes],
        "needs": [(c["name"], c["label"]) for c in source["choices"]["needs"]],
    }
    for list_name, items in lists.items():
        for name, label in items:
            choices.append([list_name, str(name), *_translated(label, languages, days)])
    settings = list(source["settings"])
    return {
        "survey": survey,
        "choices": choices,
        "settings": [settings, [str(source["settings"][k]) for k in settings]],
    }


def build(scenario: Path = EXAMPLE) -> Sheets:
    gathering, classes = scenario_choices(scenario)
    source = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return sheets(source, gathering, classes, retention_days())


def write(book: Sheets, out: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in book.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(out)


def read(path: Path) -> Sheets:
    """The sheets of an XLSForm as rows of text (empty cells as "")."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [
                ["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=EXAMPLE, help="the scenario's YAML")
    parser.add_argument("-o", "--out", type=Path, default=SHIPPED, help="the .xlsx to write")
    args = parser.parse_args(argv)
    book = build(args.scenario)
    write(book, args.out)
    print(
        f"wrote {args.out}: {len(book['survey']) - 1} survey rows, "
        f"{len(book['choices']) - 1} choices"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
