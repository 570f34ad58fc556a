// "Will the plan hold?": the simulations of the shown plan, a form to start one (for the roles
// that may), its progress, and once done the figures and plots a coordinator puts in front of
// both parties (docs/simulation.md).

import * as api from "../api.js";
import { data, h, notAvailable, table } from "../dom.js";
import { number, percent, peopleClass } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { onTopic } from "../events.js";
import { may, on, state } from "../state.js";
import { registerView, shown } from "./registry.js";

function plotNames() {
  return [
    ["people_out.png", _("People out before the close, run by run")],
    ["people_out_over_time.png", _("People out over the day")],
    ["checkpoint_queues.png", _("Vehicles waiting at each checkpoint")],
  ];
}

const pct = (p) => percent(Number(p), 1, 1);

function hhmm(minutes) {
  if (minutes === null || minutes === undefined || Number.isNaN(Number(minutes))) return "–";
  const m = Math.round(Number(minutes));
  return `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

// A table whose first cell of each row is its heading.
function rowTable(caption, head, rows) {
  const body = rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))));
  return table(caption, head, body, { class: "data compact" });
}

function peopleTable(s) {
  const po = s.people_out;
  const q = (v) => [number(v.mean), number(v.quantiles["5"]), number(v.quantiles["50"]), number(v.quantiles["95"])];
  const rows = [[_("all"), number(s.planned.people_out), ...q(po)]];
  for (const [c, v] of Object.entries(po.by_class)) if (v.planned) rows.push([peopleClass(c), number(v.planned), ...q(v)]);
  const head = [_("class"), _("plan"), _("mean"), _("5%"), _("median"), _("95%")];
  return rowTable(_("People out of the zone before the close"), head, rows);
}

function headline(s) {
  const p = Number(s.p_inside_after_close);
  const last = { median: hhmm(s.last_out["50"]), late: hhmm(s.last_out["95"]), plan: hhmm(s.planned.last_out), close: hhmm(s.window.close) };
  return h(
    "dl",
    { class: "sim-headline" },
    h("dt", {}, _("A vehicle inside after the close")),
    h("dd", { class: p > 0.05 ? "sim-risk" : "sim-ok", "data-testid": "p-inside" }, ngettext("{share} of {n} run", "{share} of {n} runs", s.runs, { share: pct(p) })),
    h("dt", {}, _("Trips not started (too late to clear)")),
    h("dd", {}, _("{n} a run on average", { n: number(s.trips_not_started.mean, 2) })),
    h("dt", {}, _("Last vehicle out")),
    h("dd", {}, _("median {median}, 95% by {late} (plan {plan}, close {close})", last)),
  );
}

function criticalTable(s) {
  const rows = s.critical.trips.slice(0, 5).map((x) => [data(`${x.vehicle} #${x.trip}`), `${x.in} → ${x.out}`, hhmm(x.planned_out), number(x.people), pct(x.p_late), pct(x.p_not_started)]);
  if (!rows.length) return h("p", { class: "muted" }, _("No trip was lost in any run."));
  const head = [_("trip"), _("crossings"), _("planned out"), _("people"), _("late"), _("not started")];
  return rowTable(_("Critical trips"), head, rows);
}

// The delays the simulation names: a checkpoint's queue ("K-SUD in"), driving, breakdowns,
// suspensions.
function causeName(cause) {
  const known = { travel: _("travel time"), breakdown: _("breakdowns"), suspension: _("suspensions"), unknown: _("unknown") };
  const queue = /^(.+) (in|out)$/.exec(cause);
  if (queue) return queue[2] === "in" ? _("queue at {checkpoint} inward", { checkpoint: queue[1] }) : _("queue at {checkpoint} outward", { checkpoint: queue[1] });
  return known[cause] || cause;
}

function causes(s) {
  const list = s.critical.causes.slice(0, 6).map((c) => `${causeName(c.cause)} ${pct(c.share)}`);
  return list.length ? h("p", {}, h("strong", {}, _("Lost trips, by the delay behind:")), " ", list.join(", ")) : null;
}

async function plots(simId, urls) {
  const figs = await Promise.all(
    plotNames().map(async ([name, alt]) => {
      try {
        const url = await api.simulationPlot(simId, name);
        urls.push(url);
        return h("figure", { class: "sim-plot" }, h("img", { src: url, alt, loading: "lazy" }), h("figcaption", {}, alt));
      } catch (err) {
        return h("p", { class: "error" }, `${alt}: ${err.message}`);
      }
    }),
  );
  return h("div", { class: "sim-plots" }, figs);
}

