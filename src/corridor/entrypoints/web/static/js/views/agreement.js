// The agreement: state, readiness checklist, versions, who signed which version, ceasefire
// confirmations, the terms of the latest version and the difference between two versions, all
// as the service states them (GET /v1/corridors/{id}). Sentences the service writes (the
// checklist, the state in words, the changes) are in English and marked so (lang="en").

import * as api from "../api.js";
import { h, notAvailable, table } from "../dom.js";
import { clock, dateTime, shortHash, words } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { corridorTitle, readinessBadge } from "../header.js";
import { on, state } from "../state.js";
import { registerView } from "./registry.js";

function who(role) {
  const names = { party_a: _("Party A"), party_b: _("Party B"), intermediary: _("Intermediary") };
  return names[role] || words(role);
}

export function statusName(status) {
  const names = {
    draft: _("Draft"),
    proposed: _("Proposed"),
    agreed: _("Agreed"),
    confirmed: _("Ceasefire confirmed"),
    active: _("Active"),
    suspended: _("Suspended"),
    closed: _("Closed"),
  };
  return names[status] || words(status);
}

// The role of a signer, from the participants the document names (key name -> role).
function authorOf(c, name) {
  const found = Object.entries(c.participants).find(([, p]) => p.name === name);
  return found ? who(found[0]) : name;
}

const english = (text) => h("span", { lang: "en" }, text);

// The names the agreement's format gives its parts (docs/agreement.md), in the reader's words;
// what the parties wrote in them stays as they wrote it.
function termWord(key) {
  const known = {
    civilians_on_foot: _("Civilians on foot"),
    private_cars: _("Private cars"),
    buses: _("Buses"),
    ambulances: _("Ambulances"),
    aid_trucks: _("Aid trucks"),
    outbound: _("outbound"),
    inbound: _("inbound"),
    both: _("both ways"),
    chosen_by_evacuees: _("Chosen by the evacuees"),
    options: _("Options"),
    voluntary: _("Voluntary"),
    family_unity: _("Families stay together"),
    documents_and_belongings: _("Documents and belongings"),
    special_care: _("Special care"),
    who_may_suspend: _("Who may suspend"),
    suspension: _("Suspension"),
    resumption: _("Resumption"),
  };
  return known[key] || words(key);
}

// A term of the agreement in words a liaison officer reads.
function termText(key, value) {
  if (value === null || value === undefined || value === "") return _("(not given)");
  if (key === "window") return _("from {start} for {hours} h ({zone})", { start: String(value.start).replace("T", " "), hours: value.duration_hours, zone: value.time_zone });
  if (key === "checkpoints") return value.map((k) => (k.controlled_by ? _("{name} ({party})", { name: k.name, party: who(k.controlled_by) }) : k.name)).join("; ");
  if (key === "users") return value.map((u) => `${termWord(u.kind)}: ${termWord(u.direction)}`).join("; ");
  if (key === "notification_lead_minutes") return _("{n} min", { n: value });
  if (key === "max_vehicles") return ngettext("{n} vehicle", "{n} vehicles", value);
  if (key === "participants") {
    return Object.entries(value)
      .map(([role, p]) => (p.guarantor === false ? _("{party}: {name} (not a guarantor)", { party: who(role), name: p.name }) : `${who(role)}: ${p.name}`))
      .join("; ");
  }
  if (value.type && value.coordinates) {
    const shape = { LineString: _("Line"), MultiLineString: _("Line"), Polygon: _("Area"), MultiPolygon: _("Area") };
    return _("{type} (shown on the map)", { type: shape[value.type] || value.type });
  }
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? termText("", v) : String(v))).join("; ");
  if (typeof value === "object") {
    const shown = (v) => (v === true ? _("yes") : v === false ? _("no") : Array.isArray(v) ? v.map(who).join(", ") : v);
    return Object.entries(value).map(([k, v]) => `${termWord(k)}: ${shown(v)}`).join("; ");
  }
  return String(value);
}

function termOrder() {
  return [
    ["participants", _("Parties and intermediary")],
    ["window", _("Time window")],
    ["checkpoints", _("Checkpoints")],
    ["route", _("Route")],
    ["ceasefire_area", _("Ceasefire area")],
    ["users", _("Who may use it, which way")],
    ["destinations", _("Destinations")],
    ["goods_in", _("What may go in")],
    ["vehicle_markings", _("Vehicle markings")],
    ["max_vehicles", _("Largest number of vehicles")],
    ["notification_lead_minutes", _("Notification lead time")],
    ["evacuee_rights", _("Evacuee rights")],
    ["on_violation", _("On a violation")],
  ];
}

