// The dashboard: sign in, load what the role may read, keep it current from the live stream.

import * as api from "./api.js";
import * as fmt from "./format.js";
import { readinessBadge, renderAgreement } from "./views/agreement.js";
import { MapView } from "./views/map.js";
import { renderSchedule } from "./views/schedule.js";
import { mountSimulation } from "./views/simulation.js";

const { h } = fmt;
const $ = (id) => document.getElementById(id);
// replaceChildren() would print "null" for a missing part; leave it out instead.
const put = (el, ...parts) => el.replaceChildren(...parts.filter((p) => p !== null && p !== undefined && p !== false));

// What the dashboard asks for, per role. It mirrors the service's access table
// (corridor.domain.access.ACCESS) only to avoid asking for what would be refused; the service
// decides, and a refusal is shown as "not available to your role", never as an error.
const READS = {
  plans: ["coordinator", "observer", "reception", "liaison-a", "liaison-b"],
  positions: ["coordinator", "observer", "driver", "reception", "liaison-a", "liaison-b"],
  incidentsWrite: ["coordinator", "liaison-a", "liaison-b", "registrar", "driver", "reception"],
  checkins: ["coordinator", "registrar", "reception", "driver"],
  names: ["coordinator", "registrar", "reception"],
};
const ROLE_NAMES = {
  admin: "Administrator",
  coordinator: "Coordinator (neutral intermediary)",
  "liaison-a": "Liaison officer, party A",
  "liaison-b": "Liaison officer, party B",
  registrar: "Registrar",
  driver: "Driver",
  reception: "Reception centre",
  observer: "Observer",
};
const SHORT_WINDOW_MIN = 60; // amber below this
const CRITICAL_WINDOW_MIN = 20; // red and loud below this

const state = {
  me: null,
  corridor: null,
  plan: null,
  origin: null, // Date of plan minute 0
  windowAbs: null, // {open: Date, close: Date}
  progress: null,
  incidents: new Map(),
  vehicles: new Map(), // id -> last position
  clock: null, // the service's clock: {server (ms), at (performance.now() then), rate}
  stopStream: null,
  view: "operation",
};
const mapView = new MapView($("map"), $("map-legend"));

function may(what) {
  const role = state.me && state.me.role;
  if (state.me && state.me.may) {
    const action = { plans: "plans.read", positions: "positions.read", incidentsWrite: "incidents.write", checkins: "checkins.read", names: "registry.read" }[what];
    if (action) return state.me.may.includes(action);
  }
  return READS[what].includes(role);
}

// The operation's clock is the service's, never this device's: a tablet whose clock is wrong
// still shows the right time left in the window. Between two readings of GET /v1/clock the page
// runs it on at its rate (above 1 while a rehearsal or the demo replays an operation faster).
// When it lies far from this device's clock (a replay of the operation's day), the header says
// so.
const REPLAY_GAP_MS = 15 * 60000;
const CLOCK_SYNC_MS = 15000;

function now() {
  const c = state.clock;
  if (!c) return Date.now();
  return c.server + (performance.now() - c.at) * c.rate;
}

async function syncClock() {
  try {
    const asked = performance.now();
    const answer = await api.clock();
    const got = performance.now();
    const server = fmt.toDate(answer.now);
    if (!server) return;
    const rate = Number(answer.rate) > 0 ? Number(answer.rate) : 1;
    state.clock = { server: server.getTime() + ((got - asked) / 2) * rate, at: got, rate };
    state.replay = rate !== 1 || Math.abs(now() - Date.now()) > REPLAY_GAP_MS;
  } catch (err) {
    if (!(err instanceof api.ApiError)) console.error(err);
  }
}

function notAvailable(el, err) {
  const text =
    err && err.forbidden
      ? "Not available to your role."
      : err && err.missing
        ? "Not available from this service yet."
        : `Could not load: ${err ? err.message : "unknown error"}`;
  el.replaceChildren(h("p", { class: err && (err.forbidden || err.missing) ? "muted" : "error" }, text));
}

// --- sign in -------------------------------------------------------------------------------

