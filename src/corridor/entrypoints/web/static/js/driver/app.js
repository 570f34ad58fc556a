// The driver's page (driver.html): sign in once with the driver's token, then the next stop, the
// trip sheet and its route, three big buttons (boarding, arrived, incident) and the phone's
// position every POSITION_MS while it moves. Every report goes through the outbox (outbox.js)
// with a client-made id, so it is sent when the connection returns and stored once.

import { $, h, put } from "../dom.js";
import { loadLanguage, ngettext, _ } from "../i18n.js";
import { arrivalForm, boardingForm, incidentForm } from "./forms.js";
import * as link from "./link.js";
import * as outbox from "./outbox.js";
import { markDone, nextStop, RouteMap, renderNext, renderSheet } from "./sheet.js";

const POSITION_MS = 30000; // a position report every 30 s while the phone moves,
const POSITION_M = 200; // or sooner once it is 200 m from the last one reported
const RETRY_MS = 15000; // try the outbox again this often while something waits

const page = { me: null, sheet: null, kept: false, map: null, lastFix: null, lastSent: null };

// Metres between two points (equirectangular: exact enough below a few kilometres).
function metres(a, b) {
  const k = Math.PI / 180;
  const x = (b.lon - a.lon) * k * Math.cos(((a.lat + b.lat) / 2) * k);
  const y = (b.lat - a.lat) * k;
  return Math.hypot(x, y) * 6371000;
}

function iso(ms) {
  return new Date(ms).toISOString();
}

async function flush() {
  if (!link.token()) return;
  await outbox.send(link.post);
  await showOutbox();
}

async function keep(route, body) {
  await outbox.keep(route, body);
  await showOutbox();
  flush();
}

async function showOutbox() {
  const [waiting, refused] = await Promise.all([outbox.waiting(), outbox.refused()]);
  const el = $("outbox");
  el.dataset.waiting = String(waiting.length);
  el.dataset.refused = String(refused.length);
  put(
    el,
    waiting.length
      ? h("p", { class: "waiting" }, ngettext("{n} report waits for the connection", "{n} reports wait for the connection", waiting.length))
      : h("p", { class: "sent" }, _("Every report has reached the service")),
    refused.length
      ? h(
          "details",
          { class: "refused" },
          h("summary", {}, ngettext("{n} report was refused", "{n} reports were refused", refused.length)),
          h("ul", {}, refused.map((r) => h("li", { lang: "en" }, `${r.route}: ${r.refused.status} ${r.refused.detail}`))),
        )
      : null,
  );
}

function showLink() {
  const online = navigator.onLine;
  const el = $("link");
  el.dataset.online = String(online);
  el.textContent = online ? _("Online") : _("Offline: reports are kept");
}

function classesOf(sheet) {
  const out = new Set();
  for (const s of sheet ? sheet.stops : []) for (const c of Object.keys({ ...s.board, ...s.deliver })) out.add(c);
  return out.size ? [...out] : ["general"];
}

function draw() {
  renderNext($("next"), page.sheet);
  renderSheet($("sheet"), page.sheet);
  if (page.map) page.map.show(page.sheet);
  if (page.lastFix) page.map.here(page.lastFix.lat, page.lastFix.lon);
  const next = page.sheet ? nextStop(page.sheet) : null;
  $("btn-board").disabled = !next;
  $("btn-arrive").disabled = !next;
}

function position(lat, lon, atMs, speed, heading) {
  const body = {
    client_id: outbox.clientId("p"),
    vehicle: page.me.vehicle,
    at: iso(atMs),
    lat: Number(lat.toFixed(6)),
    lon: Number(lon.toFixed(6)),
  };
  if (Number.isFinite(speed) && speed >= 0) body.speed_kmh = Math.min(400, speed * 3.6);
  if (Number.isFinite(heading) && heading >= 0 && heading < 360) body.heading = heading;
  return keep("/v1/positions", body);
}

function watchLocation() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition(
    (fix) => {
      const { latitude, longitude, speed, heading } = fix.coords;
      page.lastFix = { lat: latitude, lon: longitude };
      if (page.map) page.map.here(latitude, longitude);
      // The phone's clock dates the fix; the service's clock offset corrects it.
      const at = fix.timestamp + (link.now() - Date.now());
      const here = { lat: latitude, lon: longitude, ms: Date.now() };
      const last = page.lastSent;
      if (last && here.ms - last.ms < POSITION_MS && metres(last, here) < POSITION_M) return;
      page.lastSent = here;
      position(latitude, longitude, at, speed, heading);
    },
    (err) => console.warn("no position:", err.message),
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 },
  );
}

