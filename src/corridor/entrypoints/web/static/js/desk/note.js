// C2SP signed notes, checkpoints and cosignatures (cosignature/v1), as src/corridor/tlog/note.py.

import { b64, concat, equal, fromUtf8, unb64, utf8 } from "./bytes.js";
import { keyId, verify } from "./keys.js";

const SIG_PREFIX = "\u2014 "; // EM DASH, space

export function parseNote(text) {
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new Error("malformed note: a control character");
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new Error("malformed note: no empty line before the signatures");
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (!block.endsWith("\n")) throw new Error("malformed note: no signature lines");
  const signatures = block
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      if (!line.startsWith(SIG_PREFIX)) throw new Error(`malformed note: unexpected line ${line.slice(0, 40)}`);
      const fields = line.slice(SIG_PREFIX.length).split(" ");
      if (fields.length !== 2) throw new Error(`malformed note: bad signature line ${line.slice(0, 40)}`);
      const raw = unb64(fields[1]);
      if (raw.length < 5) throw new Error(`malformed note: the signature of ${fields[0]} is too short`);
      return { name: fields[0], keyId: raw.slice(0, 4), body: raw.slice(4) };
    });
  return { text: body, signatures };
}

export function noteText(note) {
  return note.text + "\n" + note.signatures.map((s) => `${SIG_PREFIX}${s.name} ${b64(concat(s.keyId, s.body))}\n`).join("");
}

export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") throw new Error("a checkpoint needs origin, size and root hash lines");
  const [origin, size, root] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(size)) throw new Error(`checkpoint: tree size ${size} is not a decimal`);
  const rootHash = unb64(root);
  if (rootHash.length !== 32) throw new Error("checkpoint: the root hash is not 32 bytes");
  return { origin, size: Number(size), rootHash };
}

// A checkpoint signed by the log's key (parseVerifier result): {note, checkpoint}, or throws.
export async function openCheckpoint(text, logKey) {
  const note = parseNote(text);
  const id = await keyId(logKey.name, 0x01, logKey.publicRaw);
  const mine = note.signatures.filter((s) => s.name === logKey.name && equal(s.keyId, id));
  if (!mine.length) throw new Error(`the checkpoint is not signed by the log key ${logKey.name}`);
  for (const s of mine) {
    if (!(await verify(logKey.key, s.body, utf8(note.text)))) throw new Error("the log's signature on the checkpoint does not verify");
  }
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== logKey.name) throw new Error(`checkpoint origin ${checkpoint.origin} is not the log key's name`);
  return { note, checkpoint };
}

export const cosignedMessage = (text, timestamp) => utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);

// The note with this witness's cosignature added (replacing an earlier one by the same key).
export async function cosign(note, signer, timestamp) {
  const id = await keyId(signer.name, 0x04, signer.publicRaw);
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(timestamp));
  const sig = await signer.sign(cosignedMessage(note.text, timestamp));
  const kept = note.signatures.filter((s) => !(s.name === signer.name && equal(s.keyId, id)));
  return { text: note.text, signatures: [...kept, { name: signer.name, keyId: id, body: concat(time, sig) }] };
}

export const decodeNote = (bytes) => parseNote(fromUtf8(bytes));
