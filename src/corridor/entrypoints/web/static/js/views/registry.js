// The views of the dashboard. Each view module registers itself here when app.js imports it:
//
//   registerView({ id: "schedule", order: 30, title: () => _("Schedule"),
//                  build(panel, tab) { … once, when the page opens … },
//                  start() { … once, when signed in: state.me is known … },
//                  show() { … each time it is shown … } });
//
// and gets a tab (#tab-ID) and a panel (#view-ID). The tabs answer ←, →, Home and End; the view
// shown is kept in the address (#ID).

import { $, h } from "../dom.js";
import { _ } from "../i18n.js";
import { set, state } from "../state.js";

const views = [];

export function registerView(view) {
  views.push(view);
}

let tabs = [];

function onKey(ev) {
  const i = tabs.indexOf(ev.currentTarget);
  let j = null;
  if (ev.key === "ArrowRight") j = (i + 1) % tabs.length;
  if (ev.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
  if (ev.key === "Home") j = 0;
  if (ev.key === "End") j = tabs.length - 1;
  if (j !== null) {
    ev.preventDefault();
    selectView(tabs[j].dataset.view, true);
  }
}

// Make every registered view's tab and panel, in their order, and build each view once.
export function mountViews() {
  views.sort((a, b) => a.order - b.order);
  const nav = $("tabs");
  nav.setAttribute("aria-label", _("Views"));
  for (const view of views) {
    const tab = h("button", { type: "button", role: "tab", id: `tab-${view.id}`, "aria-controls": `view-${view.id}`, "data-view": view.id }, view.title());
    const panel = h("section", { id: `view-${view.id}`, class: `view ${view.className || ""}`, role: "tabpanel", "aria-labelledby": `tab-${view.id}`, hidden: true });
    tab.addEventListener("click", () => selectView(view.id));
    tab.addEventListener("keydown", onKey);
    nav.append(tab);
    $("main").append(panel);
    view.build(panel, tab);
  }
  tabs = [...nav.querySelectorAll('[role="tab"]')];
}

// Signed in: each view starts listening to the state it shows.
export function startViews() {
  for (const view of views) if (view.start) view.start();
}

export function selectView(name, focus = false) {
  const view = views.find((v) => v.id === name) || views[0];
  for (const tab of tabs) {
    const on = tab.dataset.view === view.id;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) tab.focus();
  }
  set("view", view.id);
  if (view.show) view.show();
  if (location.hash !== `#${view.id}`) history.replaceState(null, "", `#${view.id}`);
}

// The view named in the address, else the first.
export const firstView = () => (views.some((v) => v.id === location.hash.slice(1)) ? location.hash.slice(1) : views[0].id);

export const shown = (id) => state.view === id;
