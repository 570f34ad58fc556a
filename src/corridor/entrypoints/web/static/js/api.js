// Every call the dashboard makes to the coordination service lives here, so that a change of
// the /v1/ API is a change in this one file. Responses are normalised into the shapes the views
// expect; the views never build a URL themselves.

const TOKEN_KEY = "corridor.token";

export class ApiError extends Error {
  constructor(status, problem, url) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem || {};
    this.url = url;
  }
  get forbidden() {
    return this.status === 403;
  }
  get missing() {
    return this.status === 404 || this.status === 405;
  }
}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const token = savedToken();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function request(method, url, body, extraHeaders = {}) {
  const init = { method, headers: headers(extraHeaders) };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data, url);
  return data;
}

const get = (url) => request("GET", url);

// Lists may come bare or wrapped ({items: [...]}, {corridors: [...]}, ...).
function asList(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const key of [...keys, "items", "results", "data"]) {
    if (Array.isArray(data[key])) return data[key];
  }
  return [];
}

function asFeatureCollection(data) {
  if (!data) return { type: "FeatureCollection", features: [] };
  if (data.type === "FeatureCollection") return data;
  if (data.type === "Feature") return { type: "FeatureCollection", features: [data] };
  const features = asList(data, "features");
  return { type: "FeatureCollection", features };
}

// --- who am I --------------------------------------------------------------------------------

export function normaliseRole(role) {
  return String(role || "")
    .toLowerCase()
    .replace(/[_\s]+/g, "-")
    .replace(/^party-([ab])-liaison$/, "liaison-$1")
    .replace(/^liaison-party-([ab])$/, "liaison-$1");
}

export async function me() {
  const data = await get("/v1/me");
  return {
    role: normaliseRole(data.role || (data.roles && data.roles[0])),
    party: data.party || null,
    vehicle: data.vehicle || null,
    organisation: data.organisation || data.org || null,
    may: Array.isArray(data.may) ? data.may : null,
  };
}

// The service's clock: {now (ISO 8601), rate}. Every time on the page is read from it.
export async function clock() {
  return get("/v1/clock");
}

export async function config() {
  try {
    return (await get("/v1/config")) || {};
  } catch (err) {
    if (err instanceof ApiError && (err.missing || err.forbidden)) return {};
    throw err;
  }
}

// --- corridor and agreement ----------------------------------------------------------------

export async function corridors() {
  return asList(await get("/v1/corridors"), "corridors");
}

const PARTY = { party_a: "A", party_b: "B", "liaison-a": "A", "liaison-b": "B", a: "A", b: "B" };

function partyLetter(role) {
  return PARTY[String(role).toLowerCase()] || String(role);
}

function offsetAt(date, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const shown = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return shown - Math.floor(date.getTime() / 1000) * 1000;
}

// A wall-clock time in an IANA zone ("2026-12-02T07:00" in "Europe/Kyiv") as a Date.
export function zonedToDate(local, timeZone) {
  const naive = new Date(`${local}${local.length <= 16 ? ":00" : ""}Z`);
  if (Number.isNaN(naive.getTime())) return null;
  try {
    const first = new Date(naive.getTime() - offsetAt(naive, timeZone));
    // Once more, in case a daylight-saving change lies between the two instants.
    return new Date(naive.getTime() - offsetAt(first, timeZone));
  } catch {
    return null;
  }
}

// The window of an agreement document: {start (local), duration_hours, time_zone}.
export function documentWindow(doc) {
  const w = doc && doc.window;
  if (!w || !w.start || !w.time_zone || w.duration_hours === undefined) return null;
  const open = zonedToDate(String(w.start), String(w.time_zone));
  if (!open) return null;
  return { open, close: new Date(open.getTime() + Number(w.duration_hours) * 3600000), timezone: w.time_zone };
}

export async function corridor(id) {
  const c = await get(`/v1/corridors/${encodeURIComponent(id)}`);
  const versions = asList(c.versions).map((v) => ({
    ...v,
    version: v.version ?? v.number,
    sha256: v.sha256 ?? v.hash,
  }));
  const numberOf = (hash) => (versions.find((v) => v.sha256 === hash) || {}).version;
  const fromMap = (m) =>
    Array.isArray(m) ? m : Object.entries(m || {}).map(([role, hash]) => ({ party: partyLetter(role), role, hash, version: numberOf(hash) }));
  const latest = versions.length ? versions[versions.length - 1] : null;
  const doc = (latest && latest.document) || c.current || {};
  const win = documentWindow(doc);
  return {
    ...c,
    id: c.id ?? id,
    name: doc.title || c.name || c.id,
    state: c.state || c.status || "draft",
    description: c.description || "",
    ready: Boolean(c.ready),
    missing: asList(c.missing),
    checklist: asList(c.checklist),
    versions,
    participants: c.participants || doc.participants || {},
    acceptances: fromMap(c.acceptances ?? c.accepted),
    confirmations: fromMap(c.confirmations ?? c.ceasefire_confirmations),
    document: doc,
    window: c.window && c.window.opens ? { open: c.window.opens, close: c.window.closes } : win ? { open: win.open.toISOString(), close: win.close.toISOString() } : null,
    timezone: (win && win.timezone) || c.timezone || c.time_zone || null,
  };
}

// The differences between two versions: a list of sentences (or of {field, before, after}).
export async function diff(id, from, to) {
  const q = new URLSearchParams({ from: String(from), to: String(to) });
  const data = await get(`/v1/corridors/${encodeURIComponent(id)}/diff?${q}`);
  return asList(data, "changes", "differences");
}

