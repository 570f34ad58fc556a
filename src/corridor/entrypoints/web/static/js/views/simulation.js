// "Will the plan hold?": the simulations of the shown plan, a form to start one (for the roles
// that may), its progress, and once done the figures and plots a coordinator puts in front of
// both parties (docs/simulation.md).

import * as api from "../api.js";
import { h } from "../format.js";

const PLOTS = [
  ["people_out.png", "People out before the close, run by run"],
  ["people_out_over_time.png", "People out over the day"],
  ["checkpoint_queues.png", "Vehicles waiting at each checkpoint"],
];

const pct = (p) => `${(100 * Number(p)).toFixed(1)}%`;
const num = (n) => Number(n).toLocaleString(undefined, { maximumFractionDigits: 0 });

function hhmm(minutes) {
  if (minutes === null || minutes === undefined || Number.isNaN(Number(minutes))) return "–";
  const m = Math.round(Number(minutes));
  return `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function table(caption, head, rows) {
  return h(
    "table",
    { class: "data compact" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))),
  );
}

function peopleTable(s) {
  const po = s.people_out;
  const rows = [["all", num(s.planned.people_out), num(po.mean), num(po.quantiles["5"]), num(po.quantiles["50"]), num(po.quantiles["95"])]];
  for (const [c, v] of Object.entries(po.by_class)) {
    if (v.planned) rows.push([c, num(v.planned), num(v.mean), num(v.quantiles["5"]), num(v.quantiles["50"]), num(v.quantiles["95"])]);
  }
  return table("People out of the zone before the close", ["class", "plan", "mean", "5%", "median", "95%"], rows);
}

function headline(s) {
  const p = Number(s.p_inside_after_close);
  return h(
    "dl",
    { class: "sim-headline" },
    h("dt", {}, "A vehicle inside after the close"),
    h("dd", { class: p > 0.05 ? "sim-risk" : "sim-ok", "data-testid": "p-inside" }, `${pct(p)} of ${num(s.runs)} runs`),
    h("dt", {}, "Trips not started (too late to clear)"),
    h("dd", {}, `${s.trips_not_started.mean} a run on average`),
    h("dt", {}, "Last vehicle out"),
    h("dd", {}, `median ${hhmm(s.last_out["50"])}, 95% by ${hhmm(s.last_out["95"])} (plan ${hhmm(s.planned.last_out)}, close ${hhmm(s.window.close)})`),
  );
}

function criticalTable(s) {
  const rows = s.critical.trips.slice(0, 5).map((t) => [
    `${t.vehicle} #${t.trip}`,
    `${t.in} → ${t.out}`,
    hhmm(t.planned_out),
    String(t.people),
    pct(t.p_late),
    pct(t.p_not_started),
  ]);
  if (!rows.length) return h("p", { class: "muted" }, "No trip was lost in any run.");
  return table("Critical trips", ["trip", "crossings", "planned out", "people", "late", "not started"], rows);
}

function causes(s) {
  const list = s.critical.causes.slice(0, 6).map((c) => `${c.cause} ${pct(c.share)}`);
  return list.length ? h("p", {}, h("strong", {}, "Lost trips, by the delay behind: "), list.join(", ")) : null;
}

async function plots(simId, urls) {
  const figs = await Promise.all(
    PLOTS.map(async ([name, alt]) => {
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
    h("label", { for: "sim-runs" }, "Runs"),
    h("input", { id: "sim-runs", name: "runs", type: "number", min: "100", max: "200000", step: "100", value: "2000", required: true }),
    h("label", { for: "sim-seed" }, "Seed"),
    h("input", { id: "sim-seed", name: "seed", type: "number", min: "0", value: "0", required: true }),
    h("button", { type: "submit", class: "primary" }, "Simulate this plan"),
    out,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    out.textContent = "Starting…";
    try {
      const started = await api.startSimulation({ plan_id: Number(planId), runs: Number(form.runs.value), seed: Number(form.seed.value) });
      out.textContent = `Simulation ${started.id} queued.`;
      onStarted(started.id);
    } catch (err) {
      out.textContent = `Not started: ${err.message}`;
    }
  });
  return form;
}

function status(sim) {
  if (sim.status === "done") return null;
  if (sim.status === "failed") return h("p", { class: "error" }, `Simulation ${sim.id} failed: ${sim.error}`);
  const share = Math.round(100 * Number(sim.progress || 0));
  return h(
    "p",
    {},
    `Simulation ${sim.id}: ${sim.status} `,
    h("progress", { max: "100", value: String(share), "aria-label": `simulation ${sim.id} progress` }),
    ` ${share}%`,
  );
}

// Draw the view into `el` for the plan `planId`; `canStart` says whether the role may start one.
// Returns a function that redraws (the dashboard calls it on a "simulations" event).
export function mountSimulation(el, { planId, canStart }) {
  let timer = null;
  let urls = [];

  async function draw() {
    clearTimeout(timer);
    if (!planId) {
      el.replaceChildren(h("p", { class: "muted" }, "No finished plan to simulate yet."));
      return;
    }
    let list;
    try {
      list = await api.simulations(planId);
    } catch (err) {
      el.replaceChildren(h("p", { class: err.forbidden ? "muted" : "error" }, err.forbidden ? "Simulations are not available to your role." : `Could not load: ${err.message}`));
      return;
    }
    const latest = list.length ? list[list.length - 1] : null;
    const parts = [h("h2", {}, `Will plan ${planId} hold?`)];
    if (canStart) parts.push(startForm(planId, () => draw()));
    if (!latest) parts.push(h("p", { class: "muted" }, "This plan has not been simulated yet."));
    else parts.push(status(latest));
    const done = [...list].reverse().find((x) => x.status === "done");
    if (done) {
      const sim = await api.simulation(done.id);
      const s = sim.summary;
      parts.push(
        h("p", { class: "muted" }, `Simulation ${sim.id}: ${num(s.runs)} runs, seed ${s.seed}.`),
        headline(s),
        h("div", { class: "card two" }, peopleTable(s), criticalTable(s)),
        causes(s),
      );
      const old = urls;
      urls = [];
      parts.push(await plots(sim.id, urls));
      for (const u of old) URL.revokeObjectURL(u);
    }
    el.replaceChildren(...parts.filter(Boolean));
    if (latest && (latest.status === "queued" || latest.status === "running")) timer = setTimeout(draw, 1500);
  }

  draw();
  return draw;
}
