// The map: road network, zone, hazards, routes and points as vector layers from the API, and
// the live vehicles. No background tiles unless the service is configured with a tile address.
// It opens on the operation area (the zone and every place of the scenario); points that would
// sit on one another are spread apart (views/map-spread.js). A place that does not connect (the
// scenario's reachability check) is ringed in red.

import { h } from "../dom.js";
import { clockSeconds, coordinate, km, minutes, number, words } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { fitLabels, spread } from "./map-spread.js";

// The legal credit of the map data, as OpenStreetMap asks for it (the footer has it too).
const ATTRIBUTION = "© OpenStreetMap contributors";

function pointKinds() {
  return {
    gathering: { letter: "G", label: _("Gathering point (inside the zone)") },
    checkpoint: { letter: "K", label: _("Checkpoint") },
    depot: { letter: "D", label: _("Depot (vehicles, supplies)") },
    reception: { letter: "R", label: _("Reception centre") },
  };
}

const KINDS = ["gathering", "checkpoint", "depot", "reception"];
const partyName = (side) => ({ party_a: _("party A"), party_b: _("party B") })[side] || side;

function layerOf(feature) {
  const raw = String(feature.properties.layer || "").toLowerCase();
  for (const k of ["zone", "hazard", "gathering", "depot", "reception", "checkpoint", "route"]) {
    if (raw.startsWith(k)) return k;
  }
  return raw || "other";
}

// Leaflet's metric scale, its units written the reader's way ("500 м", "1 км").
function scaleControl(L) {
  const unit = (n, name) => new Intl.NumberFormat(document.documentElement.lang, { style: "unit", unit: name }).format(n);
  const Scale = L.Control.Scale.extend({
    _updateMetric(maxMeters) {
      const meters = this._getRoundNum(maxMeters);
      this._updateScale(this._mScale, meters < 1000 ? unit(meters, "meter") : unit(meters / 1000, "kilometer"), meters / maxMeters);
    },
  });
  return new Scale({ metric: true, imperial: false });
}

export class MapView {
  constructor(element, legendElement) {
    this.element = element;
    this.legendElement = legendElement;
    this.map = null;
    this.vehicles = new Map(); // id -> {marker, trail, last}
    this.points = new Map(); // id -> {marker, feature, kind, latlng}
    this.fitted = false; // "scenario" once framed on the operation area
  }

  ensure(config) {
    if (this.map) return;
    const L = window.L;
    this.map = L.map(this.element, { zoomControl: false, attributionControl: true, keyboard: true });
    L.control.zoom({ zoomInTitle: _("Zoom in"), zoomOutTitle: _("Zoom out") }).addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(ATTRIBUTION);
    this.map.setView([0, 0], 2);
    if (config.tiles_url) L.tileLayer(config.tiles_url, { attribution: ATTRIBUTION, maxZoom: 19 }).addTo(this.map);
    for (const [name, z] of Object.entries({ roadsPane: 350, zonePane: 360, hazardPane: 370, routePane: 380 })) {
      this.map.createPane(name).style.zIndex = String(z);
    }
    // Place labels only where they can be read; the side panel lists every count anyway.
    const labels = () => this.element.classList.toggle("labels-hidden", this.map.getZoom() < 15);
    this.map.on("zoomend", labels);
    this.map.on("zoomend", () => spread(this));
    labels();
    const group = () => L.layerGroup().addTo(this.map);
    this.groups = { roads: group(), zone: group(), hazards: group(), routes: group(), points: group(), leaders: group(), vehicles: group() };
    const overlays = {
      [_("Road network")]: this.groups.roads,
      [_("Besieged zone")]: this.groups.zone,
      [_("Hazards")]: this.groups.hazards,
      [_("Corridor routes")]: this.groups.routes,
      [_("Points and counts")]: this.groups.points,
      [_("Live vehicles")]: this.groups.vehicles,
    };
    this.layerControl = L.control.layers(null, overlays, { collapsed: true }).addTo(this.map);
    scaleControl(L).addTo(this.map);
    this.renderLegend();
  }

