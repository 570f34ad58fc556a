"""What the household registration form asks, as its exports name it.

The XLSForm (``forms/household-registration.xlsx``, built from
``forms/household-registration.yaml``) and the importer agree on these names; a test converts
the shipped form with pyxform and checks that every path here is in it with the same choices.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The form's id (XLSForm ``settings.form_id``): ODK Central names its export files after it.
FORM_ID = "corridor_household"

#: The consent question and its two answers (choice list ``yes_no``).
CONSENT = "consent"
YES = "yes"
NO = "no"
#: The group holding the household's answers (``household/gathering`` in KoBo's headers).
HOUSEHOLD_GROUP = "household"
GATHERING = "gathering"
#: The gathering point's choice "another place", and the free id typed for it.
OTHER = "other"
GATHERING_OTHER = "gathering_other"
CONTACT = "contact"
#: The repeat group: one entry per person of the household.
MEMBERS = "members"
NAME = "member_name"
PEOPLE_CLASS = "member_class"
NEEDS = "member_needs"
NEEDS_OTHER = "member_needs_other"

HOUSEHOLD_FIELDS = (GATHERING, GATHERING_OTHER, CONTACT)
MEMBER_FIELDS = (NAME, PEOPLE_CLASS, NEEDS, NEEDS_OTHER)

#: The needs a registrar can tick (``select_multiple needs``), and the words stored for each.
NEEDS_WORDS: dict[str, str] = {
    "wheelchair": "uses a wheelchair",
    "stretcher": "cannot sit: must lie down",
    "oxygen": "needs oxygen",
    "dialysis": "needs dialysis",
    "insulin": "needs insulin",
    "medicines": "takes vital medicines",
    "pregnant": "pregnant",
    "infant": "infant under 2 years",
    "blind_deaf": "blind or deaf",
    "unaccompanied": "child without a parent or guardian",
    "assistance": "needs a helper to walk or to dress",
}


@dataclass(frozen=True)
class Limits:
    """The longest values a registrar may type (the registry's own limits)."""

    name: int = 300
    contact: int = 300
    needs: int = 2000
    gathering: int = 200
    submission_id: int = 80
    members: int = 60


LIMITS = Limits()


def member_path(field: str) -> str:
    """The XForm path of a member's field below the form's root: ``members/member_name``."""
    return f"{MEMBERS}/{field}"


def household_path(field: str) -> str:
    """The XForm path of a household field below the form's root: ``household/gathering``."""
    return f"{HOUSEHOLD_GROUP}/{field}"


#: Every answer the importer reads, by its path below the form's root.
PATHS: tuple[str, ...] = (
    CONSENT,
    *(household_path(f) for f in HOUSEHOLD_FIELDS),
    *(member_path(f) for f in MEMBER_FIELDS),
)