function showSignIn(message) {
  $("signin").hidden = false;
  $("tabs").hidden = true;
  for (const v of document.querySelectorAll(".view")) v.hidden = true;
  $("who").replaceChildren();
  $("corridor-summary").replaceChildren();
  $("window-clock").replaceChildren();
  $("window-clock").hidden = true;
  $("signin-error").textContent = message || "";
  $("token").focus();
}

$("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  api.saveToken(token);
  $("token").value = "";
  await start();
});

function signOut() {
  if (state.stopStream) state.stopStream();
  api.saveToken("");
  location.reload();
}

// --- tabs ----------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll('[role="tab"]')];

function selectView(name, focus = false) {
  state.view = name;
  for (const t of tabs) {
    const on = t.dataset.view === name;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) t.focus();
  }
  if (name === "operation") mapView.invalidate();
  if (name === "schedule") drawSchedule();
  if (name === "simulation") drawSimulation();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

for (const t of tabs) {
  t.addEventListener("click", () => selectView(t.dataset.view));
  t.addEventListener("keydown", (ev) => {
    const i = tabs.indexOf(t);
    let j = null;
    if (ev.key === "ArrowRight") j = (i + 1) % tabs.length;
    if (ev.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
    if (ev.key === "Home") j = 0;
    if (ev.key === "End") j = tabs.length - 1;
    if (j !== null) {
      ev.preventDefault();
      selectView(tabs[j].dataset.view, true);
    }
  });
}

// --- header: corridor, window clock, who -----------------------------------------------------

function renderHeader() {
  const c = state.corridor;
  put(
    $("corridor-summary"),
    c ? h("span", { class: "corridor-name" }, c.name || `Corridor ${c.id}`) : h("span", { class: "muted" }, "No corridor proposed yet"),
    c ? readinessBadge(c) : null,
    c && !c.ready && c.missing && c.missing.length
      ? h("span", { class: "missing-count" }, ` ${fmt.count(c.missing.length, "item", "items")} missing`)
      : null,
  );
  const live = h("span", { id: "stream-status", class: "stream-status" });
  put(
    $("who"),
    h("span", { class: "role", id: "role" }, ROLE_NAMES[state.me.role] || fmt.words(state.me.role)),
    state.me.vehicle ? h("span", { class: "muted" }, ` · vehicle ${state.me.vehicle}`) : null,
    live,
    h("button", { type: "button", class: "ghost", onclick: signOut }, "Sign out"),
  );
  setStreamStatus(state.streamStatus || "connecting");
}

function setStreamStatus(s) {
  state.streamStatus = s;
  const el = $("stream-status");
  const text = { connecting: "connecting…", live: "● live", reconnecting: "reconnecting…", refused: "live updates not available to your role" }[s] || s;
  if (el) {
    el.textContent = text;
    el.dataset.state = s;
  }
  $("live-status").textContent = s === "live" ? "· live" : "";
}

function renderClock() {
  const el = $("window-clock");
  const w = state.windowAbs;
  if (!w) {
    el.replaceChildren(h("span", { class: "muted" }, "Window not agreed yet"));
    el.className = "window-clock";
    return;
  }
  const t = now();
  let cls = "window-clock";
  let main;
  const sameDay = fmt.dateTime(w.open).split(",")[0] === fmt.dateTime(new Date(t)).split(",")[0];
  let sub = `Window ${sameDay ? "" : `${fmt.dateTime(w.open).split(",")[0]}, `}${fmt.clock(w.open)}–${fmt.clock(w.close)}`;
  if (t < w.open.getTime()) {
    main = `Window opens in ${fmt.duration(w.open.getTime() - t)}`;
  } else if (t < w.close.getTime()) {
    const left = w.close.getTime() - t;
    main = `${fmt.duration(left)} left in the window`;
    if (left < CRITICAL_WINDOW_MIN * 60000) cls += " critical";
    else if (left < SHORT_WINDOW_MIN * 60000) cls += " short";
    sub += ` · closes at ${fmt.clock(w.close)}`;
  } else {
    main = "Window closed";
    cls += " closed";
  }
  sub += ` · ${fmt.timeZoneName()}`;
  if (state.replay) {
    const rate = state.clock && state.clock.rate !== 1 ? ` ×${state.clock.rate}` : "";
    sub += ` · rehearsal or replay: operation time ${fmt.dateTime(new Date(t))}${rate}`;
  }
  el.className = cls + (state.replay ? " replay" : "");
  el.replaceChildren(h("span", { class: "clock-main" }, main), h("span", { class: "clock-sub" }, sub));
  el.setAttribute("role", cls.includes("critical") ? "alert" : "timer");
}

// --- progress, vehicles, points --------------------------------------------------------------

function renderProgress() {
  const el = $("progress");
  const p = state.progress;
  if (!p) return;
  const classes = [...new Set([...Object.keys(p.planned || {}), ...Object.keys(p.evacuated || {})])];
  let totOut = 0;
  let totPlan = 0;
  const rows = classes.map((cls) => {
    const out = Number(p.evacuated[cls] || 0);
    const plan = Number(p.planned[cls] || 0);
    totOut += out;
    totPlan += plan;
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, fmt.words(cls)),
      h("td", { class: "num" }, fmt.people(out)),
      h("td", { class: "num" }, fmt.people(plan)),
      h("td", { class: "num" }, h("span", { class: "pct" }, fmt.percent(out, plan)), h("meter", { min: 0, max: Math.max(plan, out, 1), value: out, "aria-label": `${fmt.words(cls)}: ${fmt.percent(out, plan)} of plan` })),
    );
  });
  el.replaceChildren(
    h("p", { class: "big-number" }, h("strong", { id: "evacuated-total" }, fmt.people(totOut)), ` out of ${fmt.people(totPlan)} ${(p.plannedLabel || "planned").toLowerCase()}`),
    h(
      "table",
      { class: "data compact" },
      h("caption", { class: "sr-only" }, "Evacuated by class against the plan"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Class"), h("th", { scope: "col" }, "Arrived"), h("th", { scope: "col" }, p.plannedLabel || "Planned"), h("th", { scope: "col" }, "Of plan"))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 4, class: "empty" }, "Nobody has arrived yet."))),
    ),
  );
}

