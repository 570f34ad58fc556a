"""The public texts, in the reader's language: CAP ``info`` blocks and the printed notices.

Every sentence is a gettext message with ``{placeholders}`` (the catalogues are in
``corridor/i18n/locale``). Place names and the agreement's own free text (vehicle markings,
what happens on a violation) are printed as written: they are proper names and signed words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.publishing.public_state import ChangeKind

if TYPE_CHECKING:
    from corridor.i18n import Translator
    from corridor.publishing.facts import PublicFacts


@dataclass(frozen=True)
class InfoText:
    """One language's words of a CAP message."""

    language: str
    event: str
    headline: str
    description: str
    instruction: str
    area: str
    contact: str | None


def what_to_bring(tr: Translator) -> list[str]:
    _ = tr.gettext
    return [
        _("identity documents (passport, birth certificates), even if they have expired"),
        _("the medicines you take, for several days, with prescriptions"),
        _("water and food for one day"),
        _("warm clothes and a blanket"),
        _("a phone and its charger"),
        _("one bag per person that you can carry yourself"),
    ]


def rights(tr: Translator, facts: PublicFacts) -> list[str]:
    """The evacuees' rights the agreement grants, in plain words."""
    _ = tr.gettext
    granted = facts.document.get("evacuee_rights") or {}
    out = []
    if granted.get("voluntary"):
        out.append(_("Leaving is voluntary. Nobody may force you to leave or to stay."))
    if (facts.document.get("destinations") or {}).get("chosen_by_evacuees"):
        out.append(
            _("You choose your destination: {places}.", places=name_list(facts.destinations))
        )
    if granted.get("family_unity"):
        out.append(_("Families travel together and are not separated."))
    if granted.get("documents_and_belongings"):
        out.append(_("You keep your documents and your belongings."))
    if granted.get("special_care"):
        out.append(
            _(
                "The sick, the wounded, the elderly, people with disabilities and children "
                "travel first and are cared for on the way."
            )
        )
    return out


def window_sentence(tr: Translator, facts: PublicFacts) -> str:
    start, end = facts.window
    return tr.gettext(
        "The corridor is open from {start} to {end}.",
        start=tr.datetime(start, facts.zone),
        end=tr.datetime(end, facts.zone),
    )


def name_list(items: list[str]) -> str:
    """Place names run together so that each can be told apart: ``A; B; C``. A name may hold
    a comma (``School, north yard``), so a comma-separated list (``tr.list``) is ambiguous; the
    semicolon is the list separator of English, Ukrainian and Russian alike."""
    return "; ".join(items)


def info_text(tr: Translator, kind: ChangeKind, facts: PublicFacts, reason: str | None) -> InfoText:
    """The headline, description and instruction of one CAP message in one language."""
    _ = tr.gettext
    start, end = facts.window
    when = {"start": tr.datetime(start, facts.zone), "end": tr.datetime(end, facts.zone)}
    go = [
        _(
            "Go to your gathering point: {points}.",
            points=name_list([p.name for p in facts.gathering]),
        ),
        _("Bring: {items}.", items="; ".join(what_to_bring(tr))),
        *rights(tr, facts),
        _(
            "Vehicles leave through the checkpoints: {names}.",
            names=name_list(facts.checkpoint_names),
        ),
    ]
    if kind is ChangeKind.OPENED:
        headline = _("Evacuation corridor open from {start} to {end}", **when)
        description = _(
            "Both parties have signed the terms of a humanitarian evacuation corridor and "
            "confirmed the ceasefire. {window}",
            window=window_sentence(tr, facts),
        )
    elif kind is ChangeKind.RESUMED:
        headline = _("Evacuation corridor resumed until {end}", end=when["end"])
        description = _(
            "Both parties have signed the resumption of the corridor. {window}",
            window=window_sentence(tr, facts),
        )
    elif kind is ChangeKind.TERMS_CHANGED:
        headline = _("Evacuation corridor: new times, from {start} to {end}", **when)
        description = _(
            "Both parties have signed new terms for the corridor. {window} Earlier times no "
            "longer apply.",
            window=window_sentence(tr, facts),
        )
    elif kind is ChangeKind.SUSPENDED:
        headline = _("Evacuation corridor SUSPENDED: do not set out")
        description = _(
            "The corridor is suspended. All movement stops where it is. The earlier "
            "announcement no longer applies."
        )
        go = [
            _("Do not set out. If you are at a gathering point, stay there if it is safe."),
            _("Wait for the next announcement."),
        ]
    else:
        headline = _("Evacuation corridor CLOSED: do not set out")
        description = _(
            "The corridor is closed. Do not go to the gathering points. The earlier "
            "announcements are cancelled."
        )
        go = [_("Wait for a new announcement.")]
    if reason:
        description += " " + _("Reason given: {reason}", reason=reason)
    return InfoText(
        language=tr.language,
        event=_("Humanitarian evacuation corridor"),
        headline=headline,
        description=description,
        instruction="\n".join(go),
        area=_("Ceasefire area of the corridor {corridor}", corridor=facts.corridor),
        contact=facts.contact,
    )
