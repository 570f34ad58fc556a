// The trip sheet: the next stop and its time, every stop in order, and the route on the map
// (Leaflet, bundled; no background tiles, so it draws without a network). A stop is done once
// the driver reported boarding there or pressed "Arrived" at it (kept on the phone per plan
// version), or, for the starting depot, once its departure time has passed.

import { h, put } from "../dom.js";
import { locale, _ } from "../i18n.js";
import { now } from "./link.js";

const DONE = "corridor.driver.done";

export function timeOf(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "–";
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(new Date(t));
}

function counts(byClass) {
  const parts = Object.entries(byClass || {}).filter(([, n]) => n > 0);
  return parts.length ? parts.map(([c, n]) => `${c} ${n}`).join(", ") : "";
}

const sheetKey = (sheet) => `${sheet.vehicle}@${sheet.plan_version}`;

function doneSet(sheet) {
  const all = JSON.parse(localStorage.getItem(DONE) || "{}");
  return new Set(all[sheetKey(sheet)] || []);
}

export function markDone(sheet, seq) {
  const all = JSON.parse(localStorage.getItem(DONE) || "{}");
  const key = sheetKey(sheet);
  all[key] = [...new Set([...(all[key] || []), seq])];
  localStorage.setItem(DONE, JSON.stringify(all));
}

export function nextStop(sheet) {
  const done = doneSet(sheet);
  return (
    sheet.stops.find((s, i) => {
      if (done.has(s.seq)) return false;
      const left = Date.parse(s.planned_departure);
      return !(i === 0 && s.kind === "depot" && Number.isFinite(left) && left < now());
    }) || null
  );
}

function kindName(kind) {
  return (
    {
      depot: _("Depot"),
      gathering: _("Gathering point"),
      checkpoint: _("Checkpoint"),
      reception: _("Reception centre"),
    }[kind] || kind
  );
}

export function renderNext(el, sheet) {
  if (!sheet) {
    put(el, h("h1", {}, _("No trip sheet yet")), h("p", { class: "muted" }, _("It appears here once the coordinator publishes the plan.")));
    return;
  }
  const next = nextStop(sheet);
  if (!next) {
    put(el, h("h1", {}, _("All stops done")));
    return;
  }
  const late = Date.parse(next.planned_arrival) < now();
  put(
    el,
    h("p", { class: "label" }, _("Next stop")),
    h("h1", { id: "next-place", translate: "no" }, next.place),
    h("p", { class: "kind" }, kindName(next.kind)),
    h(
      "p",
      { class: late ? "time late" : "time", id: "next-time" },
      _("Arrive {arrive}, leave {leave}", { arrive: timeOf(next.planned_arrival), leave: timeOf(next.planned_departure) }),
    ),
    counts(next.board) ? h("p", {}, _("Board: {counts}", { counts: counts(next.board) })) : null,
    counts(next.deliver) ? h("p", {}, _("Deliver: {counts}", { counts: counts(next.deliver) })) : null,
  );
}

export function renderSheet(el, sheet) {
  el.hidden = !sheet;
  if (!sheet) {
    el.replaceChildren();
    return;
  }
  const done = doneSet(sheet);
  const rows = sheet.stops.map((s) =>
    h(
      "tr",
      { class: done.has(s.seq) ? "done" : null, "data-seq": s.seq },
      h("td", {}, timeOf(s.planned_arrival)),
      h("td", { translate: "no" }, s.place),
      h("td", {}, kindName(s.kind)),
      h("td", {}, counts(s.board)),
    ),
  );
  put(
    el,
    h("h2", {}, _("Trip sheet")),
    h(
      "table",
      { class: "stops" },
      h("thead", {}, h("tr", {}, [_("Time"), _("Place"), _("Stop"), _("Board")].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
  );
}

export class RouteMap {
  constructor(element) {
    this.element = element;
    this.map = null;
    this.layer = null;
    this.me = null;
    this.framed = false; // true once the view shows the route, or else the phone's position
  }

  ensure() {
    if (this.map || !window.L) return;
    this.map = window.L.map(this.element, { zoomControl: true, attributionControl: true });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution("© OpenStreetMap contributors");
    this.map.setView([0, 0], 2);
  }

  show(sheet) {
    this.ensure();
    if (!this.map) return;
    const L = window.L;
    if (this.layer) this.layer.remove();
    this.layer = L.layerGroup().addTo(this.map);
    if (!sheet) return;
    const next = nextStop(sheet);
    const coords = (sheet.route && sheet.route.coordinates) || [];
    const line = coords.map(([lon, lat]) => [lat, lon]);
    if (line.length > 1) L.polyline(line, { color: "#0b4fa8", weight: 6, opacity: 0.85, className: "route-line" }).addTo(this.layer);
    for (const s of sheet.stops) {
      const isNext = next && s.seq === next.seq;
      L.circleMarker([s.lat, s.lon], {
        radius: isNext ? 11 : 7,
        color: "#111",
        weight: 2,
        fillColor: isNext ? "#ffbf00" : "#fff",
        fillOpacity: 1,
        className: isNext ? "stop next-stop" : "stop",
      })
        .bindTooltip(s.place)
        .addTo(this.layer);
    }
    const all = [...line, ...sheet.stops.map((s) => [s.lat, s.lon])];
    if (all.length) {
      this.map.fitBounds(L.latLngBounds(all), { padding: [18, 18] });
      this.framed = true;
    }
  }

  here(lat, lon) {
    this.ensure();
    if (!this.map) return;
    const L = window.L;
    if (!this.me) this.me = L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 3, fillColor: "#b00000", fillOpacity: 1, className: "me" }).addTo(this.map);
    else this.me.setLatLng([lat, lon]);
    if (!this.framed) {
      this.map.setView([lat, lon], 15);
      this.framed = true;
    }
  }
}