function aboardText(v) {
  const a = v && (v.aboard || v.people);
  if (!a || typeof a !== "object") return "–";
  const n = Object.values(a).reduce((x, y) => x + (Number(y) || 0), 0);
  return fmt.people(n);
}

function reportedText(pos) {
  if (!pos) return "–";
  const ago = pos.at ? fmt.duration(Math.max(0, now() - new Date(pos.at).getTime())) : null;
  return `${fmt.clockSeconds(pos.at)}${ago ? ` (${ago} ago)` : ""}`;
}

// Each second only the "ago" texts change: the table (and the keyboard focus in it) stays.
function tickVehicles() {
  for (const row of document.querySelectorAll("#vehicle-table tbody tr[data-vehicle]")) {
    const cell = row.querySelector("td.when");
    if (cell) cell.textContent = reportedText(state.vehicles.get(row.dataset.vehicle));
  }
}

function renderVehicles() {
  const el = $("vehicles");
  if (!may("positions")) {
    el.replaceChildren(h("p", { class: "muted" }, "Vehicle positions are not available to your role."));
    return;
  }
  const counts = new Map(((state.progress && state.progress.vehicles) || []).map((v) => [String(v.vehicle ?? v.id), v]));
  const ids = [...new Set([...state.vehicles.keys(), ...counts.keys()])].sort();
  if (!ids.length) {
    el.replaceChildren(h("p", { class: "empty" }, "No vehicle has reported a position yet."));
    return;
  }
  const rows = ids.map((id) => {
    const pos = state.vehicles.get(id);
    return h(
      "tr",
      { "data-vehicle": id },
      h(
        "th",
        { scope: "row" },
        pos ? h("button", { type: "button", class: "link locate", "data-vehicle": id, title: `Show ${id} on the map` }, id) : id,
        may("names") ? h("button", { type: "button", class: "ghost names-button", "data-vehicle": id, "aria-label": `Names of the people aboard ${id}` }, "Names") : null,
      ),
      h("td", { class: "num" }, aboardText(counts.get(id))),
      h("td", { class: "pos" }, pos ? [mapView.near(pos.lat, pos.lon), h("br"), h("span", { class: "coords" }, fmt.coordinate(pos.lat, pos.lon))] : "no report"),
      h("td", { class: "when" }, reportedText(pos)),
    );
  });
  el.replaceChildren(
    h(
      "table",
      { class: "data compact", id: "vehicle-table" },
      h("caption", { class: "sr-only" }, "Vehicles, people aboard and last reported position"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Vehicle"), h("th", { scope: "col" }, "Aboard"), h("th", { scope: "col" }, "Last position"), h("th", { scope: "col" }, "Reported"))),
      h("tbody", {}, rows),
    ),
  );
  const sel = $("incident-vehicle");
  if (sel.dataset.ids === ids.join("|")) return;
  sel.dataset.ids = ids.join("|");
  const chosen = sel.value;
  sel.replaceChildren(h("option", { value: "" }, "none"), ...ids.map((id) => h("option", { value: id, selected: id === chosen ? true : null }, id)));
}

function renderPoints() {
  const el = $("points");
  const pts = (state.progress && state.progress.points) || [];
  if (!pts.length) {
    el.replaceChildren(h("p", { class: "empty" }, "No counts yet."));
    return;
  }
  const kindName = { gathering: "Gathering point", reception: "Reception centre", checkpoint: "Checkpoint", depot: "Depot" };
  const rows = pts.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, `${p.id}`),
      h("td", {}, kindName[p.kind] || fmt.words(p.kind || "")),
      h(
        "td",
        { class: "num" },
        p.kind === "reception"
          ? `${fmt.people(p.arrived ?? 0)} arrived`
          : p.waiting !== undefined
            ? `${fmt.people(p.waiting)} waiting${p.boarded !== undefined ? `, ${fmt.people(p.boarded)} left` : ""}`
            : `${fmt.people(p.registered)} registered`,
      ),
    ),
  );
  el.replaceChildren(
    h(
      "table",
      { class: "data compact" },
      h("caption", { class: "sr-only" }, "People at each point"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Point"), h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "People"))),
      h("tbody", {}, rows),
    ),
  );
  mapView.setCounts(pts);
}

