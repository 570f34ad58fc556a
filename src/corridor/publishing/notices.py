"""The printed notices' contents: one per gathering point and language, one per party.

A gathering point's notice says where and when, the route in words (and a map, drawn by the
adapter), what to bring, the evacuees' rights from the agreement and the corridor's contact. A
party's unit package gives its units the corridor on a map, the timetable of movements through
each checkpoint, the vehicles' markings, the ceasefire area and times. Neither holds a name:
places, times, vehicle ids and headcounts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.publishing.texts import name_list, rights, what_to_bring, window_sentence

if TYPE_CHECKING:
    from corridor.i18n import Translator
    from corridor.publishing.facts import PublicFacts


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None


@dataclass(frozen=True)
class Notice:
    name: str
    """file name without extension, e.g. ``G01-uk``."""
    language: str
    title: str
    subtitle: str
    sections: list[Section]
    map_caption: str
    focus: str | None
    """the gathering point the map is centred on (None: the whole corridor)."""
    footer: str


def _footer(tr: Translator, facts: PublicFacts) -> str:
    return tr.gettext(
        "Corridor {corridor}, version {version}, signed by both parties.",
        corridor=facts.corridor,
        version=facts.version,
    )


def gathering_notice(tr: Translator, facts: PublicFacts, gathering: str) -> Notice:
    """The A4 notice of one gathering point, in one language."""
    _ = tr.gettext
    place = facts.gathering_point(gathering)
    when, route = _when_and_route(tr, facts, gathering)
    markings = facts.document.get("vehicle_markings")
    vehicles = [_("The corridor's vehicles are marked (as written in the agreement):"), markings]
    sections = [
        Section(_("When"), paragraphs=when),
        Section(
            _("Where"),
            paragraphs=[
                _(
                    "Gathering point: {place} (latitude {lat}, longitude {lon}).",
                    place=place.name,
                    lat=f"{place.lat:.5f}",
                    lon=f"{place.lon:.5f}",
                )
            ],
        ),
        Section(_("Route"), paragraphs=route),
        Section(_("What to bring"), bullets=what_to_bring(tr)),
        Section(_("Your rights"), bullets=rights(tr, facts)),
        Section(_("Vehicles"), paragraphs=[str(p) for p in vehicles if p]),
        Section(
            _("If the corridor is suspended"),
            paragraphs=[
                _("Do not set out. If you are at a gathering point, stay there if it is safe."),
                _("Wait for the next announcement."),
            ],
        ),
        Section(
            _("Contact"),
            paragraphs=[facts.contact or _("Ask the registrars at the gathering point.")],
        ),
    ]
    return Notice(
        name=f"{gathering}-{tr.language}",
        language=tr.language,
        title=_("Evacuation corridor"),
        subtitle=_("Gathering point: {place}", place=place.name),
        sections=sections,
        map_caption=_("Your gathering point, the route and the checkpoints"),
        focus=gathering,
        footer=_footer(tr, facts),
    )


def _when_and_route(
    tr: Translator, facts: PublicFacts, gathering: str
) -> tuple[list[str], list[str]]:
    """The "When" and "Route" paragraphs of a gathering point's notice.

    A point with no planned departure (no plan published yet, or the replan holds it) says so,
    as the unit package does, and gives none of the advice that assumes a departure (come
    early, vehicles take you from here): a notice must not send people to wait for a vehicle
    that is not coming.
    """
    _ = tr.gettext
    start = facts.window[0]
    zone = tr.zone(start, facts.zone)
    checkpoints = name_list(facts.via.get(gathering) or facts.checkpoint_names)
    receptions = name_list([r.name for r in facts.receptions])
    departures = facts.departures.get(gathering, [])
    if not departures:
        when = [
            window_sentence(tr, facts),
            _("No departure is planned from this gathering point yet."),
            _("Wait for the next announcement."),
            _("Times are local time: {zone}.", zone=zone),
        ]
        route = [
            _(
                "The corridor's vehicles go through {checkpoints} to the reception centres: "
                "{receptions}.",
                checkpoints=checkpoints,
                receptions=receptions,
            )
        ]
        return when, route
    times = ", ".join(f"{d.astimezone(start.tzinfo):%H:%M}" for d in departures)
    when = [
        window_sentence(tr, facts),
        _("Planned departures from this gathering point: {times}.", times=times),
        _("Times are local time: {zone}. Come at least 30 minutes before a departure.", zone=zone),
    ]
    route = [
        _(
            "Vehicles take you from {place} through {checkpoints} to the reception centres: "
            "{receptions}.",
            place=facts.gathering_point(gathering).name,
            checkpoints=checkpoints,
            receptions=receptions,
        ),
        _("Stay in the vehicle at the checkpoint unless the staff ask you to step out."),
    ]
    return when, route


def unit_package(tr: Translator, facts: PublicFacts, role: str) -> Notice:
    """What a party's units at the checkpoints and along the route need; no names."""
    _ = tr.gettext
    doc = facts.document
    who = (doc.get("participants") or {}).get(role, {}).get("name", role)
    start, end = facts.window
    zone = facts.zone
    checkpoints = [
        [
            str(c["name"]),
            str((doc.get("participants") or {}).get(c.get("controlled_by"), {}).get("name", "")),
            f"{c['at'][1]:.5f}, {c['at'][0]:.5f}",
        ]
        for c in doc.get("checkpoints") or []
    ]
    violation = doc.get("on_violation") or {}
    timetable = _timetable(tr, facts)
    sections = [
        Section(
            _("Ceasefire"),
            paragraphs=[
                _(
                    "The ceasefire holds from {start} to {end} inside the area shown on the map.",
                    start=tr.datetime(start, zone),
                    end=tr.datetime(end, zone),
                ),
                _(
                    "Movements are notified at least {minutes} minutes before they start.",
                    minutes=tr.number(int(doc.get("notification_lead_minutes") or 0)),
                ),
            ],
        ),
        Section(
            _("Checkpoints"),
            table=([_("Checkpoint"), _("Controlled by"), _("Latitude, longitude")], checkpoints),
        ),
        Section(
            _("Vehicles"),
            paragraphs=[
                _("Markings (as written in the agreement):"),
                str(doc.get("vehicle_markings") or ""),
                _("At most {n} vehicles.", n=tr.number(int(doc.get("max_vehicles") or 0))),
            ],
        ),
        Section(
            _("On a violation (as written in the agreement)"),
            paragraphs=[
                str(violation.get(k)) for k in ("suspension", "resumption") if violation.get(k)
            ],
        ),
        Section(
            _("Evacuees"),
            paragraphs=[
                _(
                    "This package names nobody. Evacuees travel voluntarily, to a destination "
                    "they choose."
                ),
            ],
            bullets=rights(tr, facts),
        ),
        *timetable,
    ]
    return Notice(
        name=f"unit-{role}-{tr.language}",
        language=tr.language,
        title=_("Unit package: corridor {corridor}", corridor=facts.corridor),
        subtitle=_("For {party}", party=who),
        sections=sections,
        map_caption=_("The corridor, the ceasefire area and the checkpoints"),
        focus=None,
        footer=_footer(tr, facts),
    )


def _timetable(tr: Translator, facts: PublicFacts) -> list[Section]:
    """Each checkpoint's planned movements (time, direction, vehicle, people aboard)."""
    _ = tr.gettext
    start, zone = facts.window[0], facts.zone
    by_checkpoint: dict[str, list[list[str]]] = {}
    for c in facts.crossings:
        by_checkpoint.setdefault(c.checkpoint, []).append(
            [
                f"{c.at.astimezone(start.tzinfo):%H:%M}",
                _("into the area") if c.direction == "in" else _("out of the area"),
                c.vehicle,
                tr.number(c.people),
            ]
        )
    header = [_("Time"), _("Direction"), _("Vehicle"), _("People aboard")]
    return [
        Section(
            _("Timetable of movements through each checkpoint"),
            paragraphs=[
                _(
                    "Planned times, local time ({zone}). Vehicles are named by their plan id.",
                    zone=tr.zone(start, zone),
                )
                if by_checkpoint
                else _("No movement is planned yet. Movements are notified before they start.")
            ],
        ),
        *(
            Section(f"{_('Checkpoint')}: {name}", table=(header, rows))
            for name, rows in by_checkpoint.items()
        ),
    ]