function head(c) {
  const win = c.window;
  return h(
    "div",
    { class: "card agreement-head" },
    h("h2", { translate: "no" }, corridorTitle(c)),
    h("p", { class: "agreement-state" }, _("State:"), " ", h("strong", {}, statusName(c.status)), " · ", english(c.description), " ", readinessBadge(c)),
    win ? h("p", {}, _("Window: {from} to {to}.", { from: dateTime(win.opens), to: clock(win.closes) })) : null,
    h("h3", {}, _("Readiness checklist")),
    h(
      "ul",
      { class: "checklist", id: "checklist", "aria-label": _("Readiness checklist") },
      c.checklist.map((it) =>
        h(
          "li",
          { class: `${it.ok ? "ok" : "todo"}${it.text.startsWith(" ") ? " sub" : ""}` },
          h("span", { class: "mark", "aria-hidden": "true" }, it.ok ? "✓" : "✗"),
          h("span", { class: "sr-only" }, it.ok ? _("done:") : _("missing:")),
          " ",
          english(it.text.trim()),
        ),
      ),
    ),
  );
}

function signatures(c) {
  const versions = c.versions;
  const latest = versions[versions.length - 1];
  const numberOf = (hash) => {
    const v = versions.find((x) => x.hash === hash);
    return v ? `v${v.number}` : shortHash(hash);
  };
  const versionRows = versions.map((v) =>
    h(
      "tr",
      {},
      h("td", {}, `v${v.number}`),
      h("td", {}, authorOf(c, v.author)),
      h("td", {}, v.accepted_by.length ? v.accepted_by.map(who).join(", ") : _("nobody yet")),
      h("td", { class: "mono", title: v.hash }, shortHash(v.hash)),
    ),
  );
  const signRows = Object.entries(c.acceptances).map(([role, hash]) =>
    h("tr", {}, h("td", {}, who(role)), h("td", {}, numberOf(hash)), h("td", {}, latest && hash === latest.hash ? _("yes") : _("no, an older one"))),
  );
  const confRows = Object.entries(c.confirmations).map(([role, hash]) => h("tr", {}, h("td", {}, who(role)), h("td", {}, numberOf(hash))));
  const sha = h("span", { translate: "no" }, "sha256");
  return [
    h("div", { class: "card" }, table(_("Versions"), [_("Version"), _("Proposed by"), _("Accepted by"), sha], versionRows, { id: "versions" })),
    h(
      "div",
      { class: "card two" },
      table(_("Who signed which version"), [_("Party"), _("Accepted"), _("Is it the latest?")], signRows, { id: "acceptances" }),
      table(_("Ceasefire start confirmations"), [_("Party"), _("Confirmed on")], confRows, { id: "confirmations" }),
    ),
  ];
}

function differences(c) {
  const box = h("div", { class: "card" }, h("h2", {}, _("What changed between two versions")));
  const numbers = c.versions.map((v) => v.number);
  if (numbers.length < 2) {
    box.append(h("p", { class: "empty" }, _("Only one version so far: nothing to compare.")));
    return box;
  }
  const options = (chosen) => numbers.map((n) => h("option", { value: n, selected: n === chosen ? true : null }, `v${n}`));
  const from = h("select", { id: "diff-from" }, options(numbers[numbers.length - 2]));
  const to = h("select", { id: "diff-to" }, options(numbers[numbers.length - 1]));
  const out = h("div", { id: "diff-out", "aria-live": "polite" });
  const run = async () => {
    out.replaceChildren(h("p", {}, _("Loading…")));
    try {
      const { changes } = await api.diff(c.id, from.value, to.value);
      const caption = ngettext("v{from} → v{to}: {n} change", "v{from} → v{to}: {n} changes", changes.length, { from: from.value, to: to.value });
      out.replaceChildren(h("p", { class: "diff-caption" }, caption), h("ul", { class: "diff-list", lang: "en" }, changes.map((x) => h("li", {}, x))));
    } catch (err) {
      notAvailable(out, err);
    }
  };
  from.addEventListener("change", run);
  to.addEventListener("change", run);
  box.append(h("p", { class: "diff-pick" }, h("label", { for: "diff-from" }, _("From")), " ", from, " ", h("label", { for: "diff-to" }, _("to")), " ", to), out);
  run();
  return box;
}

function terms(c) {
  const latest = c.versions[c.versions.length - 1];
  if (!latest) return null;
  const doc = latest.document;
  const rows = termOrder().map(([k, label]) =>
    h("tr", { class: doc[k] === undefined ? "term-missing" : "" }, h("th", { scope: "row" }, label), h("td", {}, termText(k, doc[k]))),
  );
  return h("div", { class: "card" }, table(_("Terms of version {n}", { n: latest.number }), [_("Term"), _("Agreed text")], rows, { id: "terms" }));
}

function render(el) {
  const c = state.corridor;
  if (state.failures.corridor) return notAvailable(el, state.failures.corridor);
  if (!c) return el.replaceChildren(h("div", { class: "card" }, h("p", { class: "empty" }, _("No corridor has been proposed yet."))));
  el.replaceChildren(head(c), ...signatures(c), differences(c), terms(c) || "");
}

registerView({
  id: "agreement",
  order: 20,
  title: () => _("Agreement"),
  build(panel) {
    const el = h("div", { id: "agreement" });
    panel.append(el);
    on("corridor", () => render(el));
  },
});
