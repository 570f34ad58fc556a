// A proposal's terms in plain words, every one of them, and the form that writes the next
// version. The form reads back exactly the document it was given, with the officer's changes;
// the service checks it as the CLI does (POST /v1/corridors/{id}/drafts/check).

import { h } from "../dom.js";
import { _ } from "../i18n.js";

const say = (v) => (v === undefined || v === null || v === "" ? _("(not written)") : String(v));
const val = (v) => h("span", { translate: "no" }, say(v));

export function windowWords(view, doc, locale) {
  const w = view && view.window;
  const zone = (doc && doc.window && doc.window.time_zone) || (w && w.time_zone);
  if (!w) return say(doc && doc.window && doc.window.start);
  const fmt = new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  return _("{opens} to {closes}, {zone} time", { opens: fmt.format(new Date(w.opens)), closes: fmt.format(new Date(w.closes)), zone });
}

export function termsList(doc, view, locale) {
  const d = doc || {};
  const rows = [];
  const add = (term, ...value) => rows.push(h("dt", {}, term), h("dd", {}, ...value));
  const parties = d.participants || {};
  add(_("Corridor"), val(d.corridor));
  add(_("Version"), val(d.version));
  add(_("Party A"), val(parties.party_a && parties.party_a.name));
  add(_("Party B"), val(parties.party_b && parties.party_b.name));
  add(_("Window"), windowWords(view, d, locale));
  add(_("Route"), d.route && d.route.coordinates ? _("{n} points", { n: d.route.coordinates.length }) : say(null));
  add(
    _("Checkpoints"),
    h("ul", {}, ((d.checkpoints || []).map((c) => h("li", {}, val(c.name), ` (${say(c.controlled_by)})`)))),
  );
  add(_("Ceasefire area"), d.ceasefire_area ? _("a polygon of {n} points", { n: (d.ceasefire_area.coordinates || [[]])[0].length }) : say(null));
  add(_("Who may use it"), h("ul", {}, (d.users || []).map((u) => h("li", { translate: "no" }, `${u.kind}: ${u.direction}`))));
  add(_("Destinations"), val(((d.destinations && d.destinations.options) || []).join(", ")));
  add(_("What may go in"), val((d.goods_in || []).join(", ")));
  add(_("Vehicle markings"), val(d.vehicle_markings));
  add(_("Largest number of vehicles"), val(d.max_vehicles));
  add(_("Notice before a movement (minutes)"), val(d.notification_lead_minutes));
  add(_("Care for the sick, wounded, elderly and children"), val(d.evacuee_rights && d.evacuee_rights.special_care));
  add(_("What a violation does"), val(d.on_violation && d.on_violation.suspension));
  add(_("Who may suspend"), val(((d.on_violation && d.on_violation.who_may_suspend) || []).join(", ")));
  add(_("How it resumes"), val(d.on_violation && d.on_violation.resumption));
  return h("dl", { class: "terms" }, rows);
}

const FIELDS = [
  ["window_start", "datetime-local", () => _("Window start (local time)")],
  ["window_hours", "number", () => _("Window length (hours)")],
  ["window_zone", "text", () => _("Time zone (IANA, e.g. Europe/Kyiv)")],
  ["max_vehicles", "number", () => _("Largest number of vehicles")],
  ["lead", "number", () => _("Notice before a movement (minutes)")],
  ["markings", "text", () => _("Vehicle markings")],
  ["goods", "text", () => _("What may go in (separated by commas)")],
  ["destinations", "text", () => _("Destinations (separated by commas)")],
  ["users", "textarea", () => _("Who may use it: one line each, kind and direction (buses both)")],
  ["checkpoints", "textarea", () => _("Checkpoints: one line each, name; longitude, latitude; party_a or party_b")],
  ["route", "textarea", () => _("Route: one line per point, longitude, latitude")],
  ["area", "textarea", () => _("Ceasefire area (GeoJSON Polygon)")],
  ["care", "text", () => _("Care for the sick, wounded, elderly and children")],
  ["suspension", "text", () => _("What a violation does")],
  ["suspenders", "text", () => _("Who may suspend (party_a, party_b, intermediary)")],
  ["resumption", "text", () => _("How it resumes")],
];

