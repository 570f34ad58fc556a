// Every call the dashboard makes to the coordination service lives here, so that a change of
// the /v1/ API is a change in this one file. Each route answers one pinned shape (its response
// model in the service's OpenAPI schema, /openapi.json; docs/api.md): the page reads that shape
// as it is and never guesses between several. The views never build a URL themselves.

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
    return this.status === 404;
  }
}

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// The headers of every call: the token goes in a header, never in an address.
export function headers(extra = {}) {
  const out = { Accept: "application/json", ...extra };
  const token = savedToken();
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
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
const part = (x) => encodeURIComponent(String(x));
const query = (params) => new URLSearchParams(params).toString();

// --- languages (public: the sign-in page is read in the reader's language) -----------------

// {source, languages: [{code, name}]}
export const languages = () => get("/v1/i18n");
// {language, plural: {category: index}, messages: {msgid: text | [forms]}}
export const catalogue = (code) => get(`/v1/i18n/${part(code)}`);

// --- who am I, the service's clock and settings --------------------------------------------

// {user_id, name, role, party, vehicle, organisation_id, may: [action, ...]}
export const me = () => get("/v1/me");
// {now (ISO 8601), rate}: every time on the page is read from it.
export const clock = () => get("/v1/clock");
// {tiles_url (null: no background tiles), attribution}
export const config = () => get("/v1/config");

// --- corridor and agreement ------------------------------------------------------------------

// [{id, as_of, status, description, ready, latest, missing, window}]
export const corridors = () => get("/v1/corridors");
// {…, window: {opens, closes, time_zone} | null, checklist: [{ok, text}], versions: [{number,
// hash, author, index, document, accepted_by}], acceptances: {role: hash}, confirmations, …}
export const corridor = (id) => get(`/v1/corridors/${part(id)}`);
// {corridor, from, to, changes: [sentence]}
export const diff = (id, from, to) => get(`/v1/corridors/${part(id)}/diff?${query({ from, to })}`);

// --- scenario, map layers, plans -------------------------------------------------------------

export const scenarios = () => get("/v1/scenarios");
export const scenario = (id) => get(`/v1/scenarios/${part(id)}`);
// GeoJSON FeatureCollections; each feature's properties.layer says what it is.
export const scenarioMap = (id) => get(`/v1/scenarios/${part(id)}/map`);
export const roads = (id) => get(`/v1/scenarios/${part(id)}/roads`);
export const routes = (id) => get(`/v1/routes?${query({ scenario: id })}`);
export const plans = (scenarioId) => get(`/v1/plans?${query({ scenario: scenarioId })}`);
// {id, status, plan: {routes: [{vehicle, stops}]} | null, origin, window: {open, close} (minutes)}
export const plan = (id) => get(`/v1/plans/${part(id)}`);
// One vehicle's stops for its driver (the service narrows them to the driver's own vehicle).
export const trips = (planId) => get(`/v1/plans/${part(planId)}/trips`);

// --- the operation: counts, positions, incidents ---------------------------------------------

// Counts only: {plan, planned, boarded, evacuated (by class), aboard (by vehicle), waiting (by
// gathering point), arrived_at (by reception centre)}.
export const progress = () => get("/v1/progress");
// Counts only: {total, by_class, by_gathering, by_vehicle, by_status}.
export const registrySummary = () => get("/v1/registry/summary");
export const latestPositions = () => get("/v1/positions?latest=true");
export const incidents = () => get("/v1/incidents");

// Names of the people aboard one vehicle: personal data, only for the humanitarian roles. The
// service writes an audit record of this read with its purpose.
export function namesAboard(vehicle) {
  return get(`/v1/registry/evacuees?${query({ vehicle, purpose: "dashboard: who is aboard this vehicle" })}`);
}

export function reportIncident(incident) {
  // A client-made key: pressing "Report" twice on a bad connection files one incident.
  const key = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  return request("POST", "/v1/incidents", { client_id: key, ...incident }, { "Idempotency-Key": key });
}

// --- alerts (docs/live.md) ------------------------------------------------------------------

// [{id, kind, vehicle, person, state (raised | acknowledged | cleared), raised_at,
// acknowledged_at, cleared_at, detail, data, plan_version}]
export const alerts = () => get("/v1/alerts");
// The coordinator has seen it: answers the alert as it now is (a retry changes nothing).
export const acknowledgeAlert = (id) => request("POST", `/v1/alerts/${part(id)}/acknowledge`);

// --- simulations (docs/simulation.md) -------------------------------------------------------

export const simulations = (planId) => get(`/v1/simulations?${query({ plan: planId })}`);
export const simulation = (id) => get(`/v1/simulations/${part(id)}`);
export const startSimulation = (body) => request("POST", "/v1/simulations", body);

// A plot as an object URL (an <img> cannot send the Authorization header); revoke it when done.
export async function simulationPlot(id, name) {
  const url = `/v1/simulations/${part(id)}/plots/${part(name)}`;
  const res = await fetch(url, { headers: headers({ Accept: "image/png" }) });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), url);
  return URL.createObjectURL(await res.blob());
}
