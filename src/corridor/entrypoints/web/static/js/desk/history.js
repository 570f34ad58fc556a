// Trust, but verify: before the desk signs anything it downloads the whole log, checks every
// entry's signatures, checks that the log's signed checkpoint commits to exactly those entries,
// and that this history extends the checkpoint this party cosigned last (kept on this device).
// A server that shows this party a history the other party has not seen is refused, in words.

import { b64, equal, hex, sha256, unb64 } from "./bytes.js";
import { parseEnvelope } from "./dsse.js";
import { parseVerifier, verify } from "./keys.js";
import { leafHash, rootOf, verifyConsistency } from "./merkle.js";
import { cosign, noteText, openCheckpoint } from "./note.js";
import * as remote from "./remote.js";
import { kindOf } from "./statements.js";
import * as store from "./store.js";
import { pae } from "./dsse.js";

// A refusal to sign: `reason` says what the page found, in a liaison's words.
export class HistoryRefused extends Error {
  constructor(reason, detail = "") {
    super(reason);
    this.reason = reason;
    this.detail = detail;
  }
}

async function download() {
  const out = [];
  for (;;) {
    const page = await remote.entries(out.length);
    for (const e of page.entries) out.push(unb64(e));
    if (page.entries.length < 1000) return out;
  }
}

const verifiers = new Map();
async function verifierOf(text) {
  if (!verifiers.has(text)) verifiers.set(text, await parseVerifier(text));
  return verifiers.get(text);
}

// Every entry decoded, each signature checked under the key its keyid names.
async function readEntries(raw) {
  const messages = [];
  for (const [index, bytes] of raw.entries()) {
    let env;
    try {
      env = parseEnvelope(bytes);
    } catch (err) {
      throw new HistoryRefused("an entry of the log is damaged", `entry ${index}: ${err.message}`);
    }
    const message = pae(env.payloadType, env.payload);
    for (const s of env.signatures) {
      const key = await verifierOf(s.keyid);
      if (!(await verify(key.key, s.sig, message))) {
        throw new HistoryRefused("an entry of the log carries a signature that does not verify", `entry ${index}`);
      }
    }
    const st = env.statement;
    messages.push({
      index,
      kind: kindOf(st.predicateType),
      corridor: st.predicate && st.predicate.corridor,
      author: st.predicate && st.predicate.author,
      predicate: st.predicate || {},
      digest: st.subject && st.subject[0] && st.subject[0].digest.sha256,
      // a version is named by the SHA-256 of its exact signed statement (the payload)
      payloadSha256: hex(await sha256(env.payload)),
      signers: env.signatures.map((s) => s.keyid),
    });
  }
  return messages;
}

// What the verified entries say about one corridor: its keys, versions, acceptances, movements.
export function replay(messages, corridorId) {
  const out = { keys: {}, versions: [], accepted: {}, movements: {}, opened: false };
  for (const m of messages) {
    if (m.corridor !== corridorId) continue;
    const p = m.predicate;
    if (m.kind === "opening") {
      out.opened = true;
      out.keys.intermediary = p.key;
      out.organisations = p.organisations;
    } else if (m.kind === "key-confirmation" || m.kind === "key-rotation") {
      if (m.kind === "key-confirmation" || p.role !== "intermediary") out.keys[p.role] = p.key;
      if (m.kind === "key-rotation" && p.role === "intermediary") out.keys.intermediary = p.key;
    } else if (m.kind === "proposal" || m.kind === "counter-proposal") {
      out.versions.push({ number: out.versions.length + 1, hash: m.payloadSha256, document: p.document, author: m.author, index: m.index });
    } else if (m.kind === "acceptance") {
      out.accepted[m.author] = p.version;
    } else if (m.kind === "movement") {
      out.movements[p.movement] = { ...p, index: m.index, acknowledged_by: [] };
    } else if (m.kind === "acknowledgement" && out.movements[p.movement]) {
      out.movements[p.movement].acknowledged_by.push(m.author);
    }
  }
  out.latest = out.versions[out.versions.length - 1] || null;
  return out;
}