// Names are fetched only when a humanitarian user asks, one vehicle at a time (audited).
$("vehicles").addEventListener("click", async (ev) => {
  const locate = ev.target.closest(".locate");
  if (locate) {
    mapView.focusVehicle(locate.dataset.vehicle);
    return;
  }
  const button = ev.target.closest(".names-button");
  if (!button) return;
  const vehicle = button.dataset.vehicle;
  const body = $("names-body");
  $("names-title").textContent = `People aboard ${vehicle}`;
  body.replaceChildren(h("p", {}, "Loading…"));
  $("names-dialog").showModal();
  try {
    const rows = await api.namesAboard(vehicle);
    body.replaceChildren(
      rows.length
        ? h(
            "table",
            { class: "data compact" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Class"), h("th", { scope: "col" }, "Household"), h("th", { scope: "col" }, "Status"))),
            h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.name || "(anonymised)"), h("td", {}, fmt.words(r.people_class)), h("td", {}, r.household || "–"), h("td", {}, fmt.words(r.status || ""))))),
          )
        : h("p", { class: "empty" }, "Nobody is recorded aboard this vehicle."),
    );
  } catch (err) {
    notAvailable(body, err);
  }
});

// --- incidents -------------------------------------------------------------------------------

const SEVERITY = { info: "Information", warning: "Warning", critical: "Critical" };