function startForm(planId, onStarted) {
  const out = h("p", { class: "form-result", role: "status" });
  const form = h(
    "form",
    { class: "sim-form" },
    h("label", { for: "sim-runs" }, _("Runs")),
    h("input", { id: "sim-runs", name: "runs", type: "number", min: "100", max: "200000", step: "100", value: "2000", required: true }),
    h("label", { for: "sim-seed" }, _("Seed")),
    h("input", { id: "sim-seed", name: "seed", type: "number", min: "0", value: "0", required: true }),
    h("button", { type: "submit", class: "primary" }, _("Simulate this plan")),
    out,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    out.textContent = _("Starting…");
    try {
      const started = await api.startSimulation({ plan_id: Number(planId), runs: Number(form.runs.value), seed: Number(form.seed.value) });
      out.textContent = _("Simulation {id} queued.", { id: started.id });
      onStarted(started.id);
    } catch (err) {
      out.textContent = _("Not started: {reason}", { reason: err.message });
    }
  });
  return form;
}

function status(sim) {
  if (sim.status === "done") return null;
  if (sim.status === "failed") return h("p", { class: "error" }, _("Simulation {id} failed: {reason}", { id: sim.id, reason: sim.error }));
  const share = Math.round(100 * Number(sim.progress || 0));
  const words = { queued: _("queued"), running: _("running") };
  return h(
    "p",
    {},
    _("Simulation {id}: {status}", { id: sim.id, status: words[sim.status] || sim.status }),
    " ",
    h("progress", { max: "100", value: String(share), "aria-label": _("simulation {id} progress", { id: sim.id }) }),
    ` ${percent(share, 100)}`,
  );
}

async function finished(done, urls) {
  const sim = await api.simulation(done.id);
  const s = sim.summary;
  const shown = [
    h("p", { class: "muted" }, ngettext("Simulation {id}: {n} run, seed {seed}.", "Simulation {id}: {n} runs, seed {seed}.", s.runs, { id: sim.id, seed: s.seed })),
    headline(s),
    h("div", { class: "card two" }, peopleTable(s), criticalTable(s)),
    causes(s),
  ];
  const old = urls.splice(0);
  shown.push(await plots(sim.id, urls));
  for (const u of old) URL.revokeObjectURL(u);
  return shown;
}

// Draw the view into `el` for the plan `planId`; `canStart` says whether the role may start one.
// Returns a function that redraws (on a "simulations" event).
export function mountSimulation(el, { planId, canStart }) {
  let timer = null;
  const urls = [];
  async function draw() {
    clearTimeout(timer);
    if (!planId) return el.replaceChildren(h("p", { class: "muted" }, _("No finished plan to simulate yet.")));
    let list;
    try {
      list = await api.simulations(planId);
    } catch (err) {
      return notAvailable(el, err);
    }
    const latest = list.length ? list[list.length - 1] : null;
    const parts = [h("h2", {}, _("Will plan {id} hold?", { id: planId }))];
    if (canStart) parts.push(startForm(planId, () => draw()));
    parts.push(latest ? status(latest) : h("p", { class: "muted" }, _("This plan has not been simulated yet.")));
    const done = [...list].reverse().find((x) => x.status === "done");
    if (done) parts.push(...(await finished(done, urls)));
    el.replaceChildren(...parts.filter(Boolean));
    if (latest && (latest.status === "queued" || latest.status === "running")) timer = setTimeout(draw, 1500);
  }
  draw();
  return draw;
}

let element = null;
let redraw = null;

function show() {
  if (!may("plans.read")) {
    element.replaceChildren(h("p", { class: "muted" }, _("Simulations are not available to your role.")));
    return;
  }
  redraw = mountSimulation(element, { planId: state.plan && state.plan.id, canStart: may("plans.write") });
}

registerView({
  id: "simulation",
  order: 40,
  title: () => _("Will it hold?"),
  build(panel) {
    element = h("div", { id: "simulation", class: "card" });
    panel.append(element);
  },
  start() {
    on("plan", () => shown("simulation") && show());
    onTopic("simulations", () => shown("simulation") && redraw && redraw());
  },
  show,
});
