// The corridor on a map without tiles (no network at run time): the route, the ceasefire area,
// the checkpoints and the incidents, drawn from the proposal's GeoJSON. A click picks a point
// (for an incident report); the longitude and latitude fields take it by keyboard too.

/* global L */

export function deskMap(element, onPick) {
  const map = L.map(element, { zoomControl: true, attributionControl: false, keyboard: true });
  map.setView([0, 0], 2);
  const layer = L.layerGroup().addTo(map);
  let picked = null;
  map.on("click", (e) => {
    if (picked) picked.remove();
    picked = L.circleMarker(e.latlng, { radius: 8, color: "#a3121f", weight: 3 }).addTo(map);
    onPick(Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6)));
  });
  return {
    map,
    draw(doc, incidents = []) {
      layer.clearLayers();
      const bounds = [];
      const ll = ([lon, lat]) => [lat, lon];
      if (doc && doc.ceasefire_area && Array.isArray(doc.ceasefire_area.coordinates)) {
        const rings = doc.ceasefire_area.coordinates.map((ring) => ring.map(ll));
        L.polygon(rings, { color: "#b7791f", weight: 1, fillOpacity: 0.15 }).addTo(layer);
        rings.flat().forEach((p) => bounds.push(p));
      }
      if (doc && doc.route && Array.isArray(doc.route.coordinates)) {
        const line = doc.route.coordinates.map(ll);
        L.polyline(line, { color: "#0b5cad", weight: 4 }).addTo(layer);
        line.forEach((p) => bounds.push(p));
      }
      for (const cp of (doc && doc.checkpoints) || []) {
        if (!Array.isArray(cp.at)) continue;
        L.circleMarker(ll(cp.at), { radius: 7, color: "#17324d", fillColor: "#fff", fillOpacity: 1, weight: 3 })
          .bindTooltip(String(cp.name))
          .addTo(layer);
        bounds.push(ll(cp.at));
      }
      for (const inc of incidents) {
        if (Array.isArray(inc.location)) {
          L.circleMarker(ll(inc.location), { radius: 6, color: "#a3121f" }).bindTooltip(String(inc.description || "")).addTo(layer);
        }
      }
      if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
      setTimeout(() => map.invalidateSize(), 0);
    },
    setPicked(lon, lat) {
      if (picked) picked.remove();
      picked = L.circleMarker([lat, lon], { radius: 8, color: "#a3121f", weight: 3 }).addTo(map);
    },
  };
}