function incidentItem(inc) {
  const sev = String(inc.severity || "info").toLowerCase();
  return h(
    "li",
    { class: `incident sev-${sev}`, "data-incident": inc.id ?? inc.client_id ?? "" },
    h("div", { class: "incident-head" }, h("span", { class: `sev sev-${sev}` }, SEVERITY[sev] || fmt.words(sev)), h("strong", {}, fmt.words(inc.kind || "incident")), h("time", { datetime: inc.at || "" }, fmt.dateTime(inc.at))),
    h("p", { class: "incident-text" }, inc.description || inc.text || ""),
    (() => {
      const role = inc.reported_by ? api.normaliseRole(inc.reported_by) : null;
      const parts = [
        role ? `reported by ${ROLE_NAMES[role] || fmt.words(role)}` : null,
        inc.vehicle ? `vehicle ${inc.vehicle}` : null,
        inc.lat !== undefined && inc.lat !== null ? fmt.coordinate(inc.lat, inc.lon) : null,
      ].filter(Boolean);
      const text = parts.join(" · ");
      return text ? h("p", { class: "muted" }, text.charAt(0).toUpperCase() + text.slice(1)) : null;
    })(),
  );
}

function addIncident(inc) {
  const key = String(inc.id ?? inc.client_id ?? `${inc.at}|${inc.description}`);
  state.incidents.set(key, inc);
}

function renderIncidents() {
  const list = [...state.incidents.values()].sort((a, b) => new Date(b.at || 0) - new Date(a.at || 0));
  $("incident-feed").replaceChildren(...(list.length ? list.map(incidentItem) : [h("li", { class: "empty" }, "No incident reported.")]));
  $("latest-incidents").replaceChildren(
    list.length ? h("ol", { class: "feed compact" }, list.slice(0, 3).map(incidentItem)) : h("p", { class: "empty" }, "No incident reported."),
  );
  const pill = $("incident-count");
  pill.hidden = !list.length;
  pill.textContent = String(list.length);
  pill.setAttribute("aria-label", fmt.count(list.length, "incident", "incidents"));
}

$("incident-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const out = $("incident-result");
  const body = {
    kind: form.kind.value,
    severity: form.severity.value,
    description: form.description.value.trim(),
    at: new Date(now()).toISOString(),
  };
  if (form.vehicle.value) body.vehicle = form.vehicle.value;
  if (!body.description) {
    out.textContent = "Please describe what happened.";
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  out.textContent = "Sending…";
  try {
    const inc = await api.reportIncident(body);
    addIncident({ ...body, ...(inc || {}) });
    renderIncidents();
    form.description.value = "";
    out.textContent = `Reported at ${fmt.clockSeconds(new Date(now()))}.`;
  } catch (err) {
    out.textContent = err.forbidden ? "Your role may not report incidents." : `Not sent: ${err.message}`;
  } finally {
    button.disabled = false;
  }
});

// --- schedule ------------------------------------------------------------------------------

// The window on the plan's clock: the agreed one (the plan keeps to it), else the scenario's.
function windowMinutes() {
  if (state.windowAbs && state.origin) {
    return {
      open: (state.windowAbs.open - state.origin) / 60000,
      close: (state.windowAbs.close - state.origin) / 60000,
    };
  }
  if (state.plan && state.plan.window && typeof state.plan.window.open === "number") return state.plan.window;
  return null;
}

function drawSchedule() {
  const el = $("schedule");
  if (!state.plan && !may("plans") && state.me.role !== "driver") {
    el.replaceChildren(h("p", { class: "muted" }, "The schedule is not available to your role."));
    return;
  }
  renderSchedule(el, { plan: state.plan, origin: state.origin, nowMs: now(), windowMin: windowMinutes() });
}

// --- will the plan hold? (views/simulation.js) ----------------------------------------------

let redrawSimulation = null;
function drawSimulation() {
  const planId = state.plan && state.plan.id;
  if (!may("plans")) {
    $("simulation").replaceChildren(h("p", { class: "muted" }, "Simulations are not available to your role."));
    return;
  }
  const canStart = Boolean(state.me.may ? state.me.may.includes("plans.write") : state.me.role === "coordinator");
  redrawSimulation = mountSimulation($("simulation"), { planId, canStart });
}

// --- live events ---------------------------------------------------------------------------

let refreshTimer = null;
function refreshSoon(what) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => loadDynamic(what), 400);
}

