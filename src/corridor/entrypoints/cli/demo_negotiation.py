"""The demo's scripted negotiation, over the real HTTP API: the key ceremony, two versions, both
acceptances and ceasefire confirmations, then a checkpoint both parties cosign.

Each side signs with its own demo key "on its own machine" and sends with its own token: the
coordinator for the intermediary, each party's liaison for its party (the server refuses any
other sender). Every statement follows the log entry its signer read last.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIME_ZONE = "Europe/Andorra"
SIDES = (("party_a", "liaison-a"), ("party_b", "liaison-b"))


class Negotiation:
    """One scripted negotiation: ``c`` is the demo's checked HTTP client (``call``)."""

    def __init__(
        self, c: Any, keys_dir: Path, clock: Callable[[], dt.datetime], say: Callable[[str], None]
    ) -> None:
        from corridor.adapters.key_files import write_key_pair
        from corridor.domain.proposal import ROLES
        from corridor.tlog.keys import SignerKey

        self.c, self.keys_dir, self.clock, self.say = c, keys_dir, clock, say
        self.signers = {r: SignerKey.generate(r.replace("_", "-")) for r in ROLES}
        for signer in self.signers.values():
            write_key_pair(signer, keys_dir)
        self.keys = {r: s.verifier_text for r, s in self.signers.items()}

    def head(self) -> Any:
        """What a statement signed now follows: the last entry of the log as downloaded."""
        from corridor.services import negotiation

        entries: list[bytes] = []
        while True:
            page = self.c.call(
                "log", "observer", "GET", "/v1/log/entries", params={"start": len(entries)}
            )["entries"]
            entries += [base64.b64decode(e) for e in page]
            if len(page) < 1000:
                return negotiation.head_of(entries)

    def post(self, who: str, envelope: bytes, what: str) -> None:
        out = self.c.call(
            what,
            who,
            "POST",
            "/v1/agreement/envelopes",
            content=envelope,
            headers={"content-type": "application/json"},
        )
        self.say(f"   log entry {out['index']}: {out['kind']} by {out['author']}")

    def ceremony(self, corridor: str, organisations: dict[str, str]) -> None:
        """Open the corridor; each party registers its key; the coordinator confirms each by
        the fingerprint the party's officer reads out."""
        from corridor.domain.keyring import fingerprint
        from corridor.services import negotiation

        intermediary = self.signers["intermediary"]
        opening = negotiation.opening(
            corridor, organisations, intermediary, self.clock(), self.head()
        )
        self.post("coordinator", opening, "open")
        for role, who in SIDES:
            signer = self.signers[role]
            envelope = negotiation.key_registration(
                corridor, role, signer, self.clock(), self.head()
            )
            self.post(who, envelope, "register key")
        for role, _ in SIDES:
            self.say(f"     {role}'s officer reads out {fingerprint(self.keys[role])}")
            envelope = negotiation.key_confirmation(
                corridor, role, self.keys[role], intermediary, self.clock(), self.head()
            )
            self.post("coordinator", envelope, "confirm key")

    def agree(self, scenario: dict[str, Any], organisations: dict[str, str]) -> str:
        """Both versions, both acceptances and confirmations: the corridor's id."""
        from corridor.domain.agreement import Kind
        from corridor.domain.proposal import diff
        from corridor.services import negotiation

        inst = scenario["instance"]
        opening, closing = inst["window"]["open"], inst["window"]["close"]
        first = negotiation.document_for_scenario(
            scenario, self.keys, time_zone=TIME_ZONE, max_vehicles=20
        )
        corridor = str(first["corridor"])
        self.ceremony(corridor, organisations)
        proposal = negotiation.proposal(
            first, self.signers["intermediary"], self.clock(), self.head()
        )
        self.post("coordinator", proposal, "proposal")
        url = f"/v1/corridors/{corridor}"
        v1 = self.c.call("corridor", "liaison-b", "GET", url)["versions"][0]
        second = negotiation.document_for_scenario(
            scenario,
            self.keys,
            time_zone=TIME_ZONE,
            max_vehicles=16,
            window=(opening, closing - 120),
        )
        counter = negotiation.counter(
            second, self.signers["party_b"], 1, v1["hash"], self.clock(), self.head()
        )
        self.post("liaison-b", counter, "counter")
        for line in diff(first, {**second, "version": 2}):
            self.say(f"     - {line}")
        v2 = self.c.call("corridor", "liaison-a", "GET", url)["versions"][1]
        for kind in (Kind.ACCEPTANCE, Kind.CEASEFIRE_START):
            for role, who in SIDES:
                envelope = negotiation.on_version(
                    kind, corridor, self.signers[role], 2, v2["hash"], self.clock(), self.head()
                )
                self.post(who, envelope, kind.value)
        state = self.c.call("corridor", "observer", "GET", url)
        self.say(f"   status: {state['description']}; ready: {state['ready']}")
        return corridor

    def suspend(self, corridor: str, role: str, reason: str) -> None:
        """``role`` (a party, or the intermediary) suspends the corridor, signed with its key."""
        self._on_latest(corridor, "suspension", role, reason=reason)

    def resume(self, corridor: str) -> None:
        """Both parties sign the resumption; the corridor resumes with the second."""
        for role, _ in SIDES:
            self._on_latest(corridor, "resumption", role)

    def _on_latest(self, corridor: str, kind_name: str, role: str, **extra: Any) -> None:
        from corridor.domain.agreement import Kind
        from corridor.services import negotiation

        state = self.c.call("corridor", "observer", "GET", f"/v1/corridors/{corridor}")
        latest = state["versions"][-1]
        who = dict(SIDES).get(role, "coordinator")
        envelope = negotiation.on_version(
            Kind(kind_name), corridor, self.signers[role], latest["number"], latest["hash"],
            self.clock(), self.head(), **extra,
        )  # fmt: skip
        self.post(who, envelope, kind_name)

    def witness(self) -> None:
        """The log signs a checkpoint; each party cosigns it with its own key (its witness
        memory, beside the key, is the one ``corridor log cosign`` reads)."""
        from corridor.adapters.witness_state import WitnessStateFile
        from corridor.tlog.keys import VerifierKey
        from corridor.tlog.witness import Witness, state_path_for

        note = self.c.call("checkpoint", "coordinator", "POST", "/v1/log/checkpoint")
        log_key = VerifierKey.parse(
            self.c.call("log key", "observer", "GET", "/v1/log/key").strip()
        )
        for role, who in SIDES:
            signer = self.signers[role]
            state = WitnessStateFile(state_path_for(self.keys_dir / f"{signer.name}.key"))
            witness = Witness(signer, state)

            def proof(a: int, b: int, who: str = who) -> list[bytes]:
                params = {"first": a, "second": b}
                got = self.c.call("proof", who, "GET", "/v1/log/proof/consistency", params=params)
                return [base64.b64decode(h) for h in got["proof"]]

            when = int(self.clock().timestamp())
            cosigned = witness.cosign(note.encode(), log_key, proof, when)
            body = {"note": cosigned.to_bytes().decode(), "witness_key": self.keys[role]}
            self.c.call("cosign", who, "POST", "/v1/log/cosignatures", json=body)
        self.say("   the log signed a checkpoint; both parties cosigned it as witnesses")
