// The map: road network, zone, hazards, routes and points as vector layers from the API, and
// the live vehicles. No background tiles unless the service is configured with a tile address.
// It opens on the operation area (the zone and every place of the scenario); points that would
// sit on one another at the current zoom are spread around their centre with a thin leader line
// to where they are, and a crowd too large to spread is one count that zooms in when clicked.
// A place that does not connect (the scenario's reachability check) is ringed in red.

import { coordinate, clockSeconds, count, h, people, words } from "../format.js";

const ATTRIBUTION = "© OpenStreetMap contributors";

const CROWD_PX = 30; // points closer than this on screen are spread apart
const SPREAD_MAX = 16; // more than this many in one spot: one count instead

const POINT_KINDS = {
  gathering: { letter: "G", label: "Gathering point (inside the zone)" },
  checkpoint: { letter: "K", label: "Checkpoint" },
  depot: { letter: "D", label: "Depot (vehicles, supplies)" },
  reception: { letter: "R", label: "Reception centre" },
};

function layerOf(feature) {
  const p = feature.properties || {};
  const raw = String(p.layer || p.kind_of || p.type || p.category || p.role || "").toLowerCase();
  for (const k of ["zone", "hazard", "gathering", "depot", "reception", "checkpoint", "route"]) {
    if (raw.startsWith(k)) return k;
  }
  return raw || "other";
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
    this.map = L.map(this.element, {
      zoomControl: true,
      attributionControl: true,
      keyboard: true,
      preferCanvas: false,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(ATTRIBUTION);
    this.map.setView([0, 0], 2);
    if (config && config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: ATTRIBUTION, maxZoom: 19 }).addTo(this.map);
    }
    this.panes();
    // Place labels only where they can be read; the side panel lists every count anyway.
    const labels = () => this.element.classList.toggle("labels-hidden", this.map.getZoom() < 15);
    this.map.on("zoomend", labels);
    this.map.on("zoomend", () => this.spread());
    labels();
    this.groups = {
      roads: L.layerGroup().addTo(this.map),
      zone: L.layerGroup().addTo(this.map),
      hazards: L.layerGroup().addTo(this.map),
      routes: L.layerGroup().addTo(this.map),
      points: L.layerGroup().addTo(this.map),
      leaders: L.layerGroup().addTo(this.map),
      vehicles: L.layerGroup().addTo(this.map),
    };
    this.layerControl = L.control
      .layers(null, {
        "Road network": this.groups.roads,
        "Besieged zone": this.groups.zone,
        Hazards: this.groups.hazards,
        "Corridor routes": this.groups.routes,
        "Points and counts": this.groups.points,
        "Live vehicles": this.groups.vehicles,
      }, { collapsed: true })
      .addTo(this.map);
    L.control.scale({ metric: true, imperial: false }).addTo(this.map);
    this.renderLegend();
  }

  panes() {
    const order = { roadsPane: 350, zonePane: 360, hazardPane: 370, routePane: 380 };
    for (const [name, z] of Object.entries(order)) {
      this.map.createPane(name).style.zIndex = String(z);
    }
  }

  // The legend lists what the map draws now, and nothing else.
  renderLegend() {
    const d = this.drawn || {};
    const item = (cls, text) => h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
    const badge = (cls, letter, text) => h("li", {}, h("span", { class: `badge ${cls}`, "aria-hidden": "true" }, letter), text);
    const kinds = new Set([...this.points.values()].map((e) => e.kind));
    this.legendElement.replaceChildren(
      h(
        "ul",
        {},
        d.zone ? item("sw-zone", "Besieged zone") : null,
        d.closed ? item("sw-closed", "Hazard: closed") : null,
        d.risk ? item("sw-risk", "Hazard: risk") : null,
        d.routes ? item("sw-route", "Corridor route") : null,
        d.roads ? item("sw-road", "Road") : null,
        ...Object.entries(POINT_KINDS).filter(([k]) => kinds.has(k)).map(([k, v]) => badge(`badge-${k}`, v.letter, v.label)),
        d.cut ? badge("badge-cut", "!", "Does not connect (see the scenario's warnings)") : null,
        d.spread ? h("li", {}, h("span", { class: "swatch sw-leader", "aria-hidden": "true" }), "Moved aside to be read: the line leads to the place") : null,
        d.crowd ? badge("badge-crowd", "n", "Several places here: click to zoom in") : null,
        this.vehicles.size ? h("li", {}, h("span", { class: "veh-dot", "aria-hidden": "true" }), "Vehicle (last report)") : null,
      ),
    );
  }

  mark(what, on = true) {
    this.drawn = { ...(this.drawn || {}), [what]: on };
    this.renderLegend();
  }

  setRoads(fc) {
    const L = window.L;
    this.groups.roads.clearLayers();
    L.geoJSON(fc, {
      pane: "roadsPane",
      interactive: false,
      style: (f) => {
        const band = (f.properties || {}).band;
        if (band === "main") return { color: "#5f5f5f", weight: 2.6, opacity: 0.95 };
        if (band === "minor") return { color: "#9a9a9a", weight: 1, opacity: 0.85 };
        return { color: "#7d7d7d", weight: 1.5, opacity: 0.9 };
      },
    }).addTo(this.groups.roads);
    this.mark("roads", (fc.features || []).length > 0);
  }

  setRoutes(fc, agreedId) {
    const L = window.L;
    this.groups.routes.clearLayers();
    L.geoJSON(fc, {
      pane: "routePane",
      style: (f) => {
        const p = f.properties || {};
        const agreed = p.agreed || (agreedId && String(p.id) === String(agreedId));
        // Candidates stay in the background; the agreed route (drawn from the agreement) leads.
        return agreed ? { color: "#0b4fa8", weight: 6, opacity: 0.95 } : { color: "#4f86c6", weight: 2.5, opacity: 0.55, dashArray: "6 5" };
      },
      onEachFeature: (f, layer) => {
        const p = f.properties || {};
        const lines = [h("strong", {}, p.name || p.id || "Route")];
        if (p.time_min ?? p.time !== undefined) lines.push(h("div", {}, `Driving time: ${Math.round(p.time_min ?? p.time)} min`));
        if (p.length_km !== undefined || p.length_m !== undefined || p.length !== undefined) {
          const km = p.length_km ?? (p.length_m ?? p.length) / 1000;
          lines.push(h("div", {}, `Length: ${Number(km).toFixed(1)} km`));
        }
        if (p.exposure_min ?? p.exposure !== undefined)
          lines.push(h("div", {}, `Near hazards: ${Math.round(p.exposure_min ?? p.exposure)} min`));
        layer.bindPopup(h("div", {}, lines));
      },
    }).addTo(this.groups.routes);
    this.mark("routes", (fc.features || []).length > 0);
  }

  setScenario(fc) {
    const L = window.L;
    this.groups.zone.clearLayers();
    this.groups.hazards.clearLayers();
    this.groups.points.clearLayers();
    this.points.clear();
    const bounds = L.latLngBounds([]);
    const seen = { zone: false, closed: false, risk: false, cut: false };
    for (const f of fc.features || []) {
      const kind = layerOf(f);
      const p = f.properties || {};
      if (kind === "zone") {
        const layer = L.geoJSON(f, {
          pane: "zonePane",
          style: { color: "#9b1c1c", weight: 3, dashArray: "8 6", fillColor: "#d94848", fillOpacity: 0.07 },
        }).addTo(this.groups.zone);
        layer.bindTooltip("Besieged zone", { sticky: true });
        bounds.extend(layer.getBounds());
        seen.zone = true;
      } else if (kind === "hazard") {
        const closed = Boolean(p.closed);
        seen[closed ? "closed" : "risk"] = true;
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
        const what = words(p.hazard || p.hazard_kind || p.kind || "hazard");
        const penalty = p.penalty !== undefined && p.penalty !== null ? ` (a minute near it counts as ${1 + Number(p.penalty)} min)` : "";
        const text = closed ? `${what}: closed to traffic` : `${what}: risk${penalty}`;
        // Leaflet would parse a string as HTML: names from the service go in as text nodes.
        layer.bindTooltip(h("span", {}, `${p.name ? `${p.name}: ` : ""}${text}`), { sticky: true });
      } else if (POINT_KINDS[kind] && f.geometry && f.geometry.type === "Point") {
        const [lon, lat] = f.geometry.coordinates;
        const id = String(p.id ?? f.id ?? p.name ?? `${kind}-${this.points.size}`);
        const cut = p.status === "cut";
        seen.cut = seen.cut || cut;
        const marker = L.marker([lat, lon], {
          icon: this.pointIcon(kind, cut),
          keyboard: true,
          title: `${POINT_KINDS[kind].label} ${id}${cut ? " (does not connect)" : ""}`,
          alt: `${POINT_KINDS[kind].label} ${id}`,
        }).addTo(this.groups.points);
        this.points.set(id, { marker, feature: f, kind, count: "", latlng: L.latLng(lat, lon) });
        marker.bindPopup(() => this.pointPopup(id));
        this.updatePointLabel(id);
        bounds.extend([lat, lon]);
      }
    }
    // The operation area frames the map, whatever was shown before (an agreement drawn first
    // may lie elsewhere; a vehicle report alone is one point).
    if (bounds.isValid() && this.fitted !== "scenario") {
      this.map.fitBounds(bounds.pad(0.08));
      this.fitted = "scenario";
    }
    this.drawn = { ...(this.drawn || {}), ...seen };
    this.spread();
  }

  // Points that would overlap on screen: a few are spread on a small circle around where they
  // are (a leader line joins each to its place); a crowd becomes one count to click.
  spread() {
    const L = window.L;
    if (!this.map || !this.groups) return;
    this.groups.leaders.clearLayers();
    const entries = [...this.points.values()];
    const at = entries.map((e) => this.map.latLngToLayerPoint(e.latlng));
    const group = entries.map((_, i) => i);
    const root = (i) => (group[i] === i ? i : (group[i] = root(group[i])));
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        if (at[i].distanceTo(at[j]) < CROWD_PX) group[root(i)] = root(j);
      }
    }
    const crowds = new Map();
    entries.forEach((_, i) => crowds.set(root(i), [...(crowds.get(root(i)) || []), i]));
    const drawn = { spread: false, crowd: false };
    for (const members of crowds.values()) {
      if (members.length === 1) this.place(entries[members[0]], null);
      else if (members.length <= SPREAD_MAX) {
        this.fan(members.map((i) => entries[i]), members.map((i) => at[i]));
        drawn.spread = true;
      } else {
        this.crowd(members.map((i) => entries[i]));
        drawn.crowd = true;
      }
    }
    this.drawn = { ...(this.drawn || {}), ...drawn };
    this.renderLegend();
    this.fitLabels();
  }

  // Labels go where they cover no other label and no marker: to the right of their marker,
  // else to its left, else hidden (shown on hover and focus; the side panel lists every point).
  fitLabels() {
    if (this.element.classList.contains("labels-hidden")) return;
    const order = ["checkpoint", "reception", "depot", "gathering"];
    const entries = [...this.points.values()].filter((e) => e.marker.getElement());
    entries.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    const taken = entries.map((e) => e.marker.getElement().querySelector(".badge").getBoundingClientRect());
    const clear = (r) => taken.every((t) => r.right <= t.left || t.right <= r.left || r.bottom <= t.top || t.bottom <= r.top);
    for (const e of entries) {
      const el = e.marker.getElement();
      const label = el.querySelector(".point-label");
      if (!label || !label.textContent) continue;
      el.classList.remove("label-left", "label-off");
      let r = label.getBoundingClientRect();
      if (!clear(r)) {
        el.classList.add("label-left");
        r = label.getBoundingClientRect();
      }
      if (!clear(r)) {
        el.classList.remove("label-left");
        el.classList.add("label-off");
        continue;
      }
      taken.push(r);
    }
  }

  place(entry, shown) {
    const L = window.L;
    if (!this.groups.points.hasLayer(entry.marker)) entry.marker.addTo(this.groups.points);
    entry.marker.setLatLng(shown || entry.latlng);
    if (shown) {
      L.polyline([entry.latlng, shown], { color: "#333", weight: 1, opacity: 0.8, interactive: false }).addTo(this.groups.leaders);
      L.circleMarker(entry.latlng, { radius: 2.5, color: "#333", weight: 1, fillOpacity: 1, interactive: false }).addTo(this.groups.leaders);
    }
    const el = entry.marker.getElement();
    if (el) el.dataset.spread = shown ? "yes" : "no";
  }

  fan(entries, at) {
    const L = window.L;
    const cx = at.reduce((a, p) => a + p.x, 0) / at.length;
    const cy = at.reduce((a, p) => a + p.y, 0) / at.length;
    const radius = Math.max(CROWD_PX, (CROWD_PX * entries.length) / (2 * Math.PI));
    entries.forEach((e, k) => {
      const angle = (2 * Math.PI * k) / entries.length - Math.PI / 2;
      const p = L.point(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
      this.place(e, this.map.layerPointToLatLng(p));
    });
  }

  crowd(entries) {
    const L = window.L;
    const bounds = L.latLngBounds(entries.map((e) => e.latlng));
    for (const e of entries) this.groups.points.removeLayer(e.marker);
    const icon = L.divIcon({ className: "point-marker crowd-marker", html: `<span class="badge badge-crowd">${entries.length}</span>`, iconSize: null, iconAnchor: [14, 14] });
    const names = entries.map((e) => String(e.feature.properties?.name || e.feature.id || "")).slice(0, 3).join(", ");
    const m = L.marker(bounds.getCenter(), { icon, keyboard: true, title: `${entries.length} places here (${names}…): zoom in`, alt: `${entries.length} places` });
    m.on("click", () => this.map.fitBounds(bounds.pad(0.4)));
    m.addTo(this.groups.leaders);
  }

  // The agreed terms drawn on the map: route, ceasefire area and checkpoints of the latest
  // version. Scenario layers, where the service has them, add the rest.
  setAgreement(doc) {
    const L = window.L;
    if (!doc || !this.map) return;
    if (!this.groups.agreement) {
      this.groups.agreement = L.layerGroup().addTo(this.map);
      this.layerControl.addOverlay(this.groups.agreement, "Agreed route, area, checkpoints");
    }
    const g = this.groups.agreement;
    g.clearLayers();
    const bounds = L.latLngBounds([]);
    if (doc.ceasefire_area && doc.ceasefire_area.coordinates) {
      const area = L.geoJSON(doc.ceasefire_area, {
        pane: "zonePane",
        style: { color: "#0b4fa8", weight: 2, dashArray: "3 6", fillColor: "#4f86c6", fillOpacity: 0.08 },
      }).addTo(g);
      area.bindTooltip("Ceasefire area (agreed)", { sticky: true });
      bounds.extend(area.getBounds());
    }
    if (doc.route && doc.route.coordinates) {
      const route = L.geoJSON(doc.route, { pane: "routePane", style: { color: "#0b4fa8", weight: 6, opacity: 0.95 } }).addTo(g);
      route.bindTooltip("Agreed corridor route", { sticky: true });
      bounds.extend(route.getBounds());
    }
    for (const k of doc.checkpoints || []) {
      if (!Array.isArray(k.at) || k.at.length < 2) continue;
      const id = String(k.name || k.id);
      if (this.points.has(id)) continue;
      const [lon, lat] = k.at;
      const m = L.marker([lat, lon], { icon: this.pointIcon("checkpoint"), keyboard: true, title: `Checkpoint ${id}`, alt: `Checkpoint ${id}` }).addTo(g);
      const side = { party_a: "party A", party_b: "party B" }[k.controlled_by] || k.controlled_by;
      m.bindPopup(h("div", {}, h("strong", {}, `Checkpoint ${id}`), side ? h("div", {}, `Controlled by ${side}`) : null));
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
    const html = `<span class="badge badge-${kind}${cut ? " badge-is-cut" : ""}">${POINT_KINDS[kind].letter}</span><span class="point-label"></span>`;
    return window.L.divIcon({ className: `point-marker${cut ? " point-cut" : ""}`, html, iconSize: null, iconAnchor: [14, 14] });
  }

  pointPopup(id) {
    const entry = this.points.get(id);
    const p = entry.feature.properties || {};
    const rows = [h("strong", {}, `${POINT_KINDS[entry.kind].label} ${id}`)];
    if (p.name && p.name !== id) rows.push(h("div", {}, p.name));
    if (p.people && typeof p.people === "object") {
      for (const [cls, n] of Object.entries(p.people)) rows.push(h("div", {}, `${words(cls)}: ${people(n)} registered`));
    }
    if (p.capacity !== undefined) rows.push(h("div", {}, `Capacity: ${people(p.capacity)}${p.medical ? " (medical)" : ""}`));
    if (p.road) rows.push(h("div", {}, `On ${p.road}${p.snap_m !== undefined ? ` (${Math.round(p.snap_m)} m away)` : ""}`));
    for (const why of p.reasons || []) rows.push(h("div", { class: "popup-cut" }, `Does not connect: ${why}`));
    for (const [t, reasons] of Object.entries(p.by_type || {})) {
      for (const why of reasons) rows.push(h("div", { class: "popup-cut" }, `Not for ${t}: ${why}`));
    }
    if (p.fleet && typeof p.fleet === "object") {
      for (const [t, n] of Object.entries(p.fleet)) rows.push(h("div", {}, `${words(t)}: ${count(n, "vehicle", "vehicles")}`));
    }
    if (entry.count) rows.push(h("div", { class: "popup-count" }, entry.count));
    return h("div", {}, rows);
  }

  // counts: [{id, waiting, boarded, arrived, capacity}]
  setCounts(points) {
    for (const pt of points || []) {
      const entry = this.points.get(String(pt.id));
      if (!entry) continue;
      let text = "";
      if (entry.kind === "gathering") text = pt.waiting !== undefined ? `${people(pt.waiting)} waiting` : `${people(pt.registered ?? 0)} registered`;
      else if (entry.kind === "depot") text = "";
      else if (entry.kind === "reception") text = `${people(pt.arrived ?? 0)} arrived`;
      else if (entry.kind === "checkpoint" && pt.queue !== undefined) text = count(pt.queue, "vehicle queued", "vehicles queued");
      entry.count = text;
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
        this.fitLabels();
      });
    }
  }

  refreshPointLabels() {
    for (const id of this.points.keys()) this.updatePointLabel(id);
  }

  // A position report: {vehicle, lat, lon, at, status, aboard}
  moveVehicle(pos) {
    const L = window.L;
    const id = String(pos.vehicle ?? pos.vehicle_id ?? pos.id);
    const lat = Number(pos.lat ?? pos.latitude);
    const lon = Number(pos.lon ?? pos.lng ?? pos.longitude);
    if (!id || !Number.isFinite(lat) || !Number.isFinite(lon)) return;
    let v = this.vehicles.get(id);
    if (!v) {
      const icon = L.divIcon({
        className: "vehicle-marker",
        html: `<span class="veh-dot"></span><span class="veh-label"></span>`,
        iconSize: null,
        iconAnchor: [9, 9],
      });
      const marker = L.marker([lat, lon], { icon, keyboard: true, title: `Vehicle ${id}`, alt: `Vehicle ${id}`, zIndexOffset: 1000 });
      marker.addTo(this.groups.vehicles);
      const trail = L.polyline([[lat, lon]], { color: "#1d1d1d", weight: 2, opacity: 0.55, dashArray: "2 5", interactive: false });
      trail.addTo(this.groups.vehicles);
      v = { marker, trail, last: null };
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
    } else {
      const prev = v.last;
      // Reports can arrive out of order after a reconnect; never move a vehicle back in time.
      if (prev && pos.at && prev.at && new Date(pos.at) < new Date(prev.at)) return;
      v.marker.setLatLng([lat, lon]);
      const pts = v.trail.getLatLngs();
      pts.push(L.latLng(lat, lon));
      if (pts.length > 60) pts.shift();
      v.trail.setLatLngs(pts);
    }
    v.last = { ...pos, lat, lon };
    const el = v.marker.getElement();
    if (el) {
      el.dataset.lat = lat.toFixed(6);
      el.dataset.lon = lon.toFixed(6);
    }
    v.marker.bindTooltip(h("span", {}, `${id}: ${coordinate(lat, lon)} at ${clockSeconds(pos.at)}`));
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
      const ll = entry.latlng;
      const d = this.map ? this.map.distance([lat, lon], ll) : Infinity;
      if (!best || d < best.d) best = { id, d };
    }
    if (!best || !Number.isFinite(best.d)) return "";
    if (best.d < 200) return `at ${best.id}`;
    return `${(best.d / 1000).toFixed(1)} km from ${best.id}`;
  }

  invalidate() {
    if (this.map) setTimeout(() => this.map.invalidateSize(), 0);
  }
}
