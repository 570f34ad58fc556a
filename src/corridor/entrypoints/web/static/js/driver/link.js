// The driver page's link to the service. The token is kept on this phone (localStorage: an
// installed web app starts a new session each time it opens, and a driver on the road cannot
// paste it again); "Sign out" forgets it. The service's clock is the page's clock: a phone's own
// clock may be wrong, so every report is dated by the phone's clock plus the difference measured
// at the last reading of GET /v1/clock (kept on the phone too).

const TOKEN = "corridor.driver.token";
const OFFSET = "corridor.driver.clock-offset";
const ME = "corridor.driver.me";
const SHEETS = "corridor.driver.trip-sheets";

export class ServiceError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
  }
}

export const token = () => localStorage.getItem(TOKEN) || "";
export function setToken(value) {
  if (value) localStorage.setItem(TOKEN, value);
  else {
    for (const key of [TOKEN, ME, SHEETS]) localStorage.removeItem(key);
  }
}

function headers(extra = {}) {
  return { Accept: "application/json", Authorization: `Bearer ${token()}`, ...extra };
}

async function get(url) {
  const res = await fetch(url, { headers: headers() });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ServiceError(res.status, data);
  return data;
}

// A report's POST for the outbox: answers the Response, or throws when there is no network.
export function post(url, body) {
  return fetch(url, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  });
}

// The service's time now, as the phone best knows it.
export function now() {
  return Date.now() + Number(localStorage.getItem(OFFSET) || 0);
}

export async function syncClock() {
  const asked = Date.now();
  const answer = await get("/v1/clock");
  const got = Date.now();
  const server = Date.parse(answer.now);
  if (Number.isFinite(server)) localStorage.setItem(OFFSET, String(server + (got - asked) / 2 - got));
}

// {user_id, name, role, vehicle, may}, from the service, else as last read on this phone.
export async function me() {
  try {
    const who = await get("/v1/me");
    localStorage.setItem(ME, JSON.stringify(who));
    return who;
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    const kept = localStorage.getItem(ME);
    if (kept) return JSON.parse(kept);
    throw err;
  }
}

// The trip sheets of the driver's vehicle (GET /v1/trip-sheets), else the last ones read on this
// phone; `kept` says which. [] when none is published yet.
export async function tripSheets() {
  try {
    const sheets = await get("/v1/trip-sheets");
    localStorage.setItem(SHEETS, JSON.stringify(sheets));
    return { sheets, kept: false };
  } catch (err) {
    if (err instanceof ServiceError && err.status === 404) return { sheets: [], kept: false };
    if (err instanceof ServiceError && err.status !== 503) throw err;
    const kept = localStorage.getItem(SHEETS);
    return { sheets: kept ? JSON.parse(kept) : [], kept: true };
  }
}
