// The outbox: every report the driver makes (a position, a boarding count, an incident) is first
// written to IndexedDB with a client-made id, and only then sent. It leaves the outbox when the
// service has answered that it stored it (or that it already had it: the same client id is
// stored once, docs/api.md "Retries never duplicate"). A report the service refuses for good
// (a 4xx other than 401/408/429) moves to the "refused" store, where the driver sees it, so that
// it never blocks the ones behind it. One tab sends at a time (Web Locks), and only one send runs
// in a tab, so the same report is never in two requests at once.

const DB_NAME = "corridor-driver";
const OUTBOX = "outbox";
const REFUSED = "refused";
const BATCH = 200; // position reports per request (the service takes up to 500)

let dbPromise = null;
let sending = null;
const listeners = [];

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
        db.createObjectStore(REFUSED, { keyPath: "seq" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

async function all(store) {
  const db = await open();
  const tx = db.transaction(store, "readonly");
  const req = tx.objectStore(store).getAll();
  await done(tx);
  return req.result;
}

// A client-made id: unique on this device and across devices.
export function clientId(prefix) {
  const random = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `${prefix}-${random}`;
}

// Keep `body` for `route` (one of ROUTES) until the service has it; resolves once it is on disk.
export async function keep(route, body) {
  if (!ROUTES[route]) throw new Error(`no such route in the outbox: ${route}`);
  const db = await open();
  const tx = db.transaction(OUTBOX, "readwrite");
  tx.objectStore(OUTBOX).add({ route, body, made: Date.now(), tries: 0 });
  await done(tx);
  changed();
}

export const waiting = () => all(OUTBOX);
export const refused = () => all(REFUSED);

// Call fn() after every change of the outbox (to redraw its counts).
export function onChange(fn) {
  listeners.push(fn);
}

function changed() {
  for (const fn of listeners) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
}

// What each route takes: positions go in batches; the others one request each.
const ROUTES = {
  "/v1/positions": { batch: true },
  "/v1/checkins": { batch: false },
  "/v1/incidents": { batch: false },
};

class Offline extends Error {}

// Send what waits, oldest first; `post(route, body)` answers a Response or throws (no network).
// Stops at the first report the service could not take now (offline, 5xx, 401): they stay, in
// order, for the next try. Resolves to the number of reports the service now has.
export function send(post) {
  if (sending) return sending;
  const run = async () => {
    if (navigator.locks) return navigator.locks.request("corridor-driver-outbox", () => sendAll(post));
    return sendAll(post);
  };
  sending = run().finally(() => {
    sending = null;
  });
  return sending;
}

async function sendAll(post) {
  let sent = 0;
  try {
    for (;;) {
      const items = (await all(OUTBOX)).sort((a, b) => a.seq - b.seq);
      if (!items.length) break;
      const first = items[0];
      const group = ROUTES[first.route].batch
        ? items.filter((i) => i.route === first.route).slice(0, BATCH)
        : [first];
      const body = ROUTES[first.route].batch
        ? { positions: group.map((i) => i.body) }
        : first.body;
      let res;
      try {
        res = await post(first.route, body);
      } catch {
        throw new Offline();
      }
      if (res.ok) {
        await remove(group, null);
        sent += group.length;
      } else if (res.status >= 400 && res.status < 500 && ![401, 408, 429].includes(res.status)) {
        const problem = await res.json().catch(() => ({}));
        await remove(group, { status: res.status, detail: problem.detail || problem.title || "" });
      } else {
        throw new Offline();
      }
    }
  } catch (err) {
    if (!(err instanceof Offline)) throw err;
  }
  if (sent) changed();
  return sent;
}

// Take `group` out of the outbox; with `why`, into the refused store (in one transaction).
async function remove(group, why) {
  const db = await open();
  const tx = db.transaction([OUTBOX, REFUSED], "readwrite");
  for (const item of group) {
    tx.objectStore(OUTBOX).delete(item.seq);
    if (why) tx.objectStore(REFUSED).put({ ...item, refused: why });
  }
  await done(tx);
  if (why) changed();
}
