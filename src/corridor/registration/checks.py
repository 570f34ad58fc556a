"""Every check a submission passes before anything of it is stored.

A submission becomes a :class:`Household` (one or more people, each with a class of the
scenario, at a gathering point of the scenario) or problems that name its row, the field as the
file calls it, and the value. A household that said no to the consent question is counted and
left out: the form asks nothing else of it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from corridor.registration import form
from corridor.registration.problems import Row, RowProblem, at
from corridor.registration.submissions import SUBMISSION_ID, SUBMITTED, RawMember, RawSubmission

SUBMISSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]+$")
#: How far ahead of the service's clock a phone's or a server's clock may be.
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Reference:
    """What a submission is checked against: the scenario, the time, the data's retention."""

    scenario: str
    classes: tuple[str, ...]
    gathering: tuple[str, ...]
    now: dt.datetime
    #: The shortest retention of a personal field: an older submission is not imported.
    retention: dt.timedelta


@dataclass(frozen=True)
class Member:
    index: int
    name: str
    people_class: str
    needs: str | None


@dataclass(frozen=True)
class Household:
    submission_id: str
    submitted_at: dt.datetime
    gathering: str
    contact: str | None
    members: tuple[Member, ...]
    row: Row

    @property
    def household_id(self) -> str:
        return f"form:{self.submission_id}"

    def client_id(self, member: Member) -> str:
        """The person's registry client id: the same on every import of this submission."""
        return f"form:{self.submission_id}:{member.index}"


@dataclass
class Checked:
    households: list[Household] = field(default_factory=list)
    declined: int = 0
    repeated: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def check_all(submissions: list[RawSubmission], ref: Reference) -> Checked:
    """Check every submission; a submission id seen twice must say the same thing twice."""
    out = Checked()
    seen: dict[str, RawSubmission] = {}
    for raw in submissions:
        first = seen.get(raw.submission_id) if raw.submission_id else None
        if first is not None:
            if first.content() != raw.content():
                out.problems.append(
                    at(
                        raw.row,
                        raw.name(SUBMISSION_ID),
                        raw.submission_id,
                        f"is also the submission of {first.row.file} row {first.row.number}, "
                        "with other answers: keep one of the two",
                    )
                )
            else:
                out.repeated += 1
            continue
        seen[raw.submission_id] = raw
        problems: list[RowProblem] = []
        household = check(raw, ref, problems)
        out.problems += problems
        if household is None and not problems:
            out.declined += 1
        elif household is not None and not problems:
            out.households.append(household)
    return out


def check(raw: RawSubmission, ref: Reference, problems: list[RowProblem]) -> Household | None:
    """The household of one submission, None if it declined or has problems (then listed)."""
    ident = _submission_id(raw, problems)
    when = _submitted(raw, ref, problems)
    consent = raw.values.get(form.CONSENT, "").strip()
    if consent == form.NO:
        if raw.members or any(raw.values.get(f) for f in form.HOUSEHOLD_FIELDS):
            problems.append(
                at(raw.row, raw.name(form.CONSENT), consent, "is no, yet the row has answers")
            )
        return None
    if consent != form.YES:
        problems.append(
            at(
                raw.row,
                raw.name(form.CONSENT),
                consent,
                "must be yes: nothing of a household is stored without its consent",
            )
        )
    gathering = _gathering(raw, ref, problems)
    contact = _text(raw, raw.row, form.CONTACT, form.LIMITS.contact, problems)
    members = _members(raw, ref, problems)
    if problems or when is None:
        return None
    return Household(ident, when, gathering, contact or None, members, raw.row)


def _submission_id(raw: RawSubmission, problems: list[RowProblem]) -> str:
    ident = raw.submission_id
    name = raw.name(SUBMISSION_ID)
    if not ident:
        problems.append(at(raw.row, name, ident, "is empty: every submission has an id"))
    elif len(ident) > form.LIMITS.submission_id or not SUBMISSION_ID_PATTERN.match(ident):
        problems.append(
            at(raw.row, name, ident, "is not a submission id (letters, digits, - _ . :)")
        )
    return ident