// --- map layers ------------------------------------------------------------------------------

export async function scenarios() {
  return asList(await get("/v1/scenarios"), "scenarios");
}

export async function plans(scenario) {
  const q = scenario ? `?${new URLSearchParams({ scenario: String(scenario) })}` : "";
  return asList(await get(`/v1/plans${q}`), "plans");
}

export async function scenario(id) {
  return get(`/v1/scenarios/${encodeURIComponent(id)}`);
}

// One vehicle's stops for its driver (the service narrows them to the driver's own vehicle).
export async function trips(planId) {
  return asList(await get(`/v1/plans/${encodeURIComponent(planId)}/trips`), "trips", "routes");
}

export async function scenarioMap(scenario) {
  return asFeatureCollection(await get(`/v1/scenarios/${encodeURIComponent(scenario)}/map`));
}

export async function roads(scenario) {
  return asFeatureCollection(await get(`/v1/scenarios/${encodeURIComponent(scenario)}/roads`));
}

export async function routes(scenario) {
  const q = new URLSearchParams({ scenario: String(scenario) });
  return asFeatureCollection(await get(`/v1/routes?${q}`));
}

// --- plan, progress, positions ------------------------------------------------------------

export async function plan(id) {
  const p = await get(`/v1/plans/${encodeURIComponent(id)}`);
  const body = p.plan && p.plan.routes ? p.plan : p;
  return {
    ...p,
    routes: asList(body.routes),
    origin: p.origin || p.t0 || p.clock_origin || null,
    window: p.window || null,
  };
}

// Counts only: {planned, boarded, evacuated (by class), aboard (by vehicle), waiting (by
// gathering point), arrived_at (by reception centre)}.
export async function progress() {
  return (await get("/v1/progress")) || {};
}

// Counts only, by vehicle and class: {vehicle: {boarded, arrived, unaccounted, over_arrived}}.
export async function manifests() {
  const data = (await get("/v1/manifests")) || {};
  return Array.isArray(data) ? Object.fromEntries(data.map((m) => [m.vehicle, m])) : data;
}

// Counts only: {total, by_class, by_gathering, by_vehicle, by_status}.
export async function registrySummary() {
  return (await get("/v1/registry/summary")) || {};
}

// Boarding and arrival check-ins (counts by class and place; no names).
export async function checkins() {
  return asList(await get("/v1/checkins"), "checkins");
}

export async function latestPositions() {
  return asList(await get("/v1/positions?latest=true"), "positions");
}

// Names of the people aboard one vehicle: personal data, only for the humanitarian roles. The
// service writes an audit record of this read with its purpose.
export async function namesAboard(vehicle) {
  const q = new URLSearchParams({ vehicle: String(vehicle), purpose: "dashboard: who is aboard this vehicle" });
  return asList(await get(`/v1/registry/evacuees?${q}`), "evacuees");
}

// --- simulations (docs/simulation.md) -------------------------------------------------------

export async function simulations(planId) {
  const q = new URLSearchParams({ plan: String(planId) });
  return asList(await get(`/v1/simulations?${q}`), "simulations");
}

export async function simulation(id) {
  return get(`/v1/simulations/${encodeURIComponent(id)}`);
}

export async function startSimulation(body) {
  return request("POST", "/v1/simulations", body);
}

// A plot as an object URL (an <img> cannot send the Authorization header); revoke it when done.
export async function simulationPlot(id, name) {
  const url = `/v1/simulations/${encodeURIComponent(id)}/plots/${encodeURIComponent(name)}`;
  const res = await fetch(url, { headers: headers({ Accept: "image/png" }) });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), url);
  return URL.createObjectURL(await res.blob());
}

// --- incidents ---------------------------------------------------------------------------

export async function incidents() {
  return asList(await get("/v1/incidents"), "incidents");
}

export async function reportIncident(incident) {
  // A client-made key: pressing "Report" twice on a bad connection files one incident.
  const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  return request("POST", "/v1/incidents", { client_id: key, ...incident }, { "Idempotency-Key": key });
}

// --- live events -------------------------------------------------------------------------

// Server-Sent Events read with fetch (EventSource cannot send an Authorization header, and a
// token in the address would end up in logs). Reconnects with Last-Event-ID after a drop.
export function streamEvents(onEvent, onStatus) {
  const controller = new AbortController();
  let lastId = "";
  let stopped = false;

  function dispatch(block) {
    let event = "message";
    const dataLines = [];
    let id = null;
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") dataLines.push(value);
      else if (field === "id") id = value;
    }
    if (id !== null) lastId = id;
    if (!dataLines.length) return;
    let data = dataLines.join("\n");
    try {
      data = JSON.parse(data);
    } catch {
      /* plain text event */
    }
    if (event === "message" && data && typeof data === "object" && data.type) event = data.type;
    onEvent(event, data);
  }

  async function run() {
    while (!stopped) {
      try {
        const h = headers({ Accept: "text/event-stream" });
        if (lastId) h["Last-Event-ID"] = lastId;
        const res = await fetch("/v1/events", { headers: h, signal: controller.signal });
        if (res.status === 401 || res.status === 403) {
          onStatus("refused");
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onStatus("live");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = (buffer + value).replace(/\r\n?/g, "\n");
          let cut = buffer.indexOf("\n\n");
          while (cut >= 0) {
            dispatch(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf("\n\n");
          }
        }
      } catch (err) {
        if (stopped) return;
      }
      if (stopped) return;
      onStatus("reconnecting");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