  // The legend lists what the map draws now, and nothing else.
  renderLegend() {
    const d = this.drawn || {};
    const item = (cls, text) => h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
    const badge = (cls, letter, text) => h("li", {}, h("span", { class: `badge ${cls}`, "aria-hidden": "true" }, letter), text);
    const kinds = new Set([...this.points.values()].map((e) => e.kind));
    const names = pointKinds();
    this.legendElement.setAttribute("aria-label", _("Map legend"));
    this.legendElement.replaceChildren(
      h(
        "ul",
        {},
        d.zone ? item("sw-zone", _("Besieged zone")) : null,
        d.closed ? item("sw-closed", _("Hazard: closed")) : null,
        d.risk ? item("sw-risk", _("Hazard: risk")) : null,
        d.routes ? item("sw-route", _("Corridor route")) : null,
        d.roads ? item("sw-road", _("Road")) : null,
        ...KINDS.filter((k) => kinds.has(k)).map((k) => badge(`badge-${k}`, names[k].letter, names[k].label)),
        d.cut ? badge("badge-cut", "!", _("Does not connect (see the scenario's warnings)")) : null,
        d.spread ? item("sw-leader", _("Moved aside to be read: the line leads to the place")) : null,
        d.crowd ? badge("badge-crowd", "n", _("Several places here: click to zoom in")) : null,
        this.vehicles.size ? h("li", {}, h("span", { class: "veh-dot", "aria-hidden": "true" }), _("Vehicle (last report)")) : null,
      ),
    );
  }

  setRoads(fc) {
    const L = window.L;
    this.groups.roads.clearLayers();
    const styles = { main: { color: "#5f5f5f", weight: 2.6, opacity: 0.95 }, minor: { color: "#9a9a9a", weight: 1, opacity: 0.85 } };
    L.geoJSON(fc, {
      pane: "roadsPane",
      interactive: false,
      style: (f) => styles[f.properties.band] || { color: "#7d7d7d", weight: 1.5, opacity: 0.9 },
    }).addTo(this.groups.roads);
    this.drawn = { ...(this.drawn || {}), roads: fc.features.length > 0 };
    this.renderLegend();
  }

