"""Properties of the log: an honest log always verifies; any tampering makes verification fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_START, ceremony, fixed_clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.adapters.log_store import LogStore
from corridor.adapters.tile_files import export_tiles, verify_directory
from corridor.adapters.witness_state import WitnessStateFile
from corridor.domain.proposal import ROLES, example_documents
from corridor.services.agreement import AgreementService, check_entries
from corridor.tlog.errors import VerificationError, WitnessRefused
from corridor.tlog.keys import SignerKey
from corridor.tlog.merkle import MemoryTree, leaf_hash
from corridor.tlog.note import Checkpoint, add_signature, cosign, parse_note, sign_note
from corridor.tlog.verify import verify_log
from corridor.tlog.witness import Witness

LOG_KEY = SignerKey.from_seed("log.example", bytes(range(32)))
WITNESS = SignerKey.from_seed("witness-a", bytes(range(1, 33)))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def checkpoint_for(entries: list[bytes], key: SignerKey = LOG_KEY) -> bytes:
    tree = MemoryTree()
    for entry in entries:
        tree.append_leaf_hash(leaf_hash(entry))
    note = sign_note(Checkpoint(key.name, len(entries), tree.root()).text(), key)
    return note.with_signature(cosign(note, WITNESS, 1_800_000_000)).to_bytes()


def verify(checkpoint: bytes, entries: list[bytes], **kw: object) -> None:
    verify_log(checkpoint, entries, LOG_KEY.verifier(), [WITNESS.verifier()], **kw)  # type: ignore[arg-type]


entry_lists = st.lists(st.binary(max_size=80), min_size=1, max_size=40, unique=True)


@st.composite
def tampered(draw: st.DrawFn, entries: list[bytes]) -> list[bytes]:
    """The same log with one byte flipped, or one entry dropped, swapped or inserted."""
    out = list(entries)
    ops = ["drop", "insert"]
    if any(out):
        ops.append("flip")
    if len(out) > 1:
        ops.append("swap")
    op = draw(st.sampled_from(ops))
    if op == "flip":
        j = draw(st.sampled_from([i for i, e in enumerate(out) if e]))
        at = draw(st.integers(0, len(out[j]) - 1))
        value = bytearray(out[j])
        value[at] ^= draw(st.integers(1, 255))
        out[j] = bytes(value)
    elif op == "drop":
        del out[draw(st.integers(0, len(out) - 1))]
    elif op == "swap":
        j, k = draw(st.lists(st.integers(0, len(out) - 1), min_size=2, max_size=2, unique=True))
        out[j], out[k] = out[k], out[j]
    else:
        out.insert(draw(st.integers(0, len(out))), draw(st.binary(max_size=80)))
    return out


@SETTINGS
@given(data=st.data(), entries=entry_lists)
def test_honest_log_verifies_and_any_tampering_fails(
    data: st.DataObject, entries: list[bytes]
) -> None:
    checkpoint = checkpoint_for(entries)
    verify(checkpoint, entries)
    changed = data.draw(tampered(entries))
    with pytest.raises(VerificationError):
        verify(checkpoint, changed)


@SETTINGS
@given(entries=entry_lists, extra=st.lists(st.binary(max_size=40), max_size=10), data=st.data())
def test_forked_checkpoint_is_refused_by_verify_and_by_the_witness(
    tmp_path_factory: pytest.TempPathFactory,
    entries: list[bytes],
    extra: list[bytes],
    data: st.DataObject,
) -> None:
    old = checkpoint_for(entries)
    grown = entries + [e for e in extra if e not in entries]
    verify(checkpoint_for(grown), grown, previous_checkpoint=old)  # honest growth is fine
    fork = data.draw(tampered(entries).filter(lambda f: f[: len(entries)] != entries))
    fork_cp = checkpoint_for(fork)
    if len(fork) >= len(entries):
        # the fork is internally consistent, but not with what was seen before
        verify(fork_cp, fork)
    with pytest.raises(VerificationError):
        verify(fork_cp, fork, previous_checkpoint=old)
    state = tmp_path_factory.mktemp("witness") / "w.json"
    witness = Witness(WITNESS, WitnessStateFile(state))
    honest_tree = MemoryTree()
    for entry in grown:
        honest_tree.append_leaf_hash(leaf_hash(entry))
    witness.cosign(old, LOG_KEY.verifier(), honest_tree.consistency_proof, 1_778_727_600)
    fork_tree = MemoryTree()
    for entry in fork:
        fork_tree.append_leaf_hash(leaf_hash(entry))
    with pytest.raises(WitnessRefused):
        witness.cosign(fork_cp, LOG_KEY.verifier(), fork_tree.consistency_proof, 1_778_727_600)


# -- a real negotiation: every entry signed by its author ---------------------------------------


@pytest.fixture(scope="module")
def negotiation(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[bytes], bytes]:
    """The example negotiation plus incidents and a movement, checkpointed and cosigned."""
    signers = {
        r: SignerKey.from_seed(r.replace("_", "-"), bytes([i]) * 32) for i, r in enumerate(ROLES)
    }
    store = LogStore.open(str(tmp_path_factory.mktemp("neg") / "log.db"))
    service = AgreementService(store, fixed_clock())
    first, second = example_documents(
        {r: s.verifier().text() for r, s in signers.items()}, EXAMPLE_START
    )
    cid = first["corridor"]
    ceremony(service, signers)
    service.propose(first, signers["intermediary"])
    service.counter(second, signers["party_b"])
    for role in ("party_a", "party_b"):
        service.accept(cid, signers[role])
    for role in ("party_a", "party_b"):
        service.confirm_start(cid, signers[role])
    service.notify_movement(cid, signers["intermediary"], "convoy-1", "12 buses", "09:30")
    service.acknowledge(cid, signers["party_a"], "convoy-1")
    service.report_incident(cid, signers["party_b"], "shots heard near Bridge 7")
    entries = list(store.entries())
    note = parse_note(store.sign_checkpoint(signers["intermediary"]))
    return entries, add_signature(note, LOG_KEY).to_bytes()


@SETTINGS
@given(data=st.data())
def test_any_flipped_byte_in_a_signed_entry_is_caught_even_if_the_log_re_signs(
    negotiation: tuple[list[bytes], bytes], data: st.DataObject
) -> None:
    entries, _ = negotiation
    check_entries(entries)  # honest
    j = data.draw(st.integers(0, len(entries) - 1))
    at = data.draw(st.integers(0, len(entries[j]) - 1))
    changed = list(entries)
    value = bytearray(changed[j])
    value[at] ^= data.draw(st.integers(1, 255))
    changed[j] = bytes(value)
    with pytest.raises(VerificationError):
        verify(checkpoint_for(changed), changed, check_entries=check_entries)


@SETTINGS
@given(data=st.data())
def test_dropped_reordered_or_inserted_entries_fail_against_the_cosigned_checkpoint(
    negotiation: tuple[list[bytes], bytes], data: st.DataObject
) -> None:
    entries, _ = negotiation
    checkpoint = checkpoint_for(entries)
    verify(checkpoint, entries, check_entries=check_entries)
    changed = data.draw(tampered(entries))
    with pytest.raises(VerificationError):
        verify(checkpoint, changed, check_entries=check_entries)


def test_every_byte_of_every_exported_file_matters(
    negotiation: tuple[list[bytes], bytes], tmp_path: Path
) -> None:
    entries, _ = negotiation
    export = tmp_path / "log"
    export_tiles(export, entries, checkpoint_for(entries))
    keys = (LOG_KEY.verifier(), [WITNESS.verifier()])
    verify_directory(export, *keys, check_entries=check_entries)
    files = sorted(p for p in export.rglob("*") if p.is_file())
    n = len(entries)
    assert {str(p.relative_to(export)) for p in files} == {
        "checkpoint",
        f"tile/0/000.p/{n}",
        f"tile/entries/000.p/{n}",
    }
    for path in files:
        original = path.read_bytes()
        for at in range(0, len(original), max(1, len(original) // 31)):
            work = tmp_path / "work"
            shutil.copytree(export, work)
            target = work / path.relative_to(export)
            value = bytearray(original)
            value[at] ^= 0x20
            target.write_bytes(bytes(value))
            with pytest.raises(VerificationError):
                verify_directory(work, *keys, check_entries=check_entries)
            shutil.rmtree(work)