// Check the server's log against what this key has seen. Returns {messages, head, note,
// checkpoint, logKey, memory, said} or throws HistoryRefused. `said` tells what was checked.
export async function check(signer) {
  const memory = await store.witnessOf(signer.verifierText);
  const pinned = Object.values(memory).map((m) => m.log_key)[0];
  const logKey = await parseVerifier(pinned || (await remote.logKey()).trim());
  try {
    await remote.signCheckpoint(); // have the log cover every entry; a refusal here is no fault
  } catch {
    /* the latest checkpoint is still checked below */
  }
  const raw = await download();
  const leaves = [];
  for (const e of raw) leaves.push(await leafHash(e));
  const messages = await readEntries(raw);
  const head = raw.length ? { index: raw.length - 1, leaf_hash: hex(leaves[raw.length - 1]) } : null;
  const last = memory[logKey.name];
  let cpText = null;
  try {
    cpText = await remote.checkpoint();
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  if (cpText === null) {
    if (last) throw new HistoryRefused(`the server shows no signed checkpoint, though you have seen one of ${last.size} entries`);
    return { messages, head, note: null, checkpoint: null, logKey, memory, said: "no signed checkpoint yet: nothing shows that the server sent every entry" };
  }
  let opened;
  try {
    opened = await openCheckpoint(cpText, logKey);
  } catch (err) {
    throw new HistoryRefused("the log's checkpoint is not signed by the log key you know", err.message);
  }
  const { note, checkpoint } = opened;
  if (raw.length < checkpoint.size) {
    throw new HistoryRefused(`the server sent ${raw.length} entries but its checkpoint counts ${checkpoint.size}: some are held back`);
  }
  if (!equal(await rootOf(leaves.slice(0, checkpoint.size)), checkpoint.rootHash)) {
    throw new HistoryRefused("the entries the server sent are not the ones its checkpoint commits to");
  }
  if (last && last.size > 0) {
    const root = unb64(last.root);
    if (checkpoint.size < last.size) {
      throw new HistoryRefused(
        `the server's history has ${checkpoint.size} entries, fewer than the ${last.size} you confirmed before: it does not extend what you have seen`,
      );
    }
    try {
      const proof = await remote.consistency(last.size, checkpoint.size);
      await verifyConsistency(last.size, checkpoint.size, proof.proof.map(unb64), root, checkpoint.rootHash);
    } catch (err) {
      throw new HistoryRefused(
        `the server's history does not extend the ${last.size} entries you confirmed before: it may be showing you a different history from the other party's`,
        err.message,
      );
    }
  }
  const said = last && last.size > 0
    ? `the server's ${checkpoint.size} checkpointed entries are complete, and extend the ${last.size} you confirmed`
    : `the server's ${checkpoint.size} checkpointed entries are complete (the first checkpoint you check)`;
  return { messages, head, note, checkpoint, logKey, memory, said };
}

// Cosign the checked checkpoint as this party's witness (parties only), then remember it.
export async function cosignChecked(signer, checked, asWitness) {
  if (!checked.checkpoint) return false;
  const { note, checkpoint, logKey, memory } = checked;
  const last = memory[checkpoint.origin];
  if (asWitness && (!last || last.size !== checkpoint.size || last.root !== b64(checkpoint.rootHash) || !last.cosigned)) {
    const cosigned = await cosign(note, signer, Math.floor(Date.now() / 1000));
    await remote.cosignature(noteText(cosigned), signer.verifierText);
  }
  memory[checkpoint.origin] = {
    size: checkpoint.size,
    root: b64(checkpoint.rootHash),
    log_key: logKey.text,
    time: Math.floor(Date.now() / 1000),
    cosigned: Boolean(asWitness),
  };
  await store.saveWitness(signer.verifierText, memory);
  return true;
}