function onEvent(topic, data) {
  const t = String(topic).toLowerCase();
  const d = data && typeof data === "object" ? data : {};
  if (t.startsWith("position")) {
    const points = Array.isArray(d.points) ? d.points : Array.isArray(d.positions) ? d.positions : [d];
    for (const p of points) applyPosition({ vehicle: d.vehicle, ...p });
    renderVehicles();
  } else if (t.startsWith("incident")) {
    addIncident(d);
    renderIncidents();
  } else if (t.startsWith("checkin") || t.startsWith("check-in") || t.startsWith("count") || t.startsWith("registry")) {
    refreshSoon("progress");
  } else if (t.startsWith("agreement") || t.startsWith("corridor") || t.startsWith("log")) {
    refreshSoon("corridor");
  } else if (t.startsWith("simulation")) {
    if (state.view === "simulation" && redrawSimulation) redrawSimulation();
  } else if (t.startsWith("plan")) {
    refreshSoon("plan");
  }
}

function applyPosition(p) {
  const id = String(p.vehicle ?? p.vehicle_id ?? p.id);
  const prev = state.vehicles.get(id);
  if (prev && prev.at && p.at && new Date(p.at) < new Date(prev.at)) return;
  state.vehicles.set(id, { ...p, lat: Number(p.lat ?? p.latitude), lon: Number(p.lon ?? p.lng ?? p.longitude) });
  mapView.moveVehicle(p);
}

// --- loading -------------------------------------------------------------------------------

function pickCorridor(list) {
  const wanted = new URLSearchParams(location.search).get("corridor");
  if (wanted) return list.find((c) => String(c.id) === wanted) || null;
  const rank = (c) => ({ active: 4, agreed: 3, suspended: 3, proposed: 2, draft: 1 })[String(c.state || c.status || "").toLowerCase()] || 0;
  return [...list].sort((a, b) => rank(b) - rank(a))[0] || null;
}

function deriveClock() {
  const c = state.corridor;
  const w = (c && c.window) || (state.plan && state.plan.window_iso) || null;
  let open = w && fmt.toDate(w.open ?? w.start);
  let close = w && fmt.toDate(w.close ?? w.end);
  if (!close && w && open && w.duration_min) close = new Date(open.getTime() + w.duration_min * 60000);
  state.origin = state.plan && fmt.toDate(state.plan.origin);
  const pw = state.plan && state.plan.window;
  if (!state.origin && open && pw && typeof pw.open === "number") state.origin = new Date(open.getTime() - pw.open * 60000);
  if ((!open || !close) && state.origin && pw && typeof pw.open === "number") {
    open = new Date(state.origin.getTime() + pw.open * 60000);
    close = new Date(state.origin.getTime() + pw.close * 60000);
  }
  state.windowAbs = open && close ? { open, close } : null;
}

async function loadCorridor() {
  const list = await api.corridors();
  const chosen = pickCorridor(list);
  state.corridor = chosen ? await api.corridor(chosen.id) : null;
  if (state.corridor && state.corridor.timezone) fmt.setTimeZone(state.corridor.timezone);
  $("tz").textContent = fmt.timeZoneName();
  renderHeader();
  if (mapView.map && state.corridor) mapView.setAgreement(state.corridor.document);
  {
    await renderAgreement($("agreement"), state.corridor);
    state.agreementDrawn = true;
  }
}

// The newest item of a list the service may not offer yet (404) or may refuse (403): null then.
async function newest(listCall) {
  try {
    const list = await listCall();
    return list.length ? list[list.length - 1] : null;
  } catch (err) {
    if (err instanceof api.ApiError && (err.forbidden || err.missing)) return null;
    throw err;
  }
}

function idOf(x) {
  return x && typeof x === "object" ? x.id : x;
}

// A driver may not read the whole plan, only its own trips: the page shows those.
async function loadTrips() {
  const planId = state.publishedPlan;
  if (!planId || !state.scenarioId) return;
  const [trips, scenario] = await Promise.all([api.trips(planId), api.scenario(state.scenarioId)]);
  state.plan = { routes: trips, origin: scenario.origin || null, window: null };
}

