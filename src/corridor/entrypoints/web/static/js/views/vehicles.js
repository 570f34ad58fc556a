// Vehicles: each vehicle, the people aboard (counts), where it is in words and in degrees, and
// when it last reported. The humanitarian roles (those the service lets read the registry) have
// a "Names" button: who is aboard, fetched on request, one vehicle at a time, and audited.

import * as api from "../api.js";
import { now } from "../clock.js";
import { $, h, notAvailable, table, withData, data } from "../dom.js";
import { clockSeconds, coordinate, duration, people, peopleClass, words } from "../format.js";
import { _ } from "../i18n.js";
import { may, on, state } from "../state.js";
import { map, registerPanel } from "./operation.js";
import { shown } from "./registry.js";

function reportedText(pos) {
  if (!pos) return "–";
  return _("{time} ({ago} ago)", { time: clockSeconds(pos.at), ago: duration(Math.max(0, now() - new Date(pos.at).getTime())) });
}

// Each second only the "ago" texts change: the table (and the keyboard focus in it) stays.
function tick() {
  for (const row of document.querySelectorAll("#vehicle-table tbody tr[data-vehicle]")) {
    const cell = row.querySelector("td.when");
    if (cell) cell.textContent = reportedText(state.vehicles.get(row.dataset.vehicle));
  }
}

function vehicleRow(id, aboard) {
  const pos = state.vehicles.get(id);
  const locate = h("button", { type: "button", class: "link locate", "data-vehicle": id, title: _("Show {vehicle} on the map", { vehicle: id }), translate: "no" }, id);
  const names = may("registry.read")
    ? h("button", { type: "button", class: "ghost names-button", "data-vehicle": id, "aria-label": _("Names of the people aboard {vehicle}", { vehicle: id }) }, _("Names"))
    : null;
  const where = pos ? [map().near(pos.lat, pos.lon), h("br"), h("span", { class: "coords" }, coordinate(pos.lat, pos.lon))] : _("no report");
  return h(
    "tr",
    { "data-vehicle": id },
    h("th", { scope: "row" }, pos ? locate : data(id), names),
    h("td", { class: "num" }, aboard === undefined ? "–" : people(aboard)),
    h("td", { class: "pos" }, where),
    h("td", { class: "when" }, reportedText(pos)),
  );
}

function render(el) {
  if (!may("positions.read")) return el.replaceChildren(h("p", { class: "muted" }, _("Vehicle positions are not available to your role.")));
  if (state.failures.positions) return notAvailable(el, state.failures.positions);
  const aboard = (state.progress && state.progress.aboard) || {};
  const ids = [...new Set([...state.vehicles.keys(), ...Object.keys(aboard)])].sort();
  if (!ids.length) return el.replaceChildren(h("p", { class: "empty" }, _("No vehicle has reported a position yet.")));
  const head = [_("Vehicle"), _("Aboard"), _("Last position"), _("Reported")];
  el.replaceChildren(table(_("Vehicles, people aboard and last reported position"), head, ids.map((id) => vehicleRow(id, aboard[id])), { class: "data compact", id: "vehicle-table" }, true));
}

function namesDialog() {
  const dialog = h(
    "dialog",
    { id: "names-dialog", class: "names-dialog", "aria-labelledby": "names-title" },
    h("h2", { id: "names-title" }, _("People aboard")),
    h("p", { class: "muted" }, _("Personal data: this read is recorded in the audit log. Do not copy it elsewhere.")),
    h("div", { id: "names-body" }),
    h("form", { method: "dialog" }, h("button", { class: "primary" }, _("Close"))),
  );
  document.body.append(dialog);
  return dialog;
}

// Names are fetched only when a humanitarian user asks, one vehicle at a time (audited).
async function showNames(vehicle) {
  const body = $("names-body");
  $("names-title").replaceChildren(...withData(_("People aboard {vehicle}"), { vehicle: data(vehicle) }));
  body.replaceChildren(h("p", {}, _("Loading…")));
  $("names-dialog").showModal();
  const status = { registered: _("registered"), boarded: _("boarded"), arrived: _("arrived") };
  try {
    const rows = (await api.namesAboard(vehicle)).map((r) =>
      h("tr", {}, h("td", {}, r.name || _("(anonymised)")), h("td", {}, peopleClass(r.people_class)), h("td", {}, r.household), h("td", {}, status[r.status] || words(r.status))),
    );
    body.replaceChildren(
      rows.length
        ? table(null, [_("Name"), _("Class"), _("Household"), _("Status")], rows, { class: "data compact" })
        : h("p", { class: "empty" }, _("Nobody is recorded aboard this vehicle.")),
    );
  } catch (err) {
    notAvailable(body, err);
  }
}

registerPanel({
  id: "vehicles",
  order: 20,
  title: () => _("Vehicles"),
  build(body, heading) {
    const live = h("span", { id: "live-status", class: "live-status" });
    heading.append(" ", live);
    namesDialog();
    body.addEventListener("click", (ev) => {
      const locate = ev.target.closest(".locate");
      if (locate) map().focusVehicle(locate.dataset.vehicle);
      const names = ev.target.closest(".names-button");
      if (names) showNames(names.dataset.vehicle);
    });
    on("vehicles", () => render(body));
    on("progress", () => render(body));
    on("me", () => render(body));
    on("streamStatus", (s) => {
      live.textContent = s === "live" ? _("· live") : "";
    });
  },
});

setInterval(() => shown("operation") && tick(), 1000);
