// What the page knows, in one place, and who wants to hear when a part of it changes. Loaders
// (data.js) and the live stream (events.js) write it; views read it and redraw on the keys they
// listen to. What the signed-in role may do comes from the service (GET /v1/me: `may`), never
// from a copy of its access table.

export const state = {
  me: null, // GET /v1/me
  config: {}, // GET /v1/config
  corridor: null, // GET /v1/corridors/{id}: the corridor shown
  window: null, // {open: Date, close: Date}: the agreed window, else the scenario's
  scenarioId: null, // the newest scenario: its map layers and its plans
  plan: null, // {id, routes, origin: Date | null, window (minutes) | null}: the plan shown
  progress: null, // GET /v1/progress, and the registered counts before a plan exists
  vehicles: new Map(), // vehicle -> its last position report
  incidents: new Map(), // id -> incident
  streamStatus: "connecting", // connecting | live | reconnecting | refused
  view: null, // the view shown
};

const listeners = new Map();

// Call fn(value) each time `key` changes.
export function on(key, fn) {
  if (!listeners.has(key)) listeners.set(key, []);
  listeners.get(key).push(fn);
}

export function changed(key) {
  for (const fn of listeners.get(key) || []) fn(state[key]);
}

export function set(key, value) {
  state[key] = value;
  changed(key);
}

// Whether the signed-in role may perform `action` of the service's access table (docs/api.md).
export function may(action) {
  return Boolean(state.me && state.me.may.includes(action));
}