  // Candidates stay in the background (thin, dashed); the agreed route is drawn from the agreement.
  setRoutes(fc) {
    const L = window.L;
    this.groups.routes.clearLayers();
    L.geoJSON(fc, {
      pane: "routePane",
      style: { color: "#4f86c6", weight: 2.5, opacity: 0.55, dashArray: "6 5" },
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindPopup(
          h(
            "div",
            {},
            h("strong", {}, _("Route through {checkpoint} to {reception}", { checkpoint: p.checkpoint, reception: p.reception })),
            h("div", {}, _("Driving time: {time}", { time: minutes(p.time_min) })),
            h("div", {}, _("Length: {length}", { length: km(p.length_km) })),
            h("div", {}, _("Near hazards: {time}", { time: minutes(p.exposure_min) })),
          ),
        );
      },
    }).addTo(this.groups.routes);
    this.drawn = { ...(this.drawn || {}), routes: fc.features.length > 0 };
    this.renderLegend();
  }

  addZone(f, bounds) {
    const style = { color: "#9b1c1c", weight: 3, dashArray: "8 6", fillColor: "#d94848", fillOpacity: 0.07 };
    const layer = window.L.geoJSON(f, { pane: "zonePane", style }).addTo(this.groups.zone);
    layer.bindTooltip(_("Besieged zone"), { sticky: true });
    bounds.extend(layer.getBounds());
  }

  addHazard(f) {
    const L = window.L;
    const p = f.properties;
    const closed = Boolean(p.closed);
    const buffer = Number(p.buffer_m) || 0;
    const layer = L.geoJSON(f, {
      pane: "hazardPane",
      // A point hazard covers a circle of buffer_m metres around it.
      pointToLayer: (_pt, latlng) => L.circle(latlng, { radius: Math.max(buffer, 40), pane: "hazardPane" }),
      style: {
        color: closed ? "#b00000" : "#c25e00",
        weight: closed ? 4 : 3,
        fillColor: closed ? "#d40000" : "#f08c00",
        fillOpacity: closed ? 0.35 : 0.22,
        dashArray: closed ? null : "4 4",
      },
    }).addTo(this.groups.hazards);
    const what = words(p.kind);
    let text = closed ? _("{what}: closed to traffic", { what }) : _("{what}: risk", { what });
    if (!closed && p.penalty !== undefined && p.penalty !== null) {
      text += ` ${_("(a minute near it counts as {time})", { time: minutes(1 + Number(p.penalty)) })}`;
    }
    // Leaflet would parse a string as HTML: names from the service go in as text nodes.
    layer.bindTooltip(h("span", {}, `${p.name ? `${p.name}: ` : ""}${text}`), { sticky: true });
    return closed ? "closed" : "risk";
  }

  addPoint(f, kind, bounds) {
    const L = window.L;
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const id = String(f.id);
    const cut = p.status === "cut";
    const label = pointKinds()[kind].label;
    const marker = L.marker([lat, lon], {
      icon: this.pointIcon(kind, cut),
      keyboard: true,
      title: cut ? _("{kind} {id} (does not connect)", { kind: label, id }) : _("{kind} {id}", { kind: label, id }),
      alt: _("{kind} {id}", { kind: label, id }),
    }).addTo(this.groups.points);
    this.points.set(id, { marker, feature: f, kind, count: "", latlng: L.latLng(lat, lon) });
    marker.bindPopup(() => this.pointPopup(id));
    this.updatePointLabel(id);
    bounds.extend([lat, lon]);
    return cut;
  }

  setScenario(fc) {
    const L = window.L;
    for (const g of ["zone", "hazards", "points"]) this.groups[g].clearLayers();
    this.points.clear();
    const bounds = L.latLngBounds([]);
    const seen = { zone: false, closed: false, risk: false, cut: false };
    for (const f of fc.features) {
      const kind = layerOf(f);
      if (kind === "zone") {
        this.addZone(f, bounds);
        seen.zone = true;
      } else if (kind === "hazard") seen[this.addHazard(f)] = true;
      else if (KINDS.includes(kind) && f.geometry && f.geometry.type === "Point") {
        seen.cut = this.addPoint(f, kind, bounds) || seen.cut;
      }
    }
    // The operation area frames the map, whatever was shown before (an agreement drawn first
    // may lie elsewhere; a vehicle report alone is one point).
    if (bounds.isValid() && this.fitted !== "scenario") {
      this.map.fitBounds(bounds.pad(0.08));
      this.fitted = "scenario";
    }
    this.drawn = { ...(this.drawn || {}), ...seen };
    spread(this);
  }

  // The agreed terms drawn on the map: route, ceasefire area and checkpoints of the latest
  // version. Scenario layers, where the service has them, add the rest.
  setAgreement(doc) {
    const L = window.L;
    if (!this.groups.agreement) {
      this.groups.agreement = L.layerGroup().addTo(this.map);
      this.layerControl.addOverlay(this.groups.agreement, _("Agreed route, area, checkpoints"));
    }
    const g = this.groups.agreement;
    g.clearLayers();
    const bounds = L.latLngBounds([]);
    if (doc.ceasefire_area && doc.ceasefire_area.coordinates) {
      const style = { color: "#0b4fa8", weight: 2, dashArray: "3 6", fillColor: "#4f86c6", fillOpacity: 0.08 };
      const area = L.geoJSON(doc.ceasefire_area, { pane: "zonePane", style }).addTo(g);
      area.bindTooltip(_("Ceasefire area (agreed)"), { sticky: true });
      bounds.extend(area.getBounds());
    }
    if (doc.route && doc.route.coordinates) {
      const route = L.geoJSON(doc.route, { pane: "routePane", style: { color: "#0b4fa8", weight: 6, opacity: 0.95 } }).addTo(g);
      route.bindTooltip(_("Agreed corridor route"), { sticky: true });
      bounds.extend(route.getBounds());
    }
    for (const k of doc.checkpoints || []) {
      if (!Array.isArray(k.at) || k.at.length < 2) continue;
      const id = String(k.name);
      if (this.points.has(id)) continue;
      const [lon, lat] = k.at;
      const title = _("Checkpoint {id}", { id });
      const m = L.marker([lat, lon], { icon: this.pointIcon("checkpoint"), keyboard: true, title, alt: title }).addTo(g);
      const side = k.controlled_by ? h("div", {}, _("Controlled by {party}", { party: partyName(k.controlled_by) })) : null;
      m.bindPopup(h("div", {}, h("strong", {}, title), side));
      const label = m.getElement() && m.getElement().querySelector(".point-label");
      if (label) label.textContent = id;
      bounds.extend([lat, lon]);
    }
    if (bounds.isValid() && !this.fitted) {
      this.map.fitBounds(bounds.pad(0.15));
      this.fitted = "agreement";
    }
  }

  pointIcon(kind, cut = false) {
    const html = `<span class="badge badge-${kind}${cut ? " badge-is-cut" : ""}">${pointKinds()[kind].letter}</span><span class="point-label" translate="no"></span>`;
    return window.L.divIcon({ className: `point-marker${cut ? " point-cut" : ""}`, html, iconSize: null, iconAnchor: [14, 14] });
  }

  pointPopup(id) {
    const entry = this.points.get(id);
    const p = entry.feature.properties;
    const rows = [h("strong", {}, _("{kind} {id}", { kind: pointKinds()[entry.kind].label, id }))];
    const line = (text, cls) => rows.push(h("div", { class: cls }, text));
    if (p.name && p.name !== id) line(p.name);
    if (p.road) line(p.snap_m !== undefined ? _("On {road} ({m} m away)", { road: p.road, m: number(p.snap_m) }) : _("On {road}", { road: p.road }));
    for (const why of p.reasons || []) line(_("Does not connect: {reason}", { reason: why }), "popup-cut");
    for (const [type, reasons] of Object.entries(p.by_type || {})) {
      for (const why of reasons) line(_("Not for {type}: {reason}", { type, reason: why }), "popup-cut");
    }
    if (entry.count) line(entry.count, "popup-count");
    return h("div", {}, rows);
  }

  // counts: [{id, waiting} | {id, arrived}]: what the side panel also lists.
  setCounts(points) {
    for (const pt of points) {
      const entry = this.points.get(String(pt.id));
      if (!entry) continue;
      if (entry.kind === "gathering" && pt.waiting !== undefined) entry.count = ngettext("{n} person waiting", "{n} people waiting", pt.waiting);
      else if (entry.kind === "reception" && pt.arrived !== undefined) entry.count = ngettext("{n} person arrived", "{n} people arrived", pt.arrived);
      else continue;
      this.updatePointLabel(String(pt.id));
    }
  }

  updatePointLabel(id) {
    const entry = this.points.get(id);
    const el = entry.marker.getElement();
    if (!el) return;
    const label = el.querySelector(".point-label");
    if (label) label.textContent = `${id}${entry.count ? ` · ${entry.count}` : ""}`;
    if (!this.fitting) {
      this.fitting = true;
      requestAnimationFrame(() => {
        this.fitting = false;
        fitLabels(this);
      });
    }
  }

  addVehicle(id, lat, lon) {
    const L = window.L;
    const icon = L.divIcon({
      className: "vehicle-marker",
      html: `<span class="veh-dot"></span><span class="veh-label" translate="no"></span>`,
      iconSize: null,
      iconAnchor: [9, 9],
    });
    const title = _("Vehicle {id}", { id });
    const marker = L.marker([lat, lon], { icon, keyboard: true, title, alt: title, zIndexOffset: 1000 }).addTo(this.groups.vehicles);
    const trail = L.polyline([[lat, lon]], { color: "#1d1d1d", weight: 2, opacity: 0.55, dashArray: "2 5", interactive: false });
    trail.addTo(this.groups.vehicles);
    const v = { marker, trail, last: null };
    this.vehicles.set(id, v);
    if (this.vehicles.size === 1) this.renderLegend();
    // Without the scenario's layers there is nothing else to frame: show the vehicles.
    if (!this.fitted) {
      this.map.setView([lat, lon], 14);
      this.fitted = "vehicles";
    }
    const el = marker.getElement();
    if (el) {
      el.dataset.vehicle = id;
      el.querySelector(".veh-label").textContent = id;
    }
    return v;
  }

  // A position report: {vehicle, lat, lon, at}.
  moveVehicle(pos) {
    const { vehicle: id, lat, lon } = pos;
    let v = this.vehicles.get(id);
    if (!v) v = this.addVehicle(id, lat, lon);
    else if (v.last.at !== pos.at) {
      v.marker.setLatLng([lat, lon]);
      const pts = v.trail.getLatLngs();
      pts.push(window.L.latLng(lat, lon));
      if (pts.length > 60) pts.shift();
      v.trail.setLatLngs(pts);
    }
    v.last = pos;
    const el = v.marker.getElement();
    if (el) {
      el.dataset.lat = lat.toFixed(6);
      el.dataset.lon = lon.toFixed(6);
    }
    v.marker.bindTooltip(h("span", {}, _("{vehicle}: {position} at {time}", { vehicle: id, position: coordinate(lat, lon), time: clockSeconds(pos.at) })));
  }

  focusVehicle(id) {
    const v = this.vehicles.get(String(id));
    if (!v) return;
    this.map.setView(v.marker.getLatLng(), Math.max(this.map.getZoom(), 15));
    v.marker.openTooltip();
  }

  // "at K-SUD" or "1.2 km from G04": where a vehicle is, in the words of the scenario.
  near(lat, lon) {
    let best = null;
    for (const [id, entry] of this.points) {
      const d = this.map ? this.map.distance([lat, lon], entry.latlng) : Infinity;
      if (!best || d < best.d) best = { id, d };
    }
    if (!best || !Number.isFinite(best.d)) return "";
    if (best.d < 200) return _("at {place}", { place: best.id });
    return _("{distance} from {place}", { distance: km(best.d / 1000), place: best.id });
  }

  invalidate() {
    if (this.map) setTimeout(() => this.map.invalidateSize(), 0);
  }
}
