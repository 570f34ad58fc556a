// Incidents: a form to report one (for the roles that may) and the feed, newest first, with
// severity in words and colour; the three newest also in the operation's side panel, and their
// number on the tab. A report is sent with a client-made id, so pressing the button twice on a
// bad connection files it once. Every signed-in screen receives new incidents live.

import * as api from "../api.js";
import { now } from "../clock.js";
import { $, h } from "../dom.js";
import { addIncident } from "../data.js";
import { clockSeconds, coordinate, dateTime, words } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { may, on, state } from "../state.js";
import { roleName } from "../header.js";
import { registerPanel } from "./operation.js";
import { registerView } from "./registry.js";

function kinds() {
  return {
    shelling: _("Shelling or firing"),
    "checkpoint-delay": _("Checkpoint delay"),
    "checkpoint-closed": _("Checkpoint closed"),
    "road-blocked": _("Road blocked"),
    "vehicle-breakdown": _("Vehicle breakdown"),
    medical: _("Medical emergency"),
    "ceasefire-violation": _("Ceasefire violation"),
    other: _("Other"),
  };
}

function severities() {
  return {
    info: [_("Information"), _("Information: nobody is at risk")],
    warning: [_("Warning"), _("Warning: slows the operation")],
    critical: [_("Critical"), _("Critical: people at risk")],
  };
}

function incidentItem(inc) {
  const sev = inc.severity;
  const about = [
    inc.reported_by ? _("reported by {role}", { role: roleName(inc.reported_by) }) : null,
    inc.vehicle ? _("vehicle {vehicle}", { vehicle: inc.vehicle }) : null,
    inc.lat !== null && inc.lat !== undefined ? coordinate(inc.lat, inc.lon) : null,
  ].filter(Boolean);
  return h(
    "li",
    { class: `incident sev-${sev}`, "data-incident": inc.id },
    h(
      "div",
      { class: "incident-head" },
      h("span", { class: `sev sev-${sev}` }, severities()[sev][0]),
      h("strong", {}, kinds()[inc.kind] || words(inc.kind)),
      h("time", { datetime: inc.at }, dateTime(inc.at)),
    ),
    h("p", { class: "incident-text" }, inc.description),
    about.length ? h("p", { class: "muted" }, about.join(" · ")) : null,
  );
}

function render() {
  const list = [...state.incidents.values()].sort((a, b) => new Date(b.at) - new Date(a.at));
  const none = () => h("p", { class: "empty" }, _("No incident reported."));
  $("incident-feed").replaceChildren(...(list.length ? list.map(incidentItem) : [h("li", { class: "empty" }, _("No incident reported."))]));
  $("latest-incidents").replaceChildren(list.length ? h("ol", { class: "feed compact" }, list.slice(0, 3).map(incidentItem)) : none());
  const pill = $("incident-count");
  pill.hidden = !list.length;
  pill.textContent = String(list.length);
  pill.setAttribute("aria-label", ngettext("{n} incident", "{n} incidents", list.length));
}

function select(id, name, options, chosen) {
  return h("select", { id, name, required: true }, Object.entries(options).map(([value, text]) => h("option", { value, selected: value === chosen ? true : null }, text)));
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.target;
  const out = $("incident-result");
  const body = { kind: form.kind.value, severity: form.severity.value, description: form.description.value.trim(), at: new Date(now()).toISOString() };
  if (form.vehicle.value) body.vehicle = form.vehicle.value;
  if (!body.description) {
    out.textContent = _("Please describe what happened.");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  out.textContent = _("Sending…");
  try {
    const created = await api.reportIncident(body);
    addIncident({ ...body, id: created.id, reported_by: state.me.role, lat: null, lon: null });
    form.description.value = "";
    out.textContent = _("Reported at {time}.", { time: clockSeconds(new Date(now())) });
  } catch (err) {
    out.textContent = err.forbidden ? _("Your role may not report incidents.") : _("Not sent: {reason}", { reason: err.message });
  } finally {
    button.disabled = false;
  }
}

function form() {
  const sev = Object.fromEntries(Object.entries(severities()).map(([k, v]) => [k, v[1]]));
  const f = h(
    "form",
    { id: "incident-form", class: "incident-form" },
    h("label", { for: "incident-kind" }, _("What happened")),
    select("incident-kind", "kind", kinds(), "shelling"),
    h("label", { for: "incident-severity" }, _("Severity")),
    select("incident-severity", "severity", sev, "warning"),
    h("label", { for: "incident-vehicle" }, _("Vehicle (optional)")),
    h("select", { id: "incident-vehicle", name: "vehicle" }, h("option", { value: "" }, _("none"))),
    h("label", { for: "incident-description" }, _("Description")),
    h("textarea", { id: "incident-description", name: "description", rows: 4, required: true, maxlength: 2000, placeholder: _("Where, what, since when. Do not write names of evacuees here.") }),
    h("button", { type: "submit", class: "primary" }, _("Report incident")),
    h("p", { id: "incident-result", class: "form-result", role: "status" }),
  );
  f.addEventListener("submit", submit);
  return f;
}

// The vehicles a report may name: those the page knows of.
function vehicleChoices() {
  const sel = $("incident-vehicle");
  const ids = [...new Set([...state.vehicles.keys(), ...Object.keys((state.progress && state.progress.aboard) || {})])].sort();
  if (sel.dataset.ids === ids.join("|")) return;
  sel.dataset.ids = ids.join("|");
  const chosen = sel.value;
  sel.replaceChildren(h("option", { value: "" }, _("none")), ...ids.map((id) => h("option", { value: id, selected: id === chosen ? true : null, translate: "no" }, id)));
}

registerView({
  id: "incidents",
  order: 50,
  className: "view-incidents",
  title: () => _("Incidents"),
  build(panel, tab) {
    tab.append(" ", h("span", { id: "incident-count", class: "pill", hidden: true }));
    panel.append(
      h("section", { class: "card", "aria-labelledby": "report-title" }, h("h2", { id: "report-title" }, _("Report an incident")), form()),
      h("section", { class: "card feed-card", "aria-labelledby": "feed-title" }, h("h2", { id: "feed-title" }, _("Incident feed")), h("ol", { id: "incident-feed", class: "feed", "aria-live": "polite" })),
    );
  },
  start() {
    const allowed = may("incidents.write");
    $("incident-form").hidden = !allowed;
    if (!allowed) $("report-title").textContent = _("Reporting incidents is not available to your role");
    on("incidents", render);
    on("vehicles", vehicleChoices);
    on("progress", vehicleChoices);
    render();
  },
});

registerPanel({
  id: "latest-incidents",
  order: 40,
  title: () => _("Latest incidents"),
  build() {},
});
