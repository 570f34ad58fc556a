// The party's Ed25519 key, in the C2SP signed-note forms the CLI uses (src/corridor/tlog/keys.py,
// docs/log.md "Keys"). The private key is a WebCrypto key made non-extractable: the page can
// sign with it, and nothing (not this page, not a script injected into it) can read it out.

import { b64, concat, hex, sha256, unb64, utf8 } from "./bytes.js";

const ED25519 = { name: "Ed25519" };
const ALG_ED25519 = 0x01;
const ALG_COSIGNATURE = 0x04;
// PKCS #8 wrapping of a 32-byte Ed25519 seed (RFC 8410): what importKey("pkcs8") takes.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

export function validName(name) {
  return typeof name === "string" && name.length > 0 && !name.includes("+") && !/\s/u.test(name);
}

// SHA-256(name || LF || alg || public key)[:4]
export async function keyId(name, alg, publicRaw) {
  return (await sha256(concat(utf8(name), utf8("\n"), Uint8Array.of(alg), publicRaw))).slice(0, 4);
}

export async function verifierText(name, publicRaw) {
  const id = await keyId(name, ALG_ED25519, publicRaw);
  return `${name}+${hex(id)}+${b64(concat(Uint8Array.of(ALG_ED25519), publicRaw))}`;
}

export async function cosignerText(name, publicRaw) {
  const id = await keyId(name, ALG_COSIGNATURE, publicRaw);
  return `${name}+${hex(id)}+${b64(concat(Uint8Array.of(ALG_COSIGNATURE), publicRaw))}`;
}

// What the officers read out at the key ceremony: the first 16 bytes of SHA-256 of the
// verifier key's text, in 8 groups of 4 hex digits (src/corridor/domain/keyring.py).
export async function fingerprint(text) {
  const digest = hex(await sha256(utf8(text))).slice(0, 32);
  return digest.match(/.{4}/g).join(" ");
}

// A verifier key's text -> {name, publicRaw, key (CryptoKey)}; refuses a wrong hash.
export async function parseVerifier(text) {
  const parts = String(text).trim().split("+");
  if (parts.length < 3) throw new Error(`not a verifier key: ${String(text).slice(0, 60)}`);
  const [name, id] = parts;
  const raw = unb64(parts.slice(2).join("+"));
  if (raw.length !== 33 || raw[0] !== ALG_ED25519 || !validName(name)) {
    throw new Error(`not an Ed25519 verifier key: ${String(text).slice(0, 60)}`);
  }
  const publicRaw = raw.slice(1);
  if (hex(await keyId(name, ALG_ED25519, publicRaw)) !== id) {
    throw new Error(`the key hash of ${name} does not match its key`);
  }
  const key = await crypto.subtle.importKey("raw", publicRaw, ED25519, true, ["verify"]);
  return { name, publicRaw, key, text: String(text).trim() };
}

export async function verify(publicKey, signature, message) {
  if (signature.length !== 64) return false;
  return crypto.subtle.verify(ED25519, publicKey, signature, message);
}

// A signer as the other modules use it: {name, verifierText, publicRaw, privateKey, sign()}.
export async function signerFrom(record) {
  return {
    ...record,
    sign: async (message) => new Uint8Array(await crypto.subtle.sign(ED25519, record.privateKey, message)),
  };
}

// A new key pair made on this device; the private half can never be exported.
export async function generate(name) {
  if (!validName(name)) throw new Error(`key name ${JSON.stringify(name)}: no spaces and no "+"`);
  const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { name, publicRaw, privateKey: pair.privateKey, verifierText: await verifierText(name, publicRaw) };
}

// A CLI key file's text (PRIVATE+KEY+name+hash+base64(0x01 || seed)) imported once into a
// non-extractable key. The public half is read from a short-lived extractable copy, then that
// copy is dropped; the file's hash must match the key it holds.
export async function importSignerText(text) {
  const parts = String(text).trim().split("+");
  if (parts.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new Error("not a corridor private key file (it starts with PRIVATE+KEY+)");
  }
  const [, , name, id] = parts;
  const raw = unb64(parts.slice(4).join("+"));
  if (raw.length !== 33 || raw[0] !== ALG_ED25519 || !validName(name)) {
    throw new Error("not an Ed25519 private key file");
  }
  const pkcs8 = concat(PKCS8_PREFIX, raw.slice(1));
  const once = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", once);
  const publicRaw = unb64(jwk.x.replace(/-/g, "+").replace(/_/g, "/").padEnd(44, "="));
  if (hex(await keyId(name, ALG_ED25519, publicRaw)) !== id) {
    throw new Error(`the key hash in the file does not match the key of ${name}`);
  }
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
  pkcs8.fill(0);
  raw.fill(0);
  return { name, publicRaw, privateKey, verifierText: await verifierText(name, publicRaw) };
}
