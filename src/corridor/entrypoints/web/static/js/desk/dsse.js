// DSSE v1 envelopes, written byte for byte as the CLI writes them (src/corridor/tlog/dsse.py):
// RFC 8785 canonical JSON of {payload, payloadType, signatures: [{keyid, sig}]}, each signature
// over PAE(payloadType, payload) and its keyid the signer's verifier key text.

import { b64, concat, fromUtf8, unb64, utf8 } from "./bytes.js";
import { canonicalJson, canonicalText } from "./canonical.js";

export const IN_TOTO = "application/vnd.in-toto+json";

export function pae(payloadType, payload) {
  const type = utf8(payloadType);
  return concat(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

export function envelopeBytes(payloadType, payload, signatures) {
  const sigs = signatures
    .map((s) => (s.keyid ? `{"keyid":${canonicalText(s.keyid)},"sig":"${b64(s.sig)}"}` : `{"sig":"${b64(s.sig)}"}`))
    .join(",");
  return utf8(`{"payload":"${b64(payload)}","payloadType":${canonicalText(payloadType)},"signatures":[${sigs}]}`);
}

// signer: {verifierText, sign(bytes) -> Promise<Uint8Array>} (keys.js)
export async function signStatement(statement, signer) {
  const payload = canonicalJson(statement);
  const sig = await signer.sign(pae(IN_TOTO, payload));
  return envelopeBytes(IN_TOTO, payload, [{ keyid: signer.verifierText, sig }]);
}

// An envelope's parts, refusing anything that is not its one canonical spelling.
export function parseEnvelope(bytes) {
  const obj = JSON.parse(fromUtf8(bytes));
  const payload = unb64(obj.payload);
  const signatures = (obj.signatures || []).map((s) => ({ keyid: s.keyid || "", sig: unb64(s.sig) }));
  const again = envelopeBytes(obj.payloadType, payload, signatures);
  if (fromUtf8(again) !== fromUtf8(bytes)) throw new Error("the envelope is not in canonical JSON form");
  return { payloadType: obj.payloadType, payload, signatures, statement: JSON.parse(fromUtf8(payload)) };
}

