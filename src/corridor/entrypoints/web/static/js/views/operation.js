// The operation: the map and, beside it, the panels that register here (evacuated so far,
// vehicles, people at each point, latest incidents). A new panel is a module that calls
//
//   registerPanel({ id: "alerts", order: 5, title: () => _("Alerts"), build(body, heading) { … } });
//
// and gets a card in the side panel (#ID, under the heading #ID-title).

import * as api from "../api.js";
import { h } from "../dom.js";
import { _ } from "../i18n.js";
import { changed, on, state } from "../state.js";
import { MapView } from "./map.js";
import { registerView } from "./registry.js";

const panels = [];
let mapView = null;

export function registerPanel(panel) {
  panels.push(panel);
}

// The map of the operation (null before the view is built).
export const map = () => mapView;

function card(panel) {
  const heading = h("h2", { id: `${panel.id}-title` }, panel.title());
  const body = h("div", { id: panel.id });
  panel.build(body, heading);
  return h("section", { class: "card", "aria-labelledby": heading.id }, heading, body);
}

// The newest scenario's layers: its places, zone and hazards, its roads and candidate routes.
async function loadLayers(id) {
  if (!id) return;
  const [layers, roads, routes] = await Promise.allSettled([api.scenarioMap(id), api.roads(id), api.routes(id)]);
  for (const r of [layers, roads, routes]) if (r.status === "rejected" && !(r.reason instanceof api.ApiError)) console.error(r.reason);
  if (roads.status === "fulfilled") mapView.setRoads(roads.value);
  if (routes.status === "fulfilled") mapView.setRoutes(routes.value);
  if (layers.status === "fulfilled") {
    mapView.setScenario(layers.value);
    changed("progress"); // the counts at each point, on the points just drawn
  }
  if (state.corridor) drawAgreement(state.corridor);
}

function drawAgreement(c) {
  const latest = c && c.versions[c.versions.length - 1];
  if (latest) mapView.setAgreement(latest.document);
}

registerView({
  id: "operation",
  order: 10,
  className: "view-operation",
  title: () => _("Operation"),
  build(panel) {
    const element = h("div", { id: "map", class: "map", role: "region", "aria-label": _("Map of the corridor, live vehicles and points") });
    const legend = h("div", { id: "map-legend", class: "legend" });
    panel.append(h("div", { class: "map-wrap" }, element, legend));
    panel.append(h("aside", { class: "side" }, panels.sort((a, b) => a.order - b.order).map(card)));
    mapView = new MapView(element, legend);
  },
  start() {
    mapView.ensure(state.config);
    on("scenarioId", loadLayers);
    on("corridor", (c) => c && drawAgreement(c));
    on("vehicles", () => {
      for (const p of state.vehicles.values()) mapView.moveVehicle(p);
    });
  },
  show() {
    mapView.invalidate();
  },
});
