// Every number and time on the page goes through one of these, so that every number carries its
// unit and is written the reader's way (Intl, in the locale of the chosen language), and every
// time is in the corridor's own time zone, which the page always names.

import { locale, _, ngettext } from "./i18n.js";

let zone; // IANA time zone of the corridor (its agreement names one); the browser's otherwise

export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    zone = tz;
  } catch {
    zone = undefined;
  }
}

export function timeZoneName() {
  return zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function number(n, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(n) || 0);
}

function unit(n, name, digits = 0) {
  const options = { style: "unit", unit: name, unitDisplay: "short", maximumFractionDigits: digits, minimumFractionDigits: digits };
  return new Intl.NumberFormat(locale(), options).format(Number(n) || 0);
}

export function people(n) {
  return ngettext("{n} person", "{n} people", Number(n) || 0);
}

export const kg = (n) => unit(Math.round(Number(n) || 0), "kilogram");
export const km = (n) => unit(n, "kilometer", 1);
export const minutes = (n) => unit(Math.round(Number(n) || 0), "minute");

export function percent(part, whole, digits = 0) {
  if (!whole) return "–";
  const options = { style: "percent", maximumFractionDigits: digits, minimumFractionDigits: digits };
  return new Intl.NumberFormat(locale(), options).format(part / whole);
}

// A duration in milliseconds as "2 h 05 min" / "14 min" / "45 s".
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return _("{s} s", { s });
  const m = Math.floor(s / 60);
  if (m < 60) return _("{m} min", { m });
  return _("{h} h {m} min", { h: Math.floor(m / 60), m: String(m % 60).padStart(2, "0") });
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Operations run on a 24-hour clock whatever the locale: "06:00" is never "6:00 AM".
function when(value, options) {
  const d = toDate(value);
  if (!d) return "–";
  return new Intl.DateTimeFormat(locale(), { hourCycle: "h23", timeZone: zone, ...options }).format(d);
}

export const clock = (v) => when(v, { hour: "2-digit", minute: "2-digit" });
export const clockSeconds = (v) => when(v, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
export const dateTime = (v) => when(v, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
export const day = (v) => when(v, { day: "numeric", month: "short" });

export function coordinate(lat, lon) {
  const la = Number(lat);
  const lo = Number(lon);
  if (!Number.isFinite(la) || !Number.isFinite(lo)) return "–";
  const deg = (x) => new Intl.NumberFormat(locale(), { minimumFractionDigits: 4, maximumFractionDigits: 4 }).format(Math.abs(x));
  const ns = la >= 0 ? _("{deg}° N", { deg: deg(la) }) : _("{deg}° S", { deg: deg(la) });
  const ew = lo >= 0 ? _("{deg}° E", { deg: deg(lo) }) : _("{deg}° W", { deg: deg(lo) });
  return `${ns}, ${ew}`;
}

export function shortHash(hash) {
  const s = String(hash || "");
  return s.length > 12 ? `${s.slice(0, 12)}…` : s || "–";
}

// Words a coordinator reads, from identifiers the API uses (data, not translated).
export function words(s) {
  const text = String(s ?? "").replace(/[_-]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The usual classes of people a scenario names, in the reader's language; any other as it is.
export function peopleClass(id) {
  const known = {
    general: _("General"),
    vulnerable: _("Vulnerable"),
    medical: _("Medical"),
    critical: _("Critically ill"),
  };
  return known[id] || words(id);
}