async function loadPlan() {
  if (!may("plans")) {
    if (state.me.role === "driver") await loadTrips();
    return;
  }
  const c = state.corridor;
  let planId = c && idOf(c.plan_id ?? c.plan ?? (c.plans && c.plans.length ? c.plans[c.plans.length - 1] : null));
  if (!planId) {
    const scenario = state.scenarioId;
    const latest = await newest(async () => (await api.plans(scenario)).filter((x) => !x.status || x.status === "done"));
    planId = idOf(latest);
  }
  if (!planId) return;
  try {
    state.plan = await api.plan(planId);
  } catch (err) {
    if (!(err.forbidden || err.missing)) throw err;
  }
}

async function loadMap(config) {
  mapView.ensure(config);
  const c = state.corridor;
  if (c && c.document) mapView.setAgreement(c.document);
  let scenario = c && idOf(c.scenario_id ?? c.scenario);
  if (!scenario) scenario = idOf(await newest(api.scenarios));
  state.scenarioId = scenario || null;
  if (!scenario) return;
  const [fc, roadFc, routeFc] = await Promise.allSettled([api.scenarioMap(scenario), api.roads(scenario), api.routes(scenario)]);
  if (roadFc.status === "fulfilled") mapView.setRoads(roadFc.value);
  if (routeFc.status === "fulfilled") mapView.setRoutes(routeFc.value, c && c.route_id);
  if (fc.status === "fulfilled") mapView.setScenario(fc.value);
  if (state.progress) mapView.setCounts(state.progress.points);
}

function planned(plan) {
  const out = {};
  for (const r of (plan && plan.routes) || []) {
    for (const st of r.stops || []) {
      for (const [cls, n] of Object.entries(st.alight || {})) out[cls] = (out[cls] || 0) + Number(n);
    }
  }
  return out;
}

function sumBy(list, key) {
  const out = {};
  for (const x of list) {
    for (const [cls, n] of Object.entries(x.people || {})) {
      out[x[key]] = out[x[key]] || {};
      out[x[key]][cls] = (out[x[key]][cls] || 0) + Number(n);
    }
  }
  return out;
}

const total = (obj) => Object.values(obj || {}).reduce((a, b) => a + (Number(b) || 0), 0);

// "Evacuated so far" and the counts at each point, from counts the role may read: manifests
// (by vehicle and class), the registry summary (by class and gathering point) and, for the
// roles that may read them, the check-ins (by place). Never from personal records.
async function loadProgress() {
  let p = null;
  try {
    p = await api.progress();
  } catch (err) {
    if (!(err instanceof api.ApiError && err.missing)) throw err;
  }
  if (p) {
    if (p.plan) state.publishedPlan = p.plan;
    let planned = p.planned || {};
    let plannedLabel = "Planned";
    if (!Object.keys(planned).length) {
      // No plan yet: compare with who registered to leave.
      const summary = await api.registrySummary().catch(() => ({}));
      planned = summary.by_class || {};
      plannedLabel = "Registered";
    }
    state.progress = {
      evacuated: p.evacuated || {},
      planned,
      plannedLabel,
      points: [
        ...Object.entries(p.waiting || {}).map(([id, n]) => ({ id, kind: "gathering", waiting: Number(n) })),
        ...Object.entries(p.arrived_at || {}).map(([id, n]) => ({ id, kind: "reception", arrived: Number(n) })),
      ],
      vehicles: Object.entries(p.aboard || {}).map(([vehicle, n]) => ({ vehicle, aboard: { all: Number(n) } })),
    };
    renderProgress();
    renderPoints();
    renderVehicles();
    return;
  }
  // A service without /v1/progress: the same counts from manifests, registry and check-ins.
  const [man, sum, chk] = await Promise.allSettled([
    api.manifests(),
    api.registrySummary(),
    may("checkins") ? api.checkins() : Promise.resolve(null),
  ]);
  if (man.status === "rejected" && sum.status === "rejected") {
    notAvailable($("progress"), man.reason);
    return;
  }
  const manifests = man.status === "fulfilled" ? man.value : {};
  const summary = sum.status === "fulfilled" ? sum.value : {};
  const checkins = chk.status === "fulfilled" ? chk.value : null;
  const evacuated = {};
  const vehicles = [];
  for (const [vehicle, m] of Object.entries(manifests)) {
    for (const [cls, n] of Object.entries(m.arrived || {})) evacuated[cls] = (evacuated[cls] || 0) + Number(n);
    vehicles.push({ vehicle, aboard: m.unaccounted || {} });
  }
  const plannedByClass = planned(state.plan);
  const hasPlan = Object.keys(plannedByClass).length > 0;
  const boardedAt = checkins ? sumBy(checkins.filter((c) => c.kind === "boarding"), "place") : {};
  const arrivedAt = checkins ? sumBy(checkins.filter((c) => c.kind === "arrival"), "place") : {};
  const registered = summary.by_gathering || {};
  const points = [];
  for (const id of [...new Set([...Object.keys(registered), ...Object.keys(boardedAt)])].sort()) {
    const reg = Number(registered[id] || 0);
    const left = total(boardedAt[id]);
    points.push({ id, kind: "gathering", registered: reg, boarded: checkins ? left : undefined, waiting: checkins ? Math.max(0, reg - left) : undefined });
  }
  for (const id of Object.keys(arrivedAt).sort()) points.push({ id, kind: "reception", arrived: total(arrivedAt[id]) });
  state.progress = {
    evacuated,
    planned: hasPlan ? plannedByClass : summary.by_class || {},
    plannedLabel: hasPlan ? "Planned" : "Registered",
    points,
    vehicles,
  };
  renderProgress();
  renderPoints();
  renderVehicles();
}

