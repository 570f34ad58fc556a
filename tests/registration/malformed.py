"""Broken exports, each with the one problem it must be reported with (file, row, field, value).

Every case starts from :func:`exports.sample` (three good households) and breaks one thing, in
one of the formats, so that each case also shows that the good rows beside it are not enough:
a file with any bad row imports nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from conftest import T0

from . import exports as ex

Files = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], Files]
    #: file, row (None: the whole file), field, value (None: none shown), words of the problem
    expect: tuple[str, int | None, str, str | None, str]
    #: False where the break has a consequence reported too (a person without a household...)
    alone: bool = True


def _subs() -> list[ex.Submission]:
    return ex.sample(T0)


def kobo_json(change: Callable[[list[ex.Submission]], object]) -> Callable[[], Files]:
    def make() -> Files:
        subs = _subs()
        change(subs)
        return [("data.json", ex.kobo_json(subs))]

    return make


def kobo_csv(change: Callable[[list[ex.Submission]], object]) -> Callable[[], Files]:
    def make() -> Files:
        subs = _subs()
        change(subs)
        main, members = ex.kobo_csv(subs)
        return [("registration.csv", main), ("members.csv", members)]

    return make


def odk(change: Callable[[list[ex.Submission]], object]) -> Callable[[], Files]:
    def make() -> Files:
        subs = _subs()
        change(subs)
        return [("corridor_household.zip", ex.odk_zip(subs))]

    return make


def _set(index: int, **values: object) -> Callable[[list[ex.Submission]], None]:
    def change(subs: list[ex.Submission]) -> None:
        for key, value in values.items():
            setattr(subs[index], key, value)

    return change


def _person(index: int, member: int, **values: object) -> Callable[[list[ex.Submission]], None]:
    def change(subs: list[ex.Submission]) -> None:
        for key, value in values.items():
            setattr(subs[index].members[member], key, value)

    return change


def _twice_changed(subs: list[ex.Submission]) -> None:
    copy = ex.Submission(**{**subs[0].__dict__, "gathering": "G02", "members": subs[0].members})
    subs.append(copy)


def _labels_as_headers() -> Files:
    main, members = ex.kobo_csv(_subs())
    text = main.decode().replace('"household/gathering"', '"Gathering point"', 1)
    return [("registration.csv", text.encode()), ("members.csv", members)]


def _latin1() -> Files:
    main, members = ex.odk_csv(_subs())
    latin1 = members.decode().encode("latin-1", "replace")
    return [("corridor_household.csv", main), ("members.csv", latin1)]


def _orphan() -> Files:
    main, members = ex.odk_csv(_subs())
    text = members.decode().replace("uuid:a91b3c5d-7e2f-4a60-b8c1-d2e3f4a5b603,", "uuid:0000,")
    return [("corridor_household.csv", main), ("members.csv", text.encode())]


def _ragged() -> Files:
    main, members = ex.kobo_csv(_subs())
    lines = main.decode().split("\r\n")
    lines[2] += ';"extra"'
    return [("registration.csv", "\r\n".join(lines).encode()), ("members.csv", members)]


CASES = [
    Case(
        "unknown class",
        kobo_json(_person(1, 0, people_class="kids")),
        ("data.json", 2, "members[1]/member_class", "kids", "is not a class of scenario"),
    ),
    Case(
        "unknown gathering point",
        kobo_csv(_set(0, gathering="G99")),
        ("registration.csv", 2, "household/gathering", "G99", "is not a gathering point"),
    ),
    Case(
        "typed gathering id unknown",
        odk(_set(1, gathering_other="Church")),
        (
            "corridor_household.zip: corridor_household.csv",
            3,
            "household-gathering_other",
            "Church",
            "is not a gathering point",
        ),
    ),
    Case(
        "missing consent",
        kobo_json(_set(2, consent="")),
        ("data.json", 3, "consent", "", "must be yes"),
    ),
    Case(
        "no members",
        kobo_csv(_set(1, members=[])),
        ("registration.csv", 3, "members", "0", "lists nobody"),
    ),
    Case(
        "member without a name",
        kobo_csv(_person(0, 2, name="  ")),
        ("members.csv", 4, "members/member_name", "", "is empty: give the name"),
    ),
    Case(
        "submission id twice with other answers",
        kobo_json(_twice_changed),
        ("data.json", 4, "meta/rootUuid", ex.sample(T0)[0].uuid, "with other answers"),
    ),
    Case(
        "bad submission time",
        odk(_set(0, time_text="yesterday 18:00")),
        (
            "corridor_household.zip: corridor_household.csv",
            2,
            "SubmissionDate",
            "yesterday 18:00",
            "is not an ISO 8601 time",
        ),
    ),
    Case(
        "NUL in a name",
        kobo_json(_person(0, 1, name="Іва\x00н")),
        ("data.json", 1, "members[2]/member_name", "Іва\x00н", "control character U+0000"),
    ),
    Case(
        "over-long contact",
        kobo_csv(_set(2, contact="+376 " + "9" * 400)),
        ("registration.csv", 4, "household/contact", None, "is 405 characters long (at most 300)"),
    ),
    Case(
        "labels as headers: a column missing",
        _labels_as_headers,
        ("registration.csv", 1, "gathering", None, "the column is missing"),
    ),
    Case("empty file", lambda: [("data.json", b"")], ("data.json", None, "", None, "is empty")),
    Case(
        "not UTF-8",
        _latin1,
        ("members.csv", 7, "", None, "is not UTF-8 text (byte 0xe9"),
    ),
    Case(
        "a need not in the form",
        odk(_person(2, 0, needs="dialysis jetpack")),
        (
            "corridor_household.zip: corridor_household-members.csv",
            7,
            "member_needs",
            "dialysis jetpack",
            "'jetpack' is not a need of the form",
        ),
    ),
    Case(
        "older than the shortest retention",
        kobo_json(_set(0, submitted=T0 - dt.timedelta(days=15))),
        ("data.json", 1, "_submission_time", "2026-04-29T03:00:00", "more than 14 days ago"),
    ),
    Case(
        "in the future",
        kobo_json(_set(1, submitted=T0 + dt.timedelta(days=2))),
        ("data.json", 2, "_submission_time", "2026-05-16T03:00:00", "is after now"),
    ),
    Case(
        "consent no, yet people",
        kobo_json(_set(0, consent="no")),
        ("data.json", 1, "consent", "no", "is no, yet the row has answers"),
    ),
    Case(
        "a person of no submission",
        _orphan,
        ("members.csv", 7, "PARENT_KEY", "0000", "is no KEY of corridor_household.csv"),
        alone=False,
    ),
    Case(
        "a row with one cell too many",
        _ragged,
        ("registration.csv", 3, "", None, "has 16 cells, the header 15"),
    ),
    Case(
        "KoBo CSV without its members",
        lambda: [("registration.csv", ex.kobo_csv(_subs())[0])],
        ("registration.csv", None, "members", None, "KoBoToolbox's CSV export leaves repeat"),
    ),
    Case(
        "not JSON",
        lambda: [("data.json", b'{"results": [{"consent": "yes",}]}')],
        ("data.json", None, "", None, "is not valid JSON (line 1, column 32"),
    ),
    Case(
        "JSON with NaN",
        lambda: [("data.json", b'{"results": [{"consent": NaN}]}')],
        ("data.json", None, "", None, "is not valid JSON (NaN is not a JSON number)"),
    ),
    Case(
        "JSON with a repeated key",
        lambda: [("data.json", b'{"results": [{"consent": "yes", "consent": "no"}]}')],
        ("data.json", None, "", None, "is not valid JSON (the key 'consent' appears twice"),
    ),
    Case(
        "a submission id with spaces",
        kobo_json(_set(2, uuid="not an id")),
        ("data.json", 3, "meta/rootUuid", "not an id", "is not a submission id"),
    ),
]
