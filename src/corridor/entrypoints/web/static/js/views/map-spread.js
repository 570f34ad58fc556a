// Points that would sit on one another at the current zoom: a few are spread on a small circle
// around where they are (a thin leader line joins each to its place); a crowd too large to
// spread is one count that zooms in when clicked. Labels go where they cover no other label and
// no marker. Functions of a MapView (views/map.js).

import { ngettext } from "../i18n.js";

export const CROWD_PX = 30; // points closer than this on screen are spread apart
const SPREAD_MAX = 16; // more than this many in one spot: one count instead

export function spread(view) {
  if (!view.map || !view.groups) return;
  view.groups.leaders.clearLayers();
  const entries = [...view.points.values()];
  const at = entries.map((e) => view.map.latLngToLayerPoint(e.latlng));
  const group = entries.map((_e, i) => i);
  const root = (i) => (group[i] === i ? i : (group[i] = root(group[i])));
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      if (at[i].distanceTo(at[j]) < CROWD_PX) group[root(i)] = root(j);
    }
  }
  const crowds = new Map();
  entries.forEach((_e, i) => crowds.set(root(i), [...(crowds.get(root(i)) || []), i]));
  const drawn = { spread: false, crowd: false };
  for (const members of crowds.values()) {
    if (members.length === 1) place(view, entries[members[0]], null);
    else if (members.length <= SPREAD_MAX) {
      fan(view, members.map((i) => entries[i]), members.map((i) => at[i]));
      drawn.spread = true;
    } else {
      crowd(view, members.map((i) => entries[i]));
      drawn.crowd = true;
    }
  }
  view.drawn = { ...(view.drawn || {}), ...drawn };
  view.renderLegend();
  fitLabels(view);
}

// To the right of their marker, else to its left, else hidden (shown on hover and focus; the
// side panel lists every point).
export function fitLabels(view) {
  if (view.element.classList.contains("labels-hidden")) return;
  const order = ["checkpoint", "reception", "depot", "gathering"];
  const entries = [...view.points.values()].filter((e) => e.marker.getElement());
  entries.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const taken = entries.map((e) => e.marker.getElement().querySelector(".badge").getBoundingClientRect());
  const clear = (r) => taken.every((o) => r.right <= o.left || o.right <= r.left || r.bottom <= o.top || o.bottom <= r.top);
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

function place(view, entry, shown) {
  const L = window.L;
  if (!view.groups.points.hasLayer(entry.marker)) entry.marker.addTo(view.groups.points);
  entry.marker.setLatLng(shown || entry.latlng);
  if (shown) {
    L.polyline([entry.latlng, shown], { color: "#333", weight: 1, opacity: 0.8, interactive: false }).addTo(view.groups.leaders);
    L.circleMarker(entry.latlng, { radius: 2.5, color: "#333", weight: 1, fillOpacity: 1, interactive: false }).addTo(view.groups.leaders);
  }
  const el = entry.marker.getElement();
  if (el) el.dataset.spread = shown ? "yes" : "no";
}

function fan(view, entries, at) {
  const L = window.L;
  const cx = at.reduce((a, p) => a + p.x, 0) / at.length;
  const cy = at.reduce((a, p) => a + p.y, 0) / at.length;
  const radius = Math.max(CROWD_PX, (CROWD_PX * entries.length) / (2 * Math.PI));
  entries.forEach((e, k) => {
    const angle = (2 * Math.PI * k) / entries.length - Math.PI / 2;
    const p = L.point(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
    place(view, e, view.map.layerPointToLatLng(p));
  });
}

function crowd(view, entries) {
  const L = window.L;
  const bounds = L.latLngBounds(entries.map((e) => e.latlng));
  for (const e of entries) view.groups.points.removeLayer(e.marker);
  const icon = L.divIcon({ className: "point-marker crowd-marker", html: `<span class="badge badge-crowd">${entries.length}</span>`, iconSize: null, iconAnchor: [14, 14] });
  const names = entries.map((e) => String(e.feature.properties.name || e.feature.id)).slice(0, 3).join(", ");
  const m = L.marker(bounds.getCenter(), {
    icon,
    keyboard: true,
    title: ngettext("{n} place here ({names}…): zoom in", "{n} places here ({names}…): zoom in", entries.length, { names }),
    alt: ngettext("{n} place", "{n} places", entries.length),
  });
  m.on("click", () => view.map.fitBounds(bounds.pad(0.4)));
  m.addTo(view.groups.leaders);
}
