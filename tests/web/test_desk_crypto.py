"""The desk's cryptography, run in Chromium against the CLI's: an envelope the browser signs
is the CLI's byte for byte (Ed25519 is deterministic, so the signatures match too, and verify);
a key made in the browser is one the CLI reads, with the same fingerprint; the private key
cannot be exported, whether made in the browser or imported from a CLI key file; the
browser's RFC 9162 proof code passes every vector in data/vectors/merkle."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from corridor.domain.keyring import fingerprint
from corridor.domain.statement import Follows, Kind, statement
from corridor.services.entries import sign_statement
from corridor.tlog import dsse
from corridor.tlog.canonical import canonical_json, sha256_hex
from corridor.tlog.keys import SignerKey, VerifierKey

from .conftest import ROOT, Dashboard, Server

pytestmark = pytest.mark.browser

VECTORS = ROOT / "data" / "vectors" / "merkle"
M = "/js/desk/"


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    tab = Dashboard(browser, server, (1024, 768))
    tab.page.goto(server.url + "/desk.html")
    yield tab.page
    assert not tab.errors, tab.errors
    assert not tab.outside, tab.outside
    tab.close()


DOCUMENT: dict[str, Any] = {
    "corridor": "eastbrook-westford-1",
    "version": 2,
    "supersedes": "ab" * 32,
    "route": {
        "type": "LineString",
        "coordinates": [[24.0312, 50.4501], [24.1, 50.5], [1e-7, 1e21]],
    },
    "window": {"start": "2026-12-06T09:00", "duration_hours": 4.5, "time_zone": "Europe/Kyiv"},
    "vehicle_markings": 'білий прапор, «red cross» \u2014 \U0001f691 "quoted" \\ back\tslash',
    "max_vehicles": 30,
    "goods_in": ["food", "medicine"],
    "destinations": {"chosen_by_evacuees": True, "options": ["Західний центр"]},
    "evacuee_rights": {"voluntary": True, "special_care": None},
}


def browser_envelope(page: Any, key: SignerKey, stmt: dict[str, Any]) -> bytes:
    """The CLI's key file imported into the page, the same statement signed there."""
    out = page.evaluate(
        """async ([keyText, stmt]) => {
          const keys = await import('/js/desk/keys.js');
          const dsse = await import('/js/desk/dsse.js');
          const { b64 } = await import('/js/desk/bytes.js');
          const signer = await keys.signerFrom(await keys.importSignerText(keyText));
          return b64(await dsse.signStatement(stmt, signer));
        }""",
        [key.text(), stmt],
    )
    return base64.b64decode(out)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (Kind.COUNTER, {"document": DOCUMENT}),
        (Kind.ACCEPTANCE, {"version": 2}),
        (Kind.INCIDENT, {"version": 2, "description": "shelling", "location": [1.5721, 42.5378]}),
    ],
)
def test_a_browser_envelope_is_the_clis_byte_for_byte(page: Any, kind: Kind, body: Any) -> None:
    key = SignerKey.generate("party-b")
    digest = sha256_hex(canonical_json(DOCUMENT))
    follows = Follows(7, "cd" * 32)
    stmt = statement(
        kind,
        "eastbrook-westford-1",
        "party-b",
        "2026-12-06T05:00:00Z",
        digest,
        body,
        follows=follows,
    )
    cli = sign_statement(stmt, key)
    made = browser_envelope(page, key, stmt)
    assert made == cli
    env = dsse.parse(made)
    dsse.verify(env, key.verifier())
    # and the statement the browser builds itself is the same statement
    again = page.evaluate(
        """async ([kind, body, digest]) => {
          const s = await import('/js/desk/statements.js');
          const follows = {index: 7, leaf_hash: 'cd'.repeat(32)};
          return s.statement(kind, 'eastbrook-westford-1', 'party-b', '2026-12-06T05:00:00Z',
                             digest, body, follows);
        }""",
        [kind.value, body, digest],
    )
    assert canonical_json(again) == canonical_json(stmt)


