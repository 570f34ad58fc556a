"""Exports of the registration form as KoBoToolbox and ODK Central write them, for the tests.

Made to what they document and what their own tests show:

- KoBoToolbox (``formpack``, used by its exports; kpi ``test_mock_data_exports.py``): CSV with
  every value quoted, fields separated by ";", lines ended by CRLF; the XML names as headers
  with group paths joined by "/"; after the answers ``_id``, ``_uuid``, ``_submission_time``,
  ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``, ``__version__``,
  ``_tags``, ``meta/rootUuid``, ``_index``. A repeat group is left out of the CSV; the XLS
  export gives it its own sheet with ``_index``, ``_parent_table_name``, ``_parent_index`` and
  ``_submission__...`` copies; a select-many is one column of names and one 0/1 column per
  choice. The data API's JSON keys answers by full path, repeats as lists of objects.
- ODK Central (``central-backend`` ``lib/data/briefcase.js`` and its tests): a ZIP with
  ``FORM.csv`` (``SubmissionDate``, answers with group paths joined by "-", ``meta-instanceID``,
  ``KEY``, ``SubmitterID``, ...) and ``FORM-members.csv`` (answers, ``PARENT_KEY``, ``KEY``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from corridor.registration.form import NEEDS_WORDS

FORM_TITLE = "Household registration: humanitarian corridor"
VERSION = "vKq8cGS3qJmWn2tDzXbAfP"


@dataclass
class Person:
    name: str
    people_class: str = "general"
    needs: str = ""
    needs_other: str = ""


@dataclass
class Submission:
    uuid: str
    submitted: dt.datetime
    members: list[Person] = field(default_factory=list)
    consent: str = "yes"
    gathering: str = "G01"
    gathering_other: str = ""
    contact: str = ""
    kobo_id: int = 0
    #: Written instead of the time, to make a broken export.
    time_text: str | None = None

    @property
    def kobo_time(self) -> str:  # KoBoToolbox: UTC without a zone, to the second
        if self.time_text is not None:
            return self.time_text
        return self.submitted.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")

    @property
    def odk_time(self) -> str:  # ODK Central: JavaScript's toISOString()
        if self.time_text is not None:
            return self.time_text
        return self.submitted.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sample(t0: dt.datetime) -> list[Submission]:
    """Three households at two gathering points, one with a typed gathering id and needs."""
    day = t0 - dt.timedelta(hours=10)
    return [
        Submission(
            "2f1c7a3e-5b8d-4e61-9a0f-6c2d8e4b1a01",
            day,
            [
                Person("Олена Коваленко", "vulnerable", "pregnant"),
                Person("Іван Коваленко", "general"),
                Person("Марія Коваленко", "vulnerable", "infant"),
            ],
            contact="+376 600 111 222",
            kobo_id=501,
        ),
        Submission(
            "7d4e2b19-0c6a-4f3e-8b27-1e9f5a6c3d02",
            day + dt.timedelta(minutes=25),
            [
                Person("Petro Shevchuk", "critical", "stretcher oxygen", "spinal injury, a board"),
                Person("Nadia Shevchuk", "general", "", ""),
            ],
            gathering="other",
            gathering_other="G04",
            kobo_id=502,
        ),
        Submission(
            "a91b3c5d-7e2f-4a60-b8c1-d2e3f4a5b603",
            day + dt.timedelta(hours=1),
            [Person("José Ferrer i Puig", "medical", "dialysis insulin")],
            gathering="G04",
            contact="via the parish of Sant Marc",
            kobo_id=503,
        ),
    ]


# --- KoBoToolbox -----------------------------------------------------------------------------

MAIN_FIELDS = ("consent", "household/gathering", "household/gathering_other", "household/contact")
MAIN_SYSTEM = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "meta/rootUuid",
    "_index",
)
MEMBER_SYSTEM = (
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
    "_submission_meta/rootUuid",
)


def _strip(header: str, groups: bool) -> str:
    return header if groups else header.rsplit("/", 1)[-1]


def kobo_main_rows(subs: list[Submission], groups: bool = True) -> list[list[object]]:
    rows: list[list[object]] = [[_strip(h, groups) for h in (*MAIN_FIELDS, *MAIN_SYSTEM)]]
    for index, s in enumerate(subs, start=1):
        answers = [s.consent, s.gathering, s.gathering_other, s.contact]
        system = [s.kobo_id, s.uuid, s.kobo_time, "", "", "submitted_via_web", "", VERSION, ""]
        rows.append([*answers, *system, f"uuid:{s.uuid}", index])
    return rows


def kobo_member_rows(subs: list[Submission], groups: bool = True) -> list[list[object]]:
    needs = [f"members/member_needs/{code}" for code in NEEDS_WORDS]
    fields = ["members/member_name", "members/member_class", "members/member_needs", *needs]
    header = [_strip(h, groups) if h not in needs else h for h in fields]
    other = _strip("members/member_needs_other", groups)
    rows: list[list[object]] = [[*header, other, *MEMBER_SYSTEM]]
    index = 0
    for parent, s in enumerate(subs, start=1):
        for p in s.members:
            index += 1
            ticked = p.needs.split()
            flags = [1 if code in ticked else 0 for code in NEEDS_WORDS]
            copies = [s.kobo_id, s.uuid, s.kobo_time, "", "", "submitted_via_web", "", VERSION]
            answers = [p.name, p.people_class, p.needs, *flags, p.needs_other]
            rows.append([*answers, index, FORM_TITLE, parent, *copies, "", f"uuid:{s.uuid}"])
    return rows


def kobo_csv_text(rows: list[list[object]]) -> bytes:
    """formpack's to_csv: every value quoted, ';' between, CRLF after each line."""
    lines = ['"' + '";"'.join(str(v).replace('"', '""') for v in row) + '"' for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def kobo_csv(subs: list[Submission], groups: bool = True) -> tuple[bytes, bytes]:
    """The CSV export (submissions) and the XLS export's members sheet saved as CSV."""
    main = kobo_csv_text(kobo_main_rows(subs, groups))
    return main, kobo_csv_text(kobo_member_rows(subs, groups))


def kobo_xlsx(subs: list[Submission], groups: bool = True) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    main = book.active
    main.title = "Household registration - humani"
    for row in kobo_main_rows(subs, groups):
        main.append(row)
    members = book.create_sheet("members")
    for row in kobo_member_rows(subs, groups):
        members.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kobo_json(subs: list[Submission]) -> bytes:
    """The data API's answer: ``/api/v2/assets/{uid}/data/?format=json``."""
    results = []
    for s in subs:
        item: dict[str, object] = {
            "_id": s.kobo_id,
            "formhub/uuid": "b3f1a2c4d5e6478f9a0b1c2d3e4f5a6b",
            "start": s.kobo_time,
            "consent": s.consent,
            "household/gathering": s.gathering,
            "__version__": VERSION,
            "meta/instanceID": f"uuid:{s.uuid}",
            "meta/rootUuid": f"uuid:{s.uuid}",
            "_xform_id_string": "aBcD3fGh1JkLmN0pQrStUv",
            "_uuid": s.uuid,
            "_attachments": [],
            "_status": "submitted_via_web",
            "_geolocation": [None, None],
            "_submission_time": s.kobo_time,
            "_tags": [],
            "_notes": [],
            "_validation_status": {},
            "_submitted_by": None,
        }
        if s.gathering_other:
            item["household/gathering_other"] = s.gathering_other
        if s.contact:
            item["household/contact"] = s.contact
        people = []
        for p in s.members:  # an unanswered question is left out of the object
            person = {"members/member_name": p.name, "members/member_class": p.people_class}
            if p.needs:
                person["members/member_needs"] = p.needs
            if p.needs_other:
                person["members/member_needs_other"] = p.needs_other
            people.append(person)
        if people:
            item["members"] = people
        results.append(item)
    body = {"count": len(results), "next": None, "previous": None, "results": results}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


# --- ODK Central -----------------------------------------------------------------------------

ODK_MAIN = (
    "SubmissionDate",
    "consent",
    "household-gathering",
    "household-gathering_other",
    "household-contact",
    "meta-instanceID",
    "meta-instanceName",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def odk_csv(subs: list[Submission]) -> tuple[bytes, bytes]:
    main: list[list[object]] = [list(ODK_MAIN)]
    people: list[list[object]] = [
        ["member_name", "member_class", "member_needs", "member_needs_other", "PARENT_KEY", "KEY"]
    ]
    for s in subs:
        key = f"uuid:{s.uuid}"
        where = s.gathering_other or s.gathering
        answers = [s.consent, s.gathering, s.gathering_other, s.contact, key]
        central = [7, "registrar-tab-3", 0, 0, "", "", "", 0, "2026051401"]
        main.append([s.odk_time, *answers, f"{where} / {len(s.members)}", key, *central])
        for n, p in enumerate(s.members, start=1):
            people.append(
                [p.name, p.people_class, p.needs, p.needs_other, key, f"{key}/members[{n}]"]
            )
    return _csv(main), _csv(people)


def odk_zip(subs: list[Submission]) -> bytes:
    main, people = odk_csv(subs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("corridor_household.csv", main)
        archive.writestr("corridor_household-members.csv", people)
    return out.getvalue()
