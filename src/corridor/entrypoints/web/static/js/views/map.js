// The map: road network, zone, hazards, routes and points as vector layers from the API, and
// the live vehicles. No background tiles unless the service is configured with a tile address.

import { coordinate, clockSeconds, count, h, people, words } from "../format.js";

const ATTRIBUTION = "© OpenStreetMap contributors";

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
    this.points = new Map(); // id -> {marker, feature, kind}
    this.fitted = false;
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
    labels();
    this.groups = {
      roads: L.layerGroup().addTo(this.map),
      zone: L.layerGroup().addTo(this.map),
      hazards: L.layerGroup().addTo(this.map),
      routes: L.layerGroup().addTo(this.map),
      points: L.layerGroup().addTo(this.map),
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

  renderLegend() {
    const item = (cls, text) => h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
    this.legendElement.replaceChildren(
      h(
        "ul",
        {},
        item("sw-zone", "Besieged zone"),
        item("sw-closed", "Hazard: closed"),
        item("sw-risk", "Hazard: risk"),
        item("sw-route", "Corridor route"),
        item("sw-road", "Road"),
        ...Object.entries(POINT_KINDS).map(([k, v]) =>
          h("li", {}, h("span", { class: `badge badge-${k}`, "aria-hidden": "true" }, v.letter), v.label),
        ),
        h("li", {}, h("span", { class: "veh-dot", "aria-hidden": "true" }), "Vehicle (last report)"),
      ),
    );
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
  }

  setScenario(fc) {
    const L = window.L;
    this.groups.zone.clearLayers();
    this.groups.hazards.clearLayers();
    this.groups.points.clearLayers();
    this.points.clear();
    const bounds = L.latLngBounds([]);
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
      } else if (kind === "hazard") {
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
        const what = words(p.hazard || p.hazard_kind || p.kind || "hazard");
        const penalty = p.penalty !== undefined && p.penalty !== null ? ` (a minute near it counts as ${1 + Number(p.penalty)} min)` : "";
        const text = closed ? `${what}: closed to traffic` : `${what}: risk${penalty}`;
        // Leaflet would parse a string as HTML: names from the service go in as text nodes.
        layer.bindTooltip(h("span", {}, `${p.name ? `${p.name}: ` : ""}${text}`), { sticky: true });
      } else if (POINT_KINDS[kind] && f.geometry && f.geometry.type === "Point") {
        const [lon, lat] = f.geometry.coordinates;
        const id = String(p.id ?? f.id ?? p.name ?? `${kind}-${this.points.size}`);
        const marker = L.marker([lat, lon], {
          icon: this.pointIcon(kind),
          keyboard: true,
          title: `${POINT_KINDS[kind].label} ${id}`,
          alt: `${POINT_KINDS[kind].label} ${id}`,
        }).addTo(this.groups.points);
        this.points.set(id, { marker, feature: f, kind, count: "" });
        marker.bindPopup(() => this.pointPopup(id));
        this.updatePointLabel(id);
        bounds.extend([lat, lon]);
      }
    }
    if (bounds.isValid() && !this.fitted) {
      this.map.fitBounds(bounds.pad(0.08));
      this.fitted = true;
    }
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
      this.fitted = true;
    }
  }

  pointIcon(kind) {
    const html = `<span class="badge badge-${kind}">${POINT_KINDS[kind].letter}</span><span class="point-label"></span>`;
    return window.L.divIcon({ className: "point-marker", html, iconSize: null, iconAnchor: [14, 14] });
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
      // Without the scenario's layers there is nothing else to frame: show the vehicles.
      if (!this.fitted) {
        this.map.setView([lat, lon], 14);
        this.fitted = true;
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
      const ll = entry.marker.getLatLng();
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
