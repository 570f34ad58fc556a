// RFC 8785 (JSON Canonicalization Scheme): the bytes every statement is signed as, the same as
// the CLI's (src/corridor/tlog/canonical.py). JCS writes numbers and strings exactly as
// ECMAScript's JSON.stringify does and sorts object keys by their UTF-16 code units, which is
// what Array.prototype.sort does to strings by default.

import { utf8 } from "./bytes.js";

export function canonicalText(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (!value.isWellFormed()) throw new Error("a string with a lone surrogate has no canonical form");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${canonicalText(k)}:${canonicalText(value[k])}`).join(",")}}`;
  }
  throw new Error(`a ${typeof value} has no JSON form`);
}

export const canonicalJson = (value) => utf8(canonicalText(value));
