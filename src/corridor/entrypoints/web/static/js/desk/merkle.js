// RFC 9162 Merkle tree hashing and proof verification, as src/corridor/tlog/merkle.py: leaf =
// SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right). Each verify* throws an Error
// naming the problem, or returns when the proof holds.

import { concat, equal, sha256 } from "./bytes.js";

const HASH = 32;

export const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
export const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

function checkHash(what, value) {
  if (!(value instanceof Uint8Array) || value.length !== HASH) {
    throw new Error(`${what} is ${value ? value.length : 0} bytes long, not ${HASH}`);
  }
}

// The root of the tree whose leaf hashes are given (RFC 9162 2.1.1, MTH).
export async function rootOf(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array());
  let level = leaves.slice();
  // Fold pairs left to right; an odd last node is carried up: the same tree as MTH's split at
  // the largest power of two below n.
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(await nodeHash(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

export async function verifyInclusion(index, size, leaf, proof, root) {
  const what = `inclusion proof of leaf ${index} in tree ${size}`;
  if (!(index >= 0 && index < size)) throw new Error(`${what}: the leaf index is outside the tree`);
  checkHash(`${what}: leaf hash`, leaf);
  checkHash(`${what}: root hash`, root);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    checkHash(`${what}: proof element`, p);
    if (sn === 0) throw new Error(`${what}: the proof is too long`);
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error(`${what}: the proof is too short`);
  if (!equal(r, root)) throw new Error(`${what}: the computed root does not match`);
}

export async function verifyConsistency(size1, size2, proof, root1, root2) {
  const what = `consistency proof from tree ${size1} to tree ${size2}`;
  if (!(size1 > 0 && size1 <= size2)) throw new Error(`${what}: the sizes are not 0 < size1 <= size2`);
  if (size1 === size2) {
    if (proof.length) throw new Error(`${what}: the proof must be empty for equal sizes`);
    if (!equal(root1, root2)) throw new Error(`${what}: the roots differ for equal sizes`);
    return;
  }
  if (!proof.length) throw new Error(`${what}: the proof is empty`);
  checkHash(`${what}: first root`, root1);
  checkHash(`${what}: second root`, root2);
  for (const p of proof) checkHash(`${what}: proof element`, p);
  const path = proof.slice();
  if ((size1 & (size1 - 1)) === 0) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new Error(`${what}: the proof is too long`);
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error(`${what}: the proof is too short`);
  if (!equal(fr, root1)) throw new Error(`${what}: the proof does not reproduce the first root`);
  if (!equal(sr, root2)) throw new Error(`${what}: the proof does not reproduce the second root`);
}
