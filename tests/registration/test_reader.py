"""Reading exports: every format gives the same households; each broken row is named."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import T0

from corridor.registration.checks import Reference
from corridor.registration.reader import ExportFile, Reading, detect, read_export

from . import exports as ex
from .malformed import CASES, Case

CLASSES = ("critical", "medical", "vulnerable", "general")
GATHERING = tuple(f"G{i:02d}" for i in range(1, 13))
REF = Reference("scenario 1 (encamp-valley-2026)", CLASSES, GATHERING, T0, dt.timedelta(days=14))


def files(*named: tuple[str, bytes]) -> list[ExportFile]:
    return [ExportFile(n, d) for n, d in named]


def every_format(subs: list[ex.Submission]) -> dict[str, list[ExportFile]]:
    kobo_main, kobo_members = ex.kobo_csv(subs)
    bare_main, bare_members = ex.kobo_csv(subs, groups=False)
    odk_main, odk_members = ex.odk_csv(subs)
    return {
        "kobo-json": files(("data.json", ex.kobo_json(subs))),
        "kobo-csv": files(("registration.csv", kobo_main), ("members.csv", kobo_members)),
        "kobo-csv without groups": files(("a.csv", bare_main), ("b.csv", bare_members)),
        "kobo-xlsx": files(("registration.xlsx", ex.kobo_xlsx(subs))),
        "odk-csv zip": files(("corridor_household.zip", ex.odk_zip(subs))),
        "odk-csv files": files(("corridor_household.csv", odk_main), ("m.csv", odk_members)),
        # ODK Central's "Remove group names" download option
        "odk-csv without groups": files(
            ("corridor_household.csv", odk_main.replace(b"household-", b"", 3)),
            ("m.csv", odk_members),
        ),
    }


def households(reading: Reading) -> list[tuple[object, ...]]:
    return [
        (
            h.household_id,
            h.gathering,
            h.contact,
            h.submitted_at,
            *((h.client_id(m), m.name, m.people_class, m.needs) for m in h.members),
        )
        for h in reading.checked.households
    ]


def test_every_format_gives_the_same_households() -> None:
    readings = {k: read_export(f, None, REF) for k, f in every_format(ex.sample(T0)).items()}
    for kind, reading in readings.items():
        assert reading.problems == [], kind
        assert reading.format == kind.split()[0], kind
        assert reading.submissions == 3
    first = households(readings["kobo-json"])
    assert all(households(r) == first for r in readings.values())
    petro = readings["odk-csv zip"].checked.households[1]
    assert petro.gathering == "G04"  # typed as "another gathering point"
    needs = "cannot sit: must lie down; needs oxygen; spinal injury, a board"
    assert petro.members[0].needs == needs
    assert petro.client_id(petro.members[1]) == "form:7d4e2b19-0c6a-4f3e-8b27-1e9f5a6c3d02:2"
    assert [h.contact for h in readings["kobo-xlsx"].checked.households] == [
        "+376 600 111 222",
        None,
        "via the parish of Sant Marc",
    ]


def test_the_format_is_told_from_the_content() -> None:
    for kind, given in every_format(ex.sample(T0)).items():
        assert detect(given) == kind.split()[0], kind
    assert detect(files(("x.csv", b"name,age\nA,3\n"))) is None
    reading = read_export(files(("x.csv", b"name,age\nA,3\n")), None, REF)
    assert "cannot tell the export's format" in reading.problems[0].problem


def test_kobo_select_many_as_separate_columns_only() -> None:
    """KoBoToolbox's "separate columns" option drops the select-many's own column."""
    main, members = ex.kobo_csv(ex.sample(T0))
    lines = members.decode().split("\r\n")
    cells = [row.split(";") for row in lines if row]
    drop = cells[0].index('"members/member_needs"')
    text = "\r\n".join(";".join(c for i, c in enumerate(row) if i != drop) for row in cells)
    reading = read_export(files(("r.csv", main), ("m.csv", text.encode())), "kobo-csv", REF)
    assert reading.problems == []
    assert reading.checked.households[2].members[0].needs == "needs dialysis; needs insulin"


def test_declined_and_repeated_submissions_are_counted_not_imported() -> None:
    subs = ex.sample(T0)
    declined = ex.Submission("c0ffee00-1111-4222-8333-444455556666", T0, consent="no", gathering="")
    subs.append(declined)
    subs.append(subs[0])  # the same submission in two exports joined together
    reading = read_export(files(("data.json", ex.kobo_json(subs))), None, REF)
    assert reading.problems == []
    assert (reading.submissions, reading.checked.declined, reading.checked.repeated) == (5, 1, 1)
    assert len(reading.checked.households) == 3


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_broken_row_is_named_with_its_file_row_field_and_value(case: Case) -> None:
    reading = read_export(files(*case.make()), None, REF)
    file, row, field, value, words = case.expect
    found = [
        p
        for p in reading.problems
        if (p.file, p.row, p.field) == (file, row, field) and words in p.problem
    ]
    assert found, "\n".join(str(p) for p in reading.problems) or "no problem reported"
    if value is not None:
        assert found[0].value == value
    if case.alone:
        assert len(reading.problems) == 1, "\n".join(str(p) for p in reading.problems)
