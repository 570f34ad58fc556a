// Alerts: what the service's tracking found wrong against the plan (a vehicle late, off its
// route, stopped, silent, projected inside after the window closes; a person missing, a short
// arrival, an incident near a route). Each alert is raised once, acknowledged by the coordinator
// (the button shows only where /v1/me's `may` has alerts.ack) and cleared by the service when
// its condition ends. The panel sits at the top of the operation's side panel, active alerts
// first; every signed-in screen follows them live (event type `alert`). docs/dashboard.md.

import * as api from "../api.js";
import { $, h, put } from "../dom.js";
import { onTopic } from "../events.js";
import { clock, words } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { may, on, state } from "../state.js";
import { registerPanel } from "./operation.js";

const alerts = new Map(); // id -> alert as GET /v1/alerts gives it
const SHOWN_CLEARED = 5;

function kindName(kind) {
  return (
    {
      late: _("Late against the plan"),
      off_route: _("Off the agreed route"),
      stopped: _("Stopped"),
      silent: _("No position report"),
      inside_after_close: _("Inside the zone after the window closes"),
      missing_person: _("Person not arrived"),
      short_arrival: _("Fewer people arrived than boarded"),
      incident_near_route: _("Incident near a route: consider a suspension"),
      // raised for a vehicle with no road out, with no time left to leave, or held by a plan
      // rule (its recorded state breaks one): the alert's detail says which
      stranded: _("Held where it stands (stranded, or a plan rule)"),
      boarding_outside_window: _("Boarding outside the agreed window"),
      boarding_over_capacity: _("More aboard than the vehicle's room"),
    }[kind] || words(kind)
  );
}

function stateName(s) {
  return { raised: _("raised"), acknowledged: _("acknowledged"), cleared: _("cleared") }[s] || s;
}

function upsert(alert) {
  if (!alert || alert.id === undefined) return;
  alerts.set(String(alert.id), { ...(alerts.get(String(alert.id)) || {}), ...alert });
  render();
}

async function acknowledge(alert, button) {
  button.disabled = true;
  try {
    upsert(await api.acknowledgeAlert(alert.id));
  } catch (err) {
    button.disabled = false;
    button.textContent = _("Not sent: {reason}", { reason: err.message });
  }
}

function item(a) {
  const times = [_("raised {time}", { time: clock(a.raised_at) })];
  if (a.acknowledged_at) times.push(_("acknowledged {time}", { time: clock(a.acknowledged_at) }));
  if (a.cleared_at) times.push(_("cleared {time}", { time: clock(a.cleared_at) }));
  const li = h(
    "li",
    { class: `alert alert-${a.state}`, "data-alert": a.id, "data-kind": a.kind, "data-state": a.state },
    h(
      "div",
      { class: "alert-head" },
      h("span", { class: `alert-state state-${a.state}` }, stateName(a.state)),
      h("strong", {}, kindName(a.kind)),
      a.vehicle ? h("span", { class: "alert-vehicle", translate: "no" }, a.vehicle) : null,
    ),
    a.detail ? h("p", { class: "alert-detail", lang: "en" }, a.detail) : null,
    h("p", { class: "muted alert-times" }, times.join(" · ")),
  );
  if (a.state === "raised" && may("alerts.ack")) {
    const button = h("button", { type: "button", class: "ack" }, _("Acknowledge"));
    button.addEventListener("click", () => acknowledge(a, button));
    li.append(button);
  }
  return li;
}

function render() {
  const body = $("alerts");
  if (!body) return;
  const newest = (a, b) => new Date(b.raised_at) - new Date(a.raised_at);
  const all = [...alerts.values()];
  const active = all.filter((a) => a.state !== "cleared").sort(newest);
  const cleared = all.filter((a) => a.state === "cleared").sort(newest);
  const raised = active.filter((a) => a.state === "raised").length;
  body.dataset.active = String(active.length);
  put(
    body,
    h(
      "p",
      { class: raised ? "alert-summary loud" : "alert-summary" },
      active.length ? ngettext("{n} alert active", "{n} alerts active", active.length) : _("No alert active."),
    ),
    active.length ? h("ol", { class: "feed alerts-active" }, active.map(item)) : null,
    cleared.length
      ? h(
          "details",
          { class: "alerts-cleared" },
          h("summary", {}, ngettext("{n} cleared alert", "{n} cleared alerts", cleared.length)),
          h("ol", { class: "feed" }, cleared.slice(0, SHOWN_CLEARED).map(item)),
        )
      : null,
  );
  const title = $("alerts-title");
  if (title) title.classList.toggle("alerting", raised > 0);
}

async function loadAlerts() {
  if (!may("alerts.read")) {
    $("alerts").replaceChildren(h("p", { class: "muted" }, _("Not available to your role.")));
    return;
  }
  try {
    for (const a of await api.alerts()) upsert(a);
  } catch (err) {
    if (!(err instanceof api.ApiError)) console.error(err);
    else if (!err.missing) $("alerts").replaceChildren(h("p", { class: "error" }, _("Could not load: {reason}", { reason: err.message })));
  }
  render();
}

registerPanel({
  id: "alerts",
  order: 1,
  title: () => _("Alerts"),
  build(body) {
    body.setAttribute("aria-live", "polite");
  },
});

on("me", (me) => {
  if (me) loadAlerts();
});
// After a reconnection, what changed meanwhile is read again.
on("streamStatus", (s) => {
  if (s === "live" && state.me) loadAlerts();
});
onTopic("alert", upsert);
