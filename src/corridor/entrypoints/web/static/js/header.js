// The header, always visible: the corridor and its readiness, the window clock, who is signed
// in, the live stream's state and the language; and the footer, which names the time zone.

import * as api from "./api.js";
import { now, rate, replay } from "./clock.js";
import { $, data, h, put, withData } from "./dom.js";
import { clock, dateTime, day, duration, timeZoneName, words } from "./format.js";
import { language, languages, setLanguage, _, ngettext } from "./i18n.js";
import { on, state } from "./state.js";

const SHORT_WINDOW_MIN = 60; // amber below this
const CRITICAL_WINDOW_MIN = 20; // red and loud below this

export function roleName(role) {
  const names = {
    admin: _("Administrator"),
    coordinator: _("Coordinator (neutral intermediary)"),
    "liaison-a": _("Liaison officer, party A"),
    "liaison-b": _("Liaison officer, party B"),
    registrar: _("Registrar"),
    driver: _("Driver"),
    reception: _("Reception centre"),
    observer: _("Observer"),
  };
  return names[role] || words(role);
}

// READY / NOT READY, or SUSPENDED / CLOSED, which outrank readiness: nobody may move.
export function readinessBadge(c) {
  if (c.status === "suspended") return h("span", { class: "state state-notready state-stop", "data-ready": "false" }, _("SUSPENDED"));
  if (c.status === "closed") return h("span", { class: "state state-unknown", "data-ready": "false" }, _("CLOSED"));
  return c.ready
    ? h("span", { class: "state state-ready", "data-ready": "true" }, _("READY"))
    : h("span", { class: "state state-notready", "data-ready": "false" }, _("NOT READY"));
}

// The corridor's title, as its latest version names it.
export function corridorTitle(c) {
  const latest = c.versions[c.versions.length - 1];
  return (latest && latest.document.title) || c.id;
}

function renderSummary() {
  const c = state.corridor;
  const missing = c && !c.ready && c.status !== "closed" ? c.missing.length : 0;
  put(
    $("corridor-summary"),
    c ? h("span", { class: "corridor-name", translate: "no" }, corridorTitle(c)) : h("span", { class: "muted" }, _("No corridor proposed yet")),
    c ? readinessBadge(c) : null,
    missing ? h("span", { class: "missing-count" }, ngettext("{n} item missing", "{n} items missing", missing)) : null,
  );
}

function signOut() {
  api.saveToken("");
  location.reload();
}

function renderWho() {
  const me = state.me;
  if (!me) return $("who").replaceChildren();
  put(
    $("who"),
    h("span", { class: "role", id: "role" }, roleName(me.role)),
    me.vehicle ? h("span", { class: "muted" }, " · ", withData(_("vehicle {vehicle}"), { vehicle: data(me.vehicle) })) : null,
    h("span", { id: "stream-status", class: "stream-status" }),
    h("button", { type: "button", class: "ghost", id: "sign-out", onclick: signOut }, _("Sign out")),
  );
  renderStream();
}

function renderStream() {
  const s = state.streamStatus;
  const el = $("stream-status");
  if (!el) return;
  const text = {
    connecting: _("connecting…"),
    live: _("● live"),
    reconnecting: _("reconnecting…"),
    refused: _("live updates not available to your role"),
  };
  el.textContent = text[s] || s;
  el.dataset.state = s;
}

// "2 h 05 min left in the window", the window's times, the zone; loud in the last minutes.
export function renderClock() {
  const el = $("window-clock");
  const w = state.window;
  if (!w) {
    el.replaceChildren(h("span", { class: "muted" }, _("Window not agreed yet")));
    el.className = "window-clock";
    return;
  }
  const at = now();
  let cls = "window-clock";
  let main;
  const span = { from: clock(w.open), to: clock(w.close) };
  const sameDay = day(w.open) === day(new Date(at));
  const parts = [sameDay ? _("Window {from}–{to}", span) : _("Window {day}, {from}–{to}", { ...span, day: day(w.open) })];
  if (at < w.open.getTime()) {
    main = _("Window opens in {time}", { time: duration(w.open.getTime() - at) });
  } else if (at < w.close.getTime()) {
    const left = w.close.getTime() - at;
    main = _("{time} left in the window", { time: duration(left) });
    if (left < CRITICAL_WINDOW_MIN * 60000) cls += " critical";
    else if (left < SHORT_WINDOW_MIN * 60000) cls += " short";
    parts.push(_("closes at {time}", { time: clock(w.close) }));
  } else {
    main = _("Window closed");
    cls += " closed";
  }
  parts.push(data(timeZoneName()));
  if (replay()) {
    const speed = rate() !== 1 ? ` ×${rate()}` : "";
    parts.push(_("rehearsal or replay: operation time {time}", { time: dateTime(new Date(at)) }) + speed);
  }
  el.className = cls + (replay() ? " replay" : "");
  const sub = parts.flatMap((p, i) => (i ? [" · ", p] : [p]));
  el.replaceChildren(h("span", { class: "clock-main" }, main), h("span", { class: "clock-sub" }, sub));
  el.setAttribute("role", cls.includes("critical") ? "alert" : "timer");
}

function renderLanguages() {
  const select = h(
    "select",
    { id: "language", "aria-label": _("Language"), title: _("Language") },
    languages().map((l) => h("option", { value: l.code, lang: l.code, selected: l.code === language() ? true : null }, l.name)),
  );
  select.addEventListener("change", () => setLanguage(select.value));
  $("language-picker").replaceChildren(select);
}

function renderFooter() {
  put($("foot"), _("Map data © OpenStreetMap contributors (ODbL)."), " ", withData(_("Times in {zone}."), { zone: data(timeZoneName()) }));
}

export function mountHeader() {
  document.title = _("corridor · operations dashboard");
  $("brand-sub").textContent = _("operations dashboard");
  $("skip-link").textContent = _("Skip to the dashboard");
  renderLanguages();
  renderFooter();
  on("me", renderWho);
  on("corridor", () => {
    renderSummary();
    renderFooter();
  });
  on("window", renderClock);
  on("streamStatus", renderStream);
}