// Each part loads on its own: a part the service does not offer (or refuses) leaves the others.
async function loadDynamic(what = "all") {
  const steps = [];
  if (what === "all" || what === "corridor") steps.push(["agreement", loadCorridor]);
  if (what === "all" || what === "plan") steps.push(["schedule", loadPlan]);
  if (["all", "progress", "corridor", "plan"].includes(what)) steps.push(["progress", loadProgress]);
  for (const [where, step] of steps) {
    try {
      await step();
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) return showSignIn("Your token was refused. Sign in again.");
      if (where === "agreement") {
        renderHeader();
        notAvailable($("agreement"), err);
      } else if (where === "schedule") notAvailable($("schedule"), err);
      else notAvailable($("progress"), err);
      if (!(err instanceof api.ApiError)) console.error(err);
    }
  }
  deriveClock();
  renderClock();
  if (state.view === "schedule") drawSchedule();
}

async function start() {
  if (!api.savedToken()) return showSignIn("");
  try {
    state.me = await api.me();
  } catch (err) {
    if (err instanceof api.ApiError && (err.status === 401 || err.status === 403)) {
      api.saveToken("");
      return showSignIn("That token was not accepted. Check it and try again.");
    }
    return showSignIn(`The service did not answer: ${err.message}`);
  }
  $("signin").hidden = true;
  $("tabs").hidden = false;
  $("window-clock").hidden = false;
  document.body.dataset.role = state.me.role;
  renderHeader();
  await syncClock();
  const fromHash = location.hash.slice(1);
  selectView(tabs.some((t) => t.dataset.view === fromHash) ? fromHash : "operation");
  $("incident-form").hidden = !may("incidentsWrite");
  if (!may("incidentsWrite")) $("report-title").textContent = "Reporting incidents is not available to your role";

  const config = await api.config();
  await loadDynamic("corridor");
  try {
    await loadMap(config);
  } catch (err) {
    console.error(err);
  }
  await loadDynamic("plan");
  if (may("positions")) {
    try {
      for (const p of await api.latestPositions()) applyPosition(p);
    } catch (err) {
      if (!(err.forbidden || err.missing)) console.error(err);
    }
  }
  renderVehicles();
  try {
    for (const inc of await api.incidents()) addIncident(inc);
  } catch (err) {
    if (!(err.forbidden || err.missing)) console.error(err);
  }
  renderIncidents();
  state.stopStream = api.streamEvents(onEvent, setStreamStatus);
  setInterval(() => {
    renderClock();
    if (state.view === "operation") tickVehicles();
  }, 1000);
  setInterval(() => loadDynamic("progress"), 30000);
  setInterval(syncClock, CLOCK_SYNC_MS);
  document.body.dataset.loaded = "true";
}

$("tz").textContent = fmt.timeZoneName();
start();
