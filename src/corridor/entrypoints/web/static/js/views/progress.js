// "Evacuated so far" (people who arrived at a reception centre, by class, against the plan or,
// before a plan exists, against who registered) and "People at each point", from counts only
// (GET /v1/progress): never from personal records.

import { h, notAvailable, table, withData } from "../dom.js";
import { people, percent, peopleClass } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { may, on, state } from "../state.js";
import { map, registerPanel } from "./operation.js";

// [{id, kind: "gathering", waiting} | {id, kind: "reception", arrived}]
export function pointCounts(p) {
  return [
    ...Object.entries(p.waiting).map(([id, n]) => ({ id, kind: "gathering", waiting: n })),
    ...Object.entries(p.arrived_at).map(([id, n]) => ({ id, kind: "reception", arrived: n })),
  ];
}

function renderProgress(el) {
  const p = state.progress;
  if (!may("counts.read") || state.failures.progress) return notAvailable(el, state.failures.progress || { forbidden: true });
  if (!p) return;
  const classes = [...new Set([...Object.keys(p.planned), ...Object.keys(p.evacuated)])];
  let out = 0;
  let planned = 0;
  const rows = classes.map((cls) => {
    const n = p.evacuated[cls] || 0;
    const of = p.planned[cls] || 0;
    out += n;
    planned += of;
    const meter = h("meter", { min: 0, max: Math.max(of, n, 1), value: n, "aria-label": _("{class}: {share} of plan", { class: peopleClass(cls), share: percent(n, of) }) });
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, peopleClass(cls)),
      h("td", { class: "num" }, people(n)),
      h("td", { class: "num" }, people(of)),
      h("td", { class: "num" }, h("span", { class: "pct" }, percent(n, of)), meter),
    );
  });
  const counts = { evacuated: h("strong", { id: "evacuated-total" }, people(out)), planned: people(planned) };
  const head = [_("Class"), _("Arrived"), p.basis === "planned" ? _("Planned") : _("Registered"), _("Of plan")];
  el.replaceChildren(
    h("p", { class: "big-number" }, p.basis === "planned" ? withData(_("{evacuated} out of {planned} planned"), counts) : withData(_("{evacuated} out of {planned} registered"), counts)),
    table(_("Evacuated by class against the plan"), head, rows, { class: "data compact" }, true),
  );
  if (!rows.length) el.querySelector("tbody td").textContent = _("Nobody has arrived yet.");
}

function renderPoints(el) {
  const p = state.progress;
  if (!p) return;
  const points = pointCounts(p);
  if (map()) map().setCounts(points);
  if (!points.length) return el.replaceChildren(h("p", { class: "empty" }, _("No counts yet.")));
  const kind = { gathering: _("Gathering point"), reception: _("Reception centre") };
  const rows = points.map((pt) =>
    h(
      "tr",
      {},
      h("th", { scope: "row", translate: "no" }, pt.id),
      h("td", {}, kind[pt.kind]),
      h("td", { class: "num" }, pt.kind === "reception" ? ngettext("{n} person arrived", "{n} people arrived", pt.arrived) : ngettext("{n} person waiting", "{n} people waiting", pt.waiting)),
    ),
  );
  el.replaceChildren(table(_("People at each point"), [_("Point"), _("Kind"), _("People")], rows, { class: "data compact" }, true));
}

registerPanel({
  id: "progress",
  order: 10,
  title: () => _("Evacuated so far"),
  build(body) {
    on("progress", () => renderProgress(body));
  },
});

registerPanel({
  id: "points",
  order: 30,
  title: () => _("People at each point"),
  build(body) {
    on("progress", () => renderPoints(body));
  },
});
