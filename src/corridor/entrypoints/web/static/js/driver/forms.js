// The driver's forms: people boarding and people getting off (a count per class, the classes
// the trip sheet names for this stop first) and an incident. Each hands its report to `send` and closes; nothing is
// lost when the phone is offline (the outbox keeps it).

import { h, put } from "../dom.js";
import { _ } from "../i18n.js";

function numberField(id, label, value) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, type: "number", inputmode: "numeric", min: "0", max: "500", step: "1", value: String(value) }),
  );
}

// A count by class: every class the sheet names, the planned numbers first and filled in.
function countForm(el, { id, prefix, title, submit, planned, classes }, send, close) {
  const names = [...new Set([...Object.keys(planned || {}), ...classes])];
  const form = h(
    "form",
    { id, autocomplete: "off" },
    h("h2", {}, title),
    names.map((c) => numberField(`${prefix}-${c}`, c, (planned || {})[c] || 0)),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, submit), h("button", { type: "button", class: "plain", onclick: close }, _("Cancel"))),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const people = {};
    for (const c of names) {
      const n = Math.max(0, Math.round(Number(form.elements[`${prefix}-${c}`].value) || 0));
      if (n) people[c] = n;
    }
    send(people);
    close();
  });
  put(el, form);
  el.hidden = false;
  form.querySelector("input")?.focus();
}

// People boarding at `stop`, by class.
export function boardingForm(el, stop, classes, send, close) {
  countForm(el, { id: "boarding-form", prefix: "board", title: _("People boarding at {place}", { place: stop.place }), submit: _("Record boarding"), planned: stop.board, classes }, send, close);
}

// People getting off at `stop` (a reception centre), by class, as boarding is counted.
export function arrivalForm(el, stop, classes, send, close) {
  countForm(el, { id: "arrival-form", prefix: "arrive", title: _("People getting off at {place}", { place: stop.place }), submit: _("Record arrival"), planned: stop.deliver, classes }, send, close);
}

function incidentKinds() {
  return [
    ["shelling", _("Shelling or firing")],
    ["road-blocked", _("Road blocked")],
    ["checkpoint-delay", _("Held at a checkpoint")],
    ["breakdown", _("Vehicle breakdown")],
    ["medical", _("Medical emergency aboard")],
    ["other", _("Something else")],
  ];
}

export function incidentForm(el, send, close) {
  const form = h(
    "form",
    { id: "incident-form", autocomplete: "off" },
    h("h2", {}, _("Report an incident")),
    h("div", { class: "field" }, h("label", { for: "incident-kind" }, _("What happened")), h("select", { id: "incident-kind", name: "kind" }, incidentKinds().map(([v, t]) => h("option", { value: v }, t)))),
    h(
      "fieldset",
      { class: "severity" },
      h("legend", {}, _("How serious")),
      [
        ["info", _("For information")],
        ["warning", _("Danger")],
        ["critical", _("Critical: lives at risk")],
      ].map(([v, t]) => h("label", {}, h("input", { type: "radio", name: "severity", value: v, checked: v === "warning" }), " ", t)),
    ),
    h("div", { class: "field" }, h("label", { for: "incident-text" }, _("Say what you see")), h("textarea", { id: "incident-text", name: "description", rows: "3", maxlength: "4000" })),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary danger" }, _("Send report")), h("button", { type: "button", class: "plain", onclick: close }, _("Cancel"))),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const kind = form.elements.kind.value;
    const text = form.elements.description.value.trim();
    const chosen = incidentKinds().find(([v]) => v === kind);
    send({ kind, severity: form.elements.severity.value, description: text || chosen[1] });
    close();
  });
  put(el, form);
  el.hidden = false;
}
