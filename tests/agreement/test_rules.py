"""The rules of the agreement channel, through the service on a real (SQLite) log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import CEREMONY, EXAMPLE_START, T0, ceremony, fixed_clock

from corridor.adapters.log_store import LogStore
from corridor.domain.agreement import Kind, Status, statement
from corridor.domain.proposal import ROLES, example_documents
from corridor.errors import InputError
from corridor.services.agreement import AgreementService, MessageRefused, sign_statement
from corridor.tlog import dsse
from corridor.tlog.canonical import canonical_json, sha256_hex
from corridor.tlog.keys import SignerKey

CID = "eastbrook-westford-1"


@pytest.fixture
def keys() -> dict[str, SignerKey]:
    return {
        r: SignerKey.from_seed(r.replace("_", "-"), bytes([i + 1]) * 32)
        for i, r in enumerate(ROLES)
    }


@pytest.fixture
def service(tmp_path: Path, keys: dict[str, SignerKey]) -> AgreementService:
    """A log where the example corridor is open and both parties' keys are confirmed."""
    opened = AgreementService(LogStore.open(str(tmp_path / "log.db")), fixed_clock())
    ceremony(opened, keys)
    return opened


@pytest.fixture
def proposed(service: AgreementService, keys: dict[str, SignerKey]) -> AgreementService:
    """Version 1 (incomplete) by the intermediary, version 2 (complete) by party B."""
    first, second = example_documents(
        {r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START
    )
    service.propose(first, keys["intermediary"])
    service.counter(second, keys["party_b"])
    return service


def corridor(service: AgreementService):  # type: ignore[no-untyped-def]
    return service.state().corridors[CID]


def test_an_incomplete_version_cannot_be_accepted(
    service: AgreementService, keys: dict[str, SignerKey]
) -> None:
    first, _ = example_documents({r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START)
    service.propose(first, keys["intermediary"])
    assert corridor(service).status(T0) is Status.DRAFT
    with pytest.raises(MessageRefused, match="incomplete: what may go in"):
        service.accept(CID, keys["party_a"])
    assert service.store.size == CEREMONY + 1


def test_acceptance_of_a_superseded_version_is_refused(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    with pytest.raises(MessageRefused, match="superseded by version 2"):
        proposed.accept(CID, keys["party_a"], version=1)


def test_a_counter_proposal_voids_earlier_acceptances(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    proposed.accept(CID, keys["party_a"])
    third = dict(corridor(proposed).latest.document)
    third["max_vehicles"] = 25
    proposed.counter(third, keys["party_a"])
    state = corridor(proposed)
    assert state.latest.number == 3
    assert state.latest.document["supersedes"] == state.versions[1].hash
    assert not state.agreed
    assert "party-a (party_a) accepted version 3 (accepted version 2 only)" in state.missing(T0)


def test_only_the_parties_accept_and_confirm(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    with pytest.raises(MessageRefused, match="only the two parties accept"):
        proposed.accept(CID, keys["intermediary"])
    proposed.accept(CID, keys["party_a"])
    with pytest.raises(MessageRefused, match="both parties must accept"):
        proposed.confirm_start(CID, keys["party_a"])


def test_wrong_signer_for_a_claimed_author_never_reaches_the_log(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    latest = corridor(proposed).latest
    stmt = statement(
        Kind.ACCEPTANCE,
        CID,
        "party-b",
        "2026-12-01T12:00:00Z",
        latest.hash,
        {"version": 2},
        follows=proposed.state().head(),
    )
    forged = sign_statement(
        stmt, keys["intermediary"]
    )  # claims party-b, signed by the intermediary
    size = proposed.store.size
    with pytest.raises(MessageRefused, match="not by the key registered for party_b"):
        proposed.submit(forged)
    impostor = SignerKey.from_seed("party-b", bytes([99]) * 32)
    with pytest.raises(MessageRefused, match="not by the key registered for party_b"):
        proposed.submit(sign_statement(stmt, impostor))
    assert proposed.store.size == size


def test_a_retried_message_is_stored_once(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    latest = corridor(proposed).latest
    stmt = statement(
        Kind.ACCEPTANCE,
        CID,
        "party-a",
        "2026-12-01T12:00:00Z",
        latest.hash,
        {"version": 2},
        follows=proposed.state().head(),
    )
    envelope = sign_statement(stmt, keys["party_a"])
    first = proposed.submit(envelope)
    again = proposed.submit(envelope)
    assert (first.index, first.duplicate) == (CEREMONY + 2, False)
    assert (again.index, again.duplicate) == (CEREMONY + 2, True)
    assert proposed.store.size == CEREMONY + 3


def test_ready_then_suspension_and_resumption_by_both(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    for role in ("party_a", "party_b"):
        proposed.accept(CID, keys[role])
    for role in ("party_a", "party_b"):
        proposed.confirm_start(CID, keys[role])
    state = corridor(proposed)
    assert state.ready(T0)
    window = dt.datetime(2026, 5, 14, 10, 0, tzinfo=dt.UTC)  # 13:00 in Kyiv: inside the window
    assert state.status(window) is Status.ACTIVE
    assert state.status(window + dt.timedelta(days=1)) is Status.CLOSED
    proposed.suspend(CID, keys["party_a"], "shelling near Bridge 7")
    state = corridor(proposed)
    assert state.status(T0) is Status.SUSPENDED
    assert not state.ready(T0)
    proposed.resume(CID, keys["party_a"])
    assert corridor(proposed).status(T0) is Status.SUSPENDED  # one party is not enough
    proposed.resume(CID, keys["party_b"])
    assert corridor(proposed).status(T0) is Status.CONFIRMED
    with pytest.raises(MessageRefused, match="can no longer change"):
        proposed.counter(dict(corridor(proposed).latest.document), keys["party_b"])


def test_acknowledgement_is_recorded_but_is_not_an_approval(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    proposed.notify_movement(CID, keys["intermediary"], "convoy-1", "12 buses to Westford", "09:30")
    proposed.acknowledge(CID, keys["party_a"], "convoy-1")
    with pytest.raises(MessageRefused, match="does not acknowledge its own"):
        proposed.acknowledge(CID, keys["intermediary"], "convoy-1")
    movement = corridor(proposed).movements["convoy-1"]
    assert movement["acknowledged_by"] == ["party-a"]
    assert "not an approval" in corridor(proposed).history[-1]


def test_a_malformed_term_is_an_input_error_naming_the_field(
    service: AgreementService, keys: dict[str, SignerKey]
) -> None:
    first, _ = example_documents({r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START)
    first["max_vehicles"] = "forty"
    with pytest.raises(InputError, match=r"document\.max_vehicles: 'forty'"):
        service.propose(first, keys["intermediary"])
    first["max_vehicles"] = 40
    first["window"] = {"start": "2026-12-02 7am", "duration_hours": 8, "time_zone": "Europe/Kyiv"}
    with pytest.raises(InputError, match=r"document\.window: start '2026-12-02 7am'"):
        service.propose(first, keys["intermediary"])
    assert service.store.size == CEREMONY


def test_acceptance_names_the_sha256_of_the_exact_proposal_bytes(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    result = proposed.accept(CID, keys["party_a"])

    proposal_env = dsse.parse(proposed.store.entry(CEREMONY + 1))
    acceptance = json.loads(dsse.parse(proposed.store.entry(result.index)).payload)
    assert acceptance["subject"][0]["digest"]["sha256"] == sha256_hex(proposal_env.payload)
    doc = json.loads(proposal_env.payload)["predicate"]["document"]
    assert json.loads(proposal_env.payload)["subject"][0]["digest"]["sha256"] == sha256_hex(
        canonical_json(doc)
    )


def test_two_writers_on_one_log_are_checked_against_each_others_entries(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    other = AgreementService(LogStore.open(str(proposed.store.engine.url.database)), fixed_clock())
    proposed.state()  # cached at the proposals
    other.accept(CID, keys["party_a"])
    other.accept(CID, keys["party_b"])
    # this process has not seen the acceptances: its check must still see them
    result = proposed.confirm_start(CID, keys["party_a"])
    assert result.index == CEREMONY + 4
    with pytest.raises(MessageRefused, match="superseded"):
        other.accept(CID, keys["party_a"], version=1)
    assert corridor(other).confirmations == {"party_a": corridor(other).latest.hash}


def test_a_window_that_is_over_closes_the_corridor_and_is_never_ready(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    for step in (proposed.accept, proposed.confirm_start):
        for role in ("party_a", "party_b"):
            step(CID, keys[role])
    state = corridor(proposed)
    after = dt.datetime(2026, 5, 14, 14, 0, tzinfo=dt.UTC)  # 17:00 in Kyiv: the window's end
    assert state.ready(after - dt.timedelta(seconds=1))
    assert state.status(after) is Status.CLOSED
    assert not state.ready(after)
    assert state.describe(after) == "closed (the window ended 2026-05-14 17:00 Europe/Kyiv)"
    assert "the window ended 2026-05-14 17:00 Europe/Kyiv" in state.missing(after)


def test_a_ceasefire_start_after_the_window_is_refused_by_the_log_clock(
    tmp_path: Path, keys: dict[str, SignerKey]
) -> None:
    """The log's own clock judges: a party's statement dated inside the window but sent after
    it ended is refused, naming the window; nothing is appended."""
    clock = fixed_clock()
    service = AgreementService(LogStore.open(str(tmp_path / "late.db")), clock)
    ceremony(service, keys)
    first, second = example_documents(
        {r: k.verifier().text() for r, k in keys.items()}, EXAMPLE_START
    )
    service.propose(first, keys["intermediary"])
    service.counter(second, keys["party_b"])
    for role in ("party_a", "party_b"):
        service.accept(CID, keys[role])
    latest = corridor(service).latest
    stmt = statement(
        Kind.CEASEFIRE_START,
        CID,
        "party-a",
        "2026-05-14T08:00:00Z",
        latest.hash,
        {"version": 2},
        follows=service.state().head(),
    )
    clock.set(dt.datetime(2026, 5, 14, 14, 30, tzinfo=dt.UTC))  # 17:30 Kyiv: the window is over
    size = service.store.size
    with pytest.raises(MessageRefused, match=r"the window ended 2026-05-14 17:00 Europe/Kyiv"):
        service.submit(sign_statement(stmt, keys["party_a"]))
    assert service.store.size == size


def test_replay_refuses_a_ceasefire_start_dated_after_the_window(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    """The statement's own time is what replay can judge by: a confirmation signed after the
    window's end does not count, in every verifier's replay."""
    for role in ("party_a", "party_b"):
        proposed.accept(CID, keys[role])
    latest = corridor(proposed).latest
    stmt = statement(
        Kind.CEASEFIRE_START,
        CID,
        "party-a",
        "2026-05-14T15:00:00Z",
        latest.hash,
        {"version": 2},
        follows=proposed.state().head(),
    )
    with pytest.raises(MessageRefused, match="cannot start after it"):
        proposed.submit(sign_statement(stmt, keys["party_a"]))


def test_a_statement_without_a_time_offset_is_refused(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    latest = corridor(proposed).latest
    stmt = statement(
        Kind.ACCEPTANCE,
        CID,
        "party-a",
        "tomorrow",
        latest.hash,
        {"version": 2},
        follows=proposed.state().head(),
    )
    with pytest.raises(MessageRefused, match=r"predicate.at 'tomorrow' is not an ISO 8601 time"):
        proposed.submit(sign_statement(stmt, keys["party_a"]))


def _notice(
    service: AgreementService, key: SignerKey, kind: Kind, author: str, extra: dict[str, object]
) -> bytes:
    """A notice by ``author`` on the latest version, signed by ``key``, with ``extra`` terms."""
    stmt = statement(
        kind,
        CID,
        author,
        T0.isoformat(),
        corridor(service).latest.hash,
        {"version": 2, **extra},
        follows=service.state().head(),
    )
    return sign_statement(stmt, key)


def test_a_notice_cannot_say_who_acknowledged_it_nor_its_entry(
    proposed: AgreementService, keys: dict[str, SignerKey]
) -> None:
    """Replays a party that signed a movement "acknowledged by" the other party (which then
    never saw it offered to acknowledge), one with a number there (every later
    acknowledgement failed with a server error), and an incident claiming another entry."""
    forged = [
        (Kind.MOVEMENT, {"movement": "m1", "acknowledged_by": ["party-b", "intermediary"]}),
        (Kind.MOVEMENT, {"movement": "m2", "acknowledged_by": 5}),
        (Kind.MOVEMENT, {"movement": "m3", "index": 0}),
        (Kind.INCIDENT, {"description": "shelling", "index": 3}),
    ]
    size = proposed.state().size
    for kind, extra in forged:
        with pytest.raises(MessageRefused, match=r"predicate\.(acknowledged_by|index) is"):
            proposed.submit(_notice(proposed, keys["party_a"], kind, "party-a", extra))
    assert proposed.state().size == size  # nothing stored
    assert corridor(proposed).movements == {}
    proposed.submit(
        _notice(proposed, keys["party_a"], Kind.MOVEMENT, "party-a", {"movement": "m2"})
    )
    proposed.acknowledge(CID, keys["party_b"], "m2")
    assert corridor(proposed).movements["m2"]["acknowledged_by"] == ["party-b"]
    assert corridor(proposed).movements["m2"]["index"] == size


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00-23:59", "1969-12-31T23:00:00+00:00"]
)
def test_a_signed_time_no_time_zone_can_show_is_refused(
    proposed: AgreementService, keys: dict[str, SignerKey], at: str
) -> None:
    """Replays an incident dated 9999-12-31: accepted, it broke the after-action report for
    good (the time could not be shown in the operation's zone)."""
    stmt = statement(
        Kind.INCIDENT,
        CID,
        "party-a",
        at,
        corridor(proposed).latest.hash,
        {"version": 2, "description": "shelling"},
        follows=proposed.state().head(),
    )
    with pytest.raises(MessageRefused, match=r"in the years 1970-9998"):
        proposed.submit(sign_statement(stmt, keys["party_a"]))