def test_a_key_made_in_the_browser_is_one_the_cli_reads(page: Any) -> None:
    made = page.evaluate(
        """async () => {
          const keys = await import('/js/desk/keys.js');
          const { b64, utf8 } = await import('/js/desk/bytes.js');
          const signer = await keys.signerFrom(await keys.generate('party-a'));
          const sig = await signer.sign(utf8('DSSEv1 4 test 5 hello'));
          return {text: signer.verifierText, fp: await keys.fingerprint(signer.verifierText),
                  cosigner: await keys.cosignerText('party-a', signer.publicRaw), sig: b64(sig)};
        }"""
    )
    key = VerifierKey.parse(made["text"])
    assert made["fp"] == fingerprint(made["text"])
    assert made["cosigner"] == key.cosigner_text()
    assert key.verify(base64.b64decode(made["sig"]), b"DSSEv1 4 test 5 hello")


def test_the_private_key_cannot_be_exported(page: Any) -> None:
    cli_key = SignerKey.generate("party-a")
    refused = page.evaluate(
        """async (cliText) => {
          const keys = await import('/js/desk/keys.js');
          const store = await import('/js/desk/store.js');
          await store.saveKey('export-test-made', await keys.generate('party-a'));
          await store.saveKey('export-test-imported', await keys.importSignerText(cliText));
          const out = [];
          for (const id of ['export-test-made', 'export-test-imported']) {
            const kept = await store.keyFor(id);  // as the desk reads it back from IndexedDB
            out.push(`${id}: extractable=${kept.privateKey.extractable}`);
            for (const format of ['pkcs8', 'jwk', 'raw']) {
              try {
                await crypto.subtle.exportKey(format, kept.privateKey);
                out.push(`${id} ${format}: EXPORTED`);
              } catch (err) {
                out.push(`${id} ${format}: ${err.name}`);
              }
            }
          }
          return out;
        }""",
        cli_key.text(),
    )
    assert refused == [
        "export-test-made: extractable=false",
        "export-test-made pkcs8: InvalidAccessError",
        "export-test-made jwk: InvalidAccessError",
        "export-test-made raw: InvalidAccessError",
        "export-test-imported: extractable=false",
        "export-test-imported pkcs8: InvalidAccessError",
        "export-test-imported jwk: InvalidAccessError",
        "export-test-imported raw: InvalidAccessError",
    ]


def vectors() -> list[tuple[str, dict[str, Any]]]:
    found = sorted(VECTORS.rglob("*.json"))
    return [
        (str(p.relative_to(VECTORS)), json.loads(p.read_text()))
        for p in found
        if p.name != "reference-tree.json"
    ]


def test_the_browsers_merkle_proofs_pass_the_rfc_9162_vectors(page: Any) -> None:
    cases = vectors()
    assert len(cases) > 150
    verdicts = page.evaluate(
        """async (cases) => {
          const m = await import('/js/desk/merkle.js');
          const raw = (t) => Uint8Array.from(atob(t || ''), (c) => c.charCodeAt(0));
          const out = {};
          for (const [name, v] of cases) {
            const proof = (v.proof || []).map(raw);
            try {
              if (name.startsWith('inclusion')) {
                await m.verifyInclusion(v.leafIdx, v.treeSize, raw(v.leafHash), proof, raw(v.root));
              } else {
                await m.verifyConsistency(v.size1, v.size2, proof, raw(v.root1), raw(v.root2));
              }
              out[name] = false;
            } catch (err) {
              out[name] = true;
            }
          }
          return out;
        }""",
        cases,
    )
    wrong = [name for name, v in cases if verdicts[name] != v["wantErr"]]
    assert not wrong, wrong
    # both kinds were run, and both verdicts occur
    assert {n.split("/")[0] for n, _ in cases} == {"inclusion", "consistency"}
    assert set(verdicts.values()) == {True, False}


def test_the_browsers_tree_root_is_the_reference_trees(page: Any) -> None:
    ref = json.loads((VECTORS / "reference-tree.json").read_text())
    roots = page.evaluate(
        """async (leaves) => {
          const m = await import('/js/desk/merkle.js');
          const { hex } = await import('/js/desk/bytes.js');
          const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
          const hashed = [];
          for (const l of leaves) hashed.push(await m.leafHash(bytes(l)));
          const out = [];
          for (let n = 0; n <= hashed.length; n++) {
            out.push(hex(await m.rootOf(hashed.slice(0, n))));
          }
          return out;
        }""",
        ref["leafInputs"],
    )
    assert roots == ref["rootHashesBySize"]["roots"]
