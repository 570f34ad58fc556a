// What the page loads from the service and when: at sign-in, on live events, and the counts
// every 30 s. Each part loads on its own and only if the role may read it (state.may, from
// GET /v1/me); a part the service refuses or fails is noted in state.failures[part] for the views
// to say so, and leaves the others.

import * as api from "./api.js";
import { onTopic } from "./events.js";
import { setTimeZone, toDate } from "./format.js";
import { showSignIn } from "./signin.js";
import { changed, may, set, state } from "./state.js";
import { _ } from "./i18n.js";

state.failures = {};

// The corridor shown: ?corridor=ID, else the one furthest along.
function pickCorridor(list) {
  const wanted = new URLSearchParams(location.search).get("corridor");
  if (wanted) return list.find((c) => c.id === wanted) || null;
  const rank = { active: 6, suspended: 5, confirmed: 4, agreed: 3, proposed: 2, draft: 1, closed: 0 };
  return [...list].sort((a, b) => rank[b.status] - rank[a.status])[0] || null;
}

// The window the clock counts: the agreed one, as the service states it, else the scenario's
// (on the plan's clock).
function deriveWindow() {
  const c = state.corridor;
  const p = state.plan;
  let w = null;
  if (c && c.window) w = { open: toDate(c.window.opens), close: toDate(c.window.closes) };
  else if (p && p.origin && p.window) {
    w = { open: new Date(p.origin.getTime() + p.window.open * 60000), close: new Date(p.origin.getTime() + p.window.close * 60000) };
  }
  set("window", w);
}

async function loadCorridor() {
  if (!may("agreement.read")) return;
  const chosen = pickCorridor(await api.corridors());
  const c = chosen ? await api.corridor(chosen.id) : null;
  if (c && c.window) setTimeZone(c.window.time_zone);
  set("corridor", c);
  deriveWindow();
}

async function loadScenario() {
  if (!may("scenarios.read")) return;
  const list = await api.scenarios();
  set("scenarioId", list.length ? list[list.length - 1].id : null);
}

// "Planned": the published plan's figures; before a plan exists, who registered to leave.
async function loadProgress() {
  if (!may("counts.read")) return;
  const p = await api.progress();
  if (Object.keys(p.planned).length) return set("progress", { ...p, basis: "planned" });
  const summary = await api.registrySummary();
  set("progress", { ...p, planned: summary.by_class, basis: "registered" });
}

// The newest finished plan of the scenario; a driver, who may not read plans, gets the trips of
// its own vehicle in the published plan.
async function loadPlan() {
  if (may("plans.read") && state.scenarioId) {
    const done = (await api.plans(state.scenarioId)).filter((p) => p.status === "done");
    if (done.length) {
      const p = await api.plan(done[done.length - 1].id);
      set("plan", { id: p.id, routes: p.plan.routes, origin: toDate(p.origin), window: p.window });
    }
  } else if (may("trips.read") && state.progress && state.progress.plan && state.scenarioId) {
    const planId = state.progress.plan;
    const [trips, scenario] = await Promise.all([api.trips(planId), api.scenario(state.scenarioId)]);
    set("plan", { id: planId, routes: trips, origin: toDate(scenario.origin), window: null });
  }
  deriveWindow();
}

function applyPosition(p) {
  const prev = state.vehicles.get(p.vehicle);
  // Reports can arrive out of order after a reconnect; never move a vehicle back in time.
  if (prev && new Date(p.at) < new Date(prev.at)) return;
  state.vehicles.set(p.vehicle, p);
}

async function loadPositions() {
  if (!may("positions.read")) return;
  for (const p of await api.latestPositions()) applyPosition(p);
  changed("vehicles");
}

export function addIncident(inc) {
  state.incidents.set(String(inc.id), inc);
  changed("incidents");
}

async function loadIncidents() {
  if (!may("incidents.read")) return;
  for (const inc of await api.incidents()) state.incidents.set(String(inc.id), inc);
  changed("incidents");
}

const LOADERS = {
  corridor: loadCorridor,
  scenario: loadScenario,
  progress: loadProgress,
  plan: loadPlan,
  positions: loadPositions,
  incidents: loadIncidents,
};

// Load the named parts in order (a driver's plan needs the counts' plan id first).
export async function load(...parts) {
  for (const part of parts) {
    try {
      await LOADERS[part]();
      delete state.failures[part];
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) {
        showSignIn(_("Your token was refused. Sign in again."));
        return;
      }
      if (!(err instanceof api.ApiError)) console.error(err);
      state.failures[part] = err;
      changed(part === "scenario" ? "scenarioId" : part);
    }
  }
}

export function loadEverything() {
  return load("corridor", "scenario", "progress", "plan", "positions", "incidents");
}

const timers = {};
function soon(...parts) {
  const key = parts.join();
  clearTimeout(timers[key]);
  timers[key] = setTimeout(() => load(...parts), 400);
}

onTopic("positions", (d) => {
  for (const p of d.points) applyPosition({ vehicle: d.vehicle, ...p });
  changed("vehicles");
});
onTopic("incidents", addIncident);
onTopic("checkins", () => soon("progress"));
onTopic("registry", () => soon("progress"));
onTopic("agreement", () => soon("corridor"));
onTopic("scenarios", () => soon("scenario", "plan"));
onTopic("plans", (d) => {
  if (d.status === "done") soon("progress", "plan");
});
