// Every number on the page goes through one of these, so that every number carries its unit.

let zone; // IANA time zone of the corridor (its agreement names one); the browser's otherwise

export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    zone = tz;
  } catch {
    zone = undefined;
  }
}

export function timeZoneName() {
  return zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const nf = new Intl.NumberFormat("en-GB");

export function people(n) {
  const v = Number(n) || 0;
  return `${nf.format(v)} ${v === 1 ? "person" : "people"}`;
}

export function count(n, one, many) {
  const v = Number(n) || 0;
  return `${nf.format(v)} ${v === 1 ? one : many}`;
}

export function kg(n) {
  return `${nf.format(Math.round(Number(n) || 0))} kg`;
}

export function km(n) {
  return `${(Number(n) || 0).toFixed(1)} km`;
}

export function minutes(n) {
  return `${nf.format(Math.round(Number(n) || 0))} min`;
}

export function percent(part, whole) {
  if (!whole) return "–";
  return `${Math.round((100 * part) / whole)} %`;
}

// A duration in milliseconds as "2 h 05 min" / "14 min" / "45 s".
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, "0")} min`;
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function clock(value) {
  const d = toDate(value);
  if (!d) return "–";
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  }).format(d);
}

export function clockSeconds(value) {
  const d = toDate(value);
  if (!d) return "–";
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone: zone,
  }).format(d);
}

export function dateTime(value) {
  const d = toDate(value);
  if (!d) return "–";
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  }).format(d);
}

export function coordinate(lat, lon) {
  const la = Number(lat);
  const lo = Number(lon);
  if (!Number.isFinite(la) || !Number.isFinite(lo)) return "–";
  return `${Math.abs(la).toFixed(4)}° ${la >= 0 ? "N" : "S"}, ${Math.abs(lo).toFixed(4)}° ${lo >= 0 ? "E" : "W"}`;
}

export function shortHash(h) {
  const s = String(h || "");
  return s.length > 12 ? `${s.slice(0, 12)}…` : s || "–";
}

// Build DOM without innerHTML, so that no text from the server is ever parsed as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Words a coordinator reads, from identifiers the API uses.
export function words(s) {
  const t = String(s ?? "").replace(/[_-]+/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}