export function draftForm(doc) {
  const d = doc || {};
  const w = d.window || {};
  const v = d.on_violation || {};
  const values = {
    window_start: w.start || "",
    window_hours: w.duration_hours ?? "",
    window_zone: w.time_zone || "",
    max_vehicles: d.max_vehicles ?? "",
    lead: d.notification_lead_minutes ?? "",
    markings: d.vehicle_markings || "",
    goods: (d.goods_in || []).join(", "),
    destinations: ((d.destinations && d.destinations.options) || []).join(", "),
    users: (d.users || []).map((u) => `${u.kind} ${u.direction}`).join("\n"),
    checkpoints: (d.checkpoints || []).map((c) => `${c.name}; ${(c.at || []).join(", ")}; ${c.controlled_by}`).join("\n"),
    route: ((d.route && d.route.coordinates) || []).map((p) => p.join(", ")).join("\n"),
    area: d.ceasefire_area ? JSON.stringify(d.ceasefire_area) : "",
    care: (d.evacuee_rights && d.evacuee_rights.special_care) || "",
    suspension: v.suspension || "",
    suspenders: (v.who_may_suspend || []).join(", "),
    resumption: v.resumption || "",
  };
  return FIELDS.map(([name, type, label]) => {
    const id = `draft-${name}`;
    const control =
      type === "textarea"
        ? h("textarea", { id, name, rows: name === "area" ? 3 : 4 })
        : h("input", { id, name, type, step: type === "number" ? "any" : null });
    if (type === "datetime-local") control.step = "60";
    control.value = String(values[name]);
    return h("div", { class: "field" }, h("label", { for: id }, label()), control);
  });
}

class FieldError extends Error {
  constructor(field, problem) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

function number(field, text) {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new FieldError(field, `${JSON.stringify(text)} is not a number`);
  return n;
}

function point(field, text, line) {
  const parts = text.split(",").map((s) => s.trim());
  const [lon, lat] = parts.map(Number);
  if (parts.length !== 2 || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    throw new FieldError(`${field}[${line}]`, `${JSON.stringify(text)} is not "longitude, latitude"`);
  }
  return [lon, lat];
}

// The document of the next version: `base` (the latest) with the form's values; throws a
// FieldError naming the field and the value it could not read.
export function readDraft(form, base) {
  const get = (name) => form.elements[name].value;
  const doc = structuredClone(base || {});
  delete doc.version;
  delete doc.supersedes;
  const start = get("window_start");
  doc.window = { ...(doc.window || {}), start: start.length === 16 ? start : start.slice(0, 16) };
  doc.window.duration_hours = number("document.window.duration_hours", get("window_hours"));
  doc.window.time_zone = get("window_zone").trim();
  doc.max_vehicles = number("document.max_vehicles", get("max_vehicles"));
  doc.notification_lead_minutes = number("document.notification_lead_minutes", get("lead"));
  doc.vehicle_markings = get("markings").trim();
  doc.goods_in = list(get("goods"));
  doc.destinations = { ...(doc.destinations || { chosen_by_evacuees: true }), options: list(get("destinations")) };
  doc.users = get("users")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const [kind, direction, extra] = line.split(/\s+/);
      if (!direction || extra) throw new FieldError(`document.users[${i}]`, `${JSON.stringify(line)} is not "kind direction"`);
      return { kind, direction };
    });
  doc.checkpoints = get("checkpoints")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      const parts = line.split(";").map((s) => s.trim());
      if (parts.length !== 3) throw new FieldError(`document.checkpoints[${i}]`, `${JSON.stringify(line)} is not "name; longitude, latitude; controlled by"`);
      return { name: parts[0], at: point(`document.checkpoints[${i}].at`, parts[1], i), controlled_by: parts[2] };
    });
  const route = get("route").split("\n").map((l) => l.trim()).filter(Boolean);
  doc.route = { type: "LineString", coordinates: route.map((p, i) => point("document.route.coordinates", p, i)) };
  const area = get("area").trim();
  if (area) {
    try {
      doc.ceasefire_area = JSON.parse(area);
    } catch {
      throw new FieldError("document.ceasefire_area", `${JSON.stringify(area.slice(0, 40))} is not GeoJSON`);
    }
  }
  doc.evacuee_rights = { ...(doc.evacuee_rights || {}), special_care: get("care").trim() };
  doc.on_violation = {
    ...(doc.on_violation || {}),
    suspension: get("suspension").trim(),
    who_may_suspend: list(get("suspenders")),
    resumption: get("resumption").trim(),
  };
  return doc;
}

export { FieldError };
