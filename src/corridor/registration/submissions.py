"""A submission as an export holds it, before any check: text values by the form's field names.

Each format (:mod:`.kobo`, :mod:`.odk`) turns its files into these; :mod:`.checks` then decides
what is a household and what is a problem. ``names`` keeps how the file calls each value
(``household/gathering``, ``members[2]/member_name``) so that a problem names it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corridor.registration.problems import Row

#: The keys of ``names`` for the two values every format has under its own name.
SUBMISSION_ID = "submission id"
SUBMITTED = "submission time"


@dataclass
class RawMember:
    row: Row
    #: The person's place in the household's repeat group (1 for the first).
    index: int
    values: dict[str, str]
    names: dict[str, str]

    def name(self, key: str) -> str:
        return self.names.get(key, key)


@dataclass
class RawSubmission:
    row: Row
    submission_id: str
    submitted: str
    values: dict[str, str]
    names: dict[str, str]
    members: list[RawMember] = field(default_factory=list)

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def content(self) -> tuple[object, ...]:
        """What the submission says (not where it is): equal for a repeated submission."""
        return (
            self.submitted,
            tuple(sorted(self.values.items())),
            tuple((m.index, tuple(sorted(m.values.items()))) for m in self.members),
        )


def bare_id(value: str) -> str:
    """An instance id without the ``uuid:`` prefix that ODK and KoBo's ``meta/`` fields carry."""
    text = value.strip()
    return text[5:] if text.lower().startswith("uuid:") else text
