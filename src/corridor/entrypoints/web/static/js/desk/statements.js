// The statements a participant signs, as src/corridor/domain/statement.py and
// src/corridor/services/signing.py build them: an in-toto Statement v1 naming the corridor,
// the author (the signing key's name), the time and the log entry the author read last.

import { hex, sha256, utf8 } from "./bytes.js";
import { canonicalJson } from "./canonical.js";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const predicateType = (kind) => `urn:corridor:${kind}:v2`;
export const kindOf = (type) => (/^urn:corridor:(.+):v2$/.exec(type || "") || [])[1] || null;

// "2026-12-06T05:00:00Z": the CLI's stamp() (seconds, UTC).
export const stamp = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

export function statement(kind, corridor, author, at, subjectDigest, body, follows, subjectName = null) {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName || `corridor:${corridor}`, digest: { sha256: subjectDigest } }],
    predicateType: predicateType(kind),
    predicate: { corridor, author, at, follows: follows || null, ...body },
  };
}

export const keyDigest = async (keyText) => hex(await sha256(utf8(keyText)));
export const documentDigest = async (doc) => hex(await sha256(canonicalJson(doc)));