function board() {
  const stop = nextStop(page.sheet);
  if (!stop) return;
  boardingForm($("form"), stop, classesOf(page.sheet), (people) => {
    keep("/v1/checkins", {
      client_id: outbox.clientId("b"),
      kind: "boarding",
      vehicle: page.me.vehicle,
      place: stop.place,
      at: iso(link.now()),
      people,
    });
    markDone(page.sheet, stop.seq);
    draw();
  }, closeForm);
}

// Arrived at the next stop: the stop is done, and the phone's last position (else the stop's
// own) is reported with the time. Where people get off (a reception centre), the driver counts
// them by class first, as at boarding; reception checks the registered ones in by name.
function arrive() {
  const stop = nextStop(page.sheet);
  if (!stop) return;
  const done = () => {
    const where = page.lastFix || { lat: stop.lat, lon: stop.lon };
    position(where.lat, where.lon, link.now());
    markDone(page.sheet, stop.seq);
    draw();
  };
  if (!Object.keys(stop.deliver || {}).length) return done();
  arrivalForm($("form"), stop, classesOf(page.sheet), (people) => {
    keep("/v1/checkins", {
      client_id: outbox.clientId("a"),
      kind: "arrival",
      vehicle: page.me.vehicle,
      place: stop.place,
      at: iso(link.now()),
      people,
    });
    done();
  }, closeForm);
}

function incident() {
  incidentForm($("form"), (report) => {
    const where = page.lastFix || {};
    keep("/v1/incidents", {
      client_id: outbox.clientId("i"),
      vehicle: page.me.vehicle,
      at: iso(link.now()),
      ...report,
      ...(where.lat === undefined ? {} : { lat: Number(where.lat.toFixed(6)), lon: Number(where.lon.toFixed(6)) }),
    });
  }, closeForm);
}

function closeForm() {
  $("form").hidden = true;
  $("form").replaceChildren();
}

function showSignIn(message) {
  $("main").hidden = true;
  const form = h(
    "form",
    { id: "signin-form", autocomplete: "off" },
    h("h1", {}, _("Sign in")),
    h("p", {}, _("Paste the driver's access token you were given. The phone keeps it until you sign out.")),
    h("label", { for: "token" }, _("Access token")),
    h("input", { id: "token", type: "password", required: true, spellcheck: "false" }),
    h("button", { type: "submit", class: "primary" }, _("Sign in")),
    h("p", { id: "signin-error", class: "error", role: "alert" }, message || ""),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    link.setToken($("token").value.trim());
    start();
  });
  put($("signin"), form);
  $("signin").hidden = false;
}

async function refresh() {
  try {
    await link.syncClock();
  } catch {
    // offline: the clock offset last measured stays
  }
  const { sheets, kept } = await link.tripSheets();
  page.sheet = sheets.find((s) => s.vehicle === page.me.vehicle) || sheets[0] || null;
  page.kept = kept;
  draw();
}

async function start() {
  if (!link.token()) return showSignIn("");
  try {
    page.me = await link.me();
  } catch (err) {
    if (err instanceof link.ServiceError && err.status === 401) {
      link.setToken("");
      return showSignIn(_("That token was not accepted. Check it and try again."));
    }
    return showSignIn(_("The service did not answer: {reason}", { reason: err.message }));
  }
  if (page.me.role !== "driver" || !page.me.vehicle) {
    link.setToken("");
    return showSignIn(_("This page is for drivers; sign in with a driver's token."));
  }
  $("signin").hidden = true;
  $("main").hidden = false;
  $("vehicle").textContent = page.me.vehicle;
  if (!page.map) page.map = new RouteMap($("map"));
  await refresh();
  await showOutbox();
  flush();
  watchLocation();
  document.body.dataset.loaded = "true";
}

function mount() {
  $("btn-board").textContent = _("Boarding");
  $("btn-arrive").textContent = _("Arrived");
  $("btn-incident").textContent = _("Incident");
  $("btn-signout").textContent = _("Sign out");
  $("btn-board").addEventListener("click", board);
  $("btn-arrive").addEventListener("click", arrive);
  $("btn-incident").addEventListener("click", incident);
  $("btn-signout").addEventListener("click", () => {
    link.setToken("");
    location.reload();
  });
  window.addEventListener("online", () => {
    showLink();
    flush();
    if (page.me) refresh().catch(console.error);
  });
  window.addEventListener("offline", showLink);
  setInterval(() => navigator.onLine && flush(), RETRY_MS);
  showLink();
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/driver-sw.js", { scope: "/driver" }).catch((err) => console.warn("no offline copy:", err));
}
await loadLanguage();
mount();
start();