def parse_time(text: str) -> dt.datetime | None:
    """An ISO 8601 time; one without a zone is UTC (as KoBoToolbox writes them)."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _submitted(
    raw: RawSubmission, ref: Reference, problems: list[RowProblem]
) -> dt.datetime | None:
    name = raw.name(SUBMITTED)
    when = parse_time(raw.submitted)
    if when is None:
        problems.append(at(raw.row, name, raw.submitted, "is not an ISO 8601 time"))
        return None
    if when > ref.now + CLOCK_SKEW:
        problems.append(at(raw.row, name, raw.submitted, f"is after now ({ref.now.isoformat()})"))
    elif when < ref.now - ref.retention:
        problems.append(
            at(
                raw.row,
                name,
                raw.submitted,
                f"is more than {ref.retention.days} days ago: its personal data is past its "
                "retention; export only recent submissions",
            )
        )
    return when.astimezone(dt.UTC)


def _gathering(raw: RawSubmission, ref: Reference, problems: list[RowProblem]) -> str:
    key = form.GATHERING
    value = raw.values.get(key, "").strip()
    if value == form.OTHER:
        key = form.GATHERING_OTHER
        value = raw.values.get(key, "").strip()
    if value not in ref.gathering:
        known = ", ".join(ref.gathering[:20]) + (", ..." if len(ref.gathering) > 20 else "")
        problems.append(
            at(
                raw.row,
                raw.name(key),
                value,
                f"is not a gathering point of {ref.scenario} ({known})",
            )
        )
    return value


def _text(
    source: RawSubmission | RawMember,
    row: Row,
    key: str,
    limit: int,
    problems: list[RowProblem],
    lines: bool = False,
) -> str:
    """A typed answer, trimmed; no control characters (a newline only where ``lines``)."""
    value = source.values.get(key, "").strip()
    label = source.name(key)
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) == "Cc" and not (lines and char in "\n\t"):
            problems.append(
                at(
                    row,
                    label,
                    value,
                    f"has the control character U+{ord(char):04X} at position {position}",
                )
            )
            return ""
    if len(value) > limit:
        problems.append(at(row, label, value, f"is {len(value)} characters long (at most {limit})"))
    return value


def _members(raw: RawSubmission, ref: Reference, problems: list[RowProblem]) -> tuple[Member, ...]:
    if not raw.members:
        problems.append(
            at(raw.row, form.MEMBERS, "0", "lists nobody: a household has at least one person")
        )
        return ()
    if len(raw.members) > form.LIMITS.members:
        problems.append(
            at(
                raw.row,
                form.MEMBERS,
                str(len(raw.members)),
                f"lists more than {form.LIMITS.members} people: one household per submission",
            )
        )
        return ()
    out: dict[int, tuple[RawMember, Member]] = {}
    for person in raw.members:
        member = _member(person, ref, problems)
        earlier = out.get(person.index)
        if earlier is not None and earlier[0].values != person.values:
            problems.append(
                at(
                    person.row,
                    form.MEMBERS,
                    str(person.index),
                    f"person {person.index} is also {earlier[0].row.file} row "
                    f"{earlier[0].row.number}, with other answers",
                )
            )
        elif earlier is None and member is not None:
            out[person.index] = (person, member)
    return tuple(m for _, m in sorted(out.values(), key=lambda pm: pm[1].index))


def _member(person: RawMember, ref: Reference, problems: list[RowProblem]) -> Member | None:
    before = len(problems)
    name = _text(person, person.row, form.NAME, form.LIMITS.name, problems)
    if not name and len(problems) == before:
        problems.append(at(person.row, person.name(form.NAME), "", "is empty: give the name"))
    people_class = person.values.get(form.PEOPLE_CLASS, "").strip()
    if people_class not in ref.classes:
        problems.append(
            at(
                person.row,
                person.name(form.PEOPLE_CLASS),
                people_class,
                f"is not a class of {ref.scenario} ({', '.join(ref.classes)})",
            )
        )
    needs = _needs(person, problems)
    if len(problems) > before:
        return None
    return Member(person.index, name, people_class, needs)


def _needs(person: RawMember, problems: list[RowProblem]) -> str | None:
    """The ticked needs in words, then what the registrar typed: one text, or None."""
    codes = person.values.get(form.NEEDS, "").split()
    unknown = [c for c in codes if c not in form.NEEDS_WORDS]
    if unknown:
        problems.append(
            at(
                person.row,
                person.name(form.NEEDS),
                person.values.get(form.NEEDS, ""),
                f"{unknown[0]!r} is not a need of the form ({', '.join(form.NEEDS_WORDS)})",
            )
        )
    other = _text(person, person.row, form.NEEDS_OTHER, form.LIMITS.needs, problems, True)
    words = [form.NEEDS_WORDS[c] for c in dict.fromkeys(codes) if c in form.NEEDS_WORDS]
    text = "; ".join([*words, other] if other else words)
    if len(text) > form.LIMITS.needs:
        problems.append(
            at(
                person.row,
                person.name(form.NEEDS_OTHER),
                other,
                f"makes the needs {len(text)} characters long (at most {form.LIMITS.needs})",
            )
        )
    return text or None
