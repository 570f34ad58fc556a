// The schedule: a Gantt chart of every vehicle's trip and of every checkpoint lane, drawn as
// SVG from the checked plan, with the window's opening and end and a "now" line; for a single
// vehicle (a driver's own) its trip sheet, stop by stop.

import { now } from "../clock.js";
import { data, h, table, withData } from "../dom.js";
import { clock, kg, minutes } from "../format.js";
import { _, ngettext } from "../i18n.js";
import { may, on, state } from "../state.js";
import { registerView, shown } from "./registry.js";

const SVG = "http://www.w3.org/2000/svg";
const ROW = 24;
const LABEL = 150;
const AXIS = 46;

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function stopKind(stop) {
  if (stop.dir) return "crossing";
  if (stop.board && Object.keys(stop.board).length) return "board";
  if (stop.alight && Object.keys(stop.alight).length) return "alight";
  if (stop.load_kg) return "load";
  return "stop";
}

const sum = (obj) => Object.values(obj || {}).reduce((a, b) => a + (Number(b) || 0), 0);

// Interval partitioning: each crossing goes to the first lane free at its start.
export function laneRows(routes) {
  const by = new Map();
  for (const r of routes) {
    for (const st of r.stops) {
      if (!st.dir) continue;
      const key = `${st.at}|${st.dir}`;
      if (!by.has(key)) by.set(key, []);
      by.get(key).push({ vehicle: r.vehicle, start: Number(st.start), end: Number(st.end), arrive: Number(st.arrive) });
    }
  }
  const rows = [];
  for (const key of [...by.keys()].sort()) {
    const [cp, dir] = key.split("|");
    const lanes = [];
    for (const c of by.get(key).sort((a, b) => a.start - b.start)) {
      let lane = lanes.findIndex((l) => l.free <= c.start + 1e-6);
      if (lane < 0) {
        lanes.push({ free: c.end, items: [] });
        lane = lanes.length - 1;
      }
      lanes[lane].free = c.end;
      lanes[lane].items.push(c);
    }
    const label = (n) => (dir === "in" ? _("{checkpoint} inward · lane {n}", { checkpoint: cp, n }) : _("{checkpoint} outward · lane {n}", { checkpoint: cp, n }));
    lanes.forEach((l, i) => rows.push({ label: label(i + 1), items: l.items }));
  }
  return rows;
}

// The time axis: minutes of the plan's clock from lo to hi, ticks on the clock's half hours.
function axis(routes, origin, windowMin, width) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of routes) {
    for (const st of r.stops) {
      for (const k of ["arrive", "start", "end", "depart"]) {
        if (st[k] === undefined) continue;
        lo = Math.min(lo, Number(st[k]));
        hi = Math.max(hi, Number(st[k]));
      }
    }
  }
  if (windowMin) {
    lo = Math.min(lo, windowMin.open);
    hi = Math.max(hi, windowMin.close);
  }
  const shift = origin ? ((origin.getTime() / 60000) % 60 + 60) % 60 : 0;
  lo = Math.floor((lo - 10 + shift) / 30) * 30 - shift;
  hi = Math.ceil((hi + 10 + shift) / 30) * 30 - shift;
  const plotW = width - LABEL - 10;
  return {
    lo,
    hi,
    shift,
    width,
    x: (m) => LABEL + ((m - lo) / (hi - lo)) * plotW,
    toClock: (m) => (origin ? clock(new Date(origin.getTime() + m * 60000)) : minutes(m)),
  };
}

function chart(ax, title, rows, drawRow, marks) {
  const { x, lo, hi, width, toClock } = ax;
  const height = AXIS + rows.length * ROW + 22; // room below the rows for the window labels
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "gantt" });
  svg.append(s("title", {}, title));
  for (let m = lo; m <= hi; m += 30) {
    const major = Math.round(m + ax.shift) % 60 === 0;
    svg.append(s("line", { x1: x(m), x2: x(m), y1: AXIS - 6, y2: height, class: major ? "tick major" : "tick" }));
    if (major) svg.append(s("text", { x: x(m), y: 16, class: "tick-label", "text-anchor": "middle" }, toClock(m)));
  }
  rows.forEach((row, i) => {
    const y = AXIS + i * ROW;
    if (i % 2) svg.append(s("rect", { x: 0, y, width, height: ROW, class: "row-band" }));
    svg.append(s("text", { x: 6, y: y + ROW / 2 + 5, class: "row-label", translate: "no" }, row.label));
    drawRow(svg, row, y);
  });
  if (marks.window) {
    const { open, close } = marks.window;
    svg.append(s("line", { x1: x(open), x2: x(open), y1: AXIS - 4, y2: height, class: "window-line" }));
    svg.append(s("text", { x: x(open) + 4, y: height - 4, class: "window-label", "text-anchor": "start" }, _("window opens {time}", { time: toClock(open) })));
    svg.append(s("line", { x1: x(close), x2: x(close), y1: AXIS - 4, y2: height, class: "window-line" }));
    svg.append(s("text", { x: x(close) - 4, y: height - 4, class: "window-label", "text-anchor": "end" }, _("window ends {time}", { time: toClock(close) })));
  }
  if (marks.now !== null) {
    svg.append(s("line", { x1: x(marks.now), x2: x(marks.now), y1: 22, y2: height, class: "now-line" }));
    svg.append(s("text", { x: x(marks.now) + 4, y: 34, class: "now-label" }, _("now {time}", { time: toClock(marks.now) })));
  }
  return h("div", { class: "gantt-scroll" }, svg);
}

function bar(ax, y, from, to, cls, title, inset = 4) {
  const r = s("rect", { x: ax.x(from), y: y + inset, width: Math.max(2, ax.x(to) - ax.x(from)), height: ROW - 2 * inset, class: cls });
  if (title) r.append(s("title", {}, title));
  return r;
}

// One vehicle's row: inside the zone, driving, queues, crossings, boarding and getting off.
function drawVehicle(ax, svg, row, y) {
  const { x, toClock } = ax;
  const stops = row.route.stops;
  let inStart = null;
  for (const st of stops) {
    if (st.dir === "in") inStart = Number(st.start);
    if (st.dir === "out" && inStart !== null) {
      svg.append(s("rect", { x: x(inStart), y: y + 2, width: Math.max(1, x(Number(st.end)) - x(inStart)), height: ROW - 4, class: "g-inside" }));
      inStart = null;
    }
  }
  stops.forEach((st, i) => {
    const leave = st.dir ? Number(st.end) : Number(st.depart ?? st.arrive);
    const next = stops[i + 1];
    if (next) svg.append(s("line", { x1: x(leave), x2: x(Number(next.arrive)), y1: y + ROW / 2, y2: y + ROW / 2, class: "g-travel" }));
    const kind = stopKind(st);
    const times = { vehicle: row.label, place: st.at };
    if (kind === "crossing") {
      const [arrive, start, end] = [Number(st.arrive), Number(st.start), Number(st.end)];
      if (start > arrive + 0.01) svg.append(bar(ax, y, arrive, start, "g-queue", _("{vehicle} waits at {place} for {time}", { ...times, time: minutes(start - arrive) }), 6));
      const span = { ...times, from: toClock(start), to: toClock(end) };
      const text = st.dir === "in" ? _("{vehicle} crosses {place} inward {from}–{to}", span) : _("{vehicle} crosses {place} outward {from}–{to}", span);
      svg.append(bar(ax, y, start, end, "g-crossing", text));
      return;
    }
    const [a, d] = [Number(st.arrive), Number(st.depart ?? st.arrive)];
    let what = _("{vehicle} at {place} {from}–{to}", { ...times, from: toClock(a), to: toClock(d) });
    const n = kind === "board" ? sum(st.board) : kind === "alight" ? sum(st.alight) : 0;
    if (kind === "board") what += `: ${ngettext("{n} person boards", "{n} people board", n)}`;
    if (kind === "alight") what += `: ${ngettext("{n} person gets off", "{n} people get off", n)}`;
    svg.append(bar(ax, y, a, d, `g-${kind}`, what));
    if (n && x(d) - x(a) > 22) svg.append(s("text", { x: x(a) + 2, y: y + ROW / 2 + 4, class: "g-count" }, String(n)));
  });
}

function drawLane(ax, svg, row, y) {
  for (const c of row.items) svg.append(bar(ax, y, c.start, c.end, "g-crossing", `${c.vehicle} ${ax.toClock(c.start)}–${ax.toClock(c.end)}`));
}

function legend() {
  const item = (cls, text) => h("li", {}, h("span", { class: `g-sw ${cls}` }), text);
  return h(
    "ul",
    { class: "gantt-legend", "aria-label": _("Schedule legend") },
    item("g-inside", _("inside the zone")),
    item("g-queue", _("waiting at a checkpoint")),
    item("g-crossing", _("checkpoint crossing")),
    item("g-board", _("boarding")),
    item("g-alight", _("people getting off at reception")),
    item("g-travel", _("driving")),
    item("g-now", _("now")),
    item("g-window", _("window opens / ends")),
  );
}

function stopText(st, first) {
  let what;
  if (st.dir) {
    const wait = Number(st.start) - Number(st.arrive);
    const way = st.dir === "in" ? _("cross inward") : _("cross outward");
    what = wait >= 1 ? _("{crossing} after waiting {time}", { crossing: way, time: minutes(wait) }) : way;
  } else if (sum(st.board)) what = ngettext("{n} person boards", "{n} people board", sum(st.board));
  else if (sum(st.alight)) what = ngettext("{n} person gets off", "{n} people get off", sum(st.alight));
  else if (st.load_kg) what = _("load {weight}", { weight: kg(st.load_kg) });
  else what = first ? _("start") : _("pass through");
  if (st.unload_kg) what += `, ${_("unload {weight}", { weight: kg(st.unload_kg) })}`;
  return what;
}

// One vehicle (a driver's own): its trip sheet, stop by stop, under the chart.
function tripSheet(route, toClock) {
  const rows = route.stops.map((st, i) => {
    const leave = st.dir ? st.end : st.depart;
    return h(
      "tr",
      {},
      h("td", {}, toClock(Number(st.arrive))),
      h("td", {}, leave !== undefined ? toClock(Number(leave)) : "–"),
      h("th", { scope: "row", translate: "no" }, st.at),
      h("td", {}, stopText(st, i === 0)),
    );
  });
  const caption = h("span", {}, withData(_("Trip sheet of {vehicle}"), { vehicle: data(route.vehicle) }));
  return table(caption, [_("Arrive"), _("Leave"), _("Place"), _("What")], rows, { class: "data trip-sheet", id: "trip-sheet" });
}

function summary(routes, windowMin, nowMin, ax) {
  const count = routes.length === 1 ? withData(_("Trips of {vehicle}"), { vehicle: data(routes[0].vehicle) }) : [ngettext("{n} vehicle in the plan", "{n} vehicles in the plan", routes.length)];
  const win = windowMin ? _("window {from} to {to}", { from: ax.toClock(windowMin.open), to: ax.toClock(windowMin.close) }) : _("window not known");
  const at = nowMin !== null ? ` ${_("Now {time}.", { time: ax.toClock(nowMin) })}` : "";
  return h("p", { class: "schedule-summary" }, ...count, `; ${win}.`, at);
}

export function renderSchedule(container, { plan, origin, nowMs, windowMin }) {
  const routes = (plan ? plan.routes : []).filter((r) => r.stops.length > 1);
  if (!routes.length) return container.replaceChildren(h("p", { class: "empty" }, _("No plan has been computed and checked for this corridor yet.")));
  const ax = axis(routes, origin, windowMin, Math.max(720, container.clientWidth - 4 || 1000));
  const at = origin && nowMs ? (nowMs - origin.getTime()) / 60000 : null;
  const nowMin = at !== null && at >= ax.lo && at <= ax.hi ? at : null;
  const marks = { window: windowMin, now: nowMin };
  const vehicles = chart(ax, _("Trips of each vehicle"), routes.map((r) => ({ label: r.vehicle, route: r })), (svg, row, y) => drawVehicle(ax, svg, row, y), marks);
  const lanes = chart(ax, _("Checkpoint lanes"), laneRows(routes), (svg, row, y) => drawLane(ax, svg, row, y), marks);
  container.replaceChildren(
    summary(routes, windowMin, nowMin, ax),
    ...(routes.length === 1 ? [tripSheet(routes[0], ax.toClock)] : []),
    legend(),
    h("h2", {}, _("Vehicles")),
    h("p", { class: "hint" }, _("One row per vehicle; numbers are people boarding or getting off. Hover a bar for details.")),
    vehicles,
    h("h2", {}, _("Checkpoint lanes")),
    h("p", { class: "hint" }, _("One row per lane of each checkpoint and direction; a lane serves one vehicle at a time.")),
    lanes,
  );
}

// The window on the plan's clock: the agreed one (the plan keeps to it), else the scenario's.
function windowMinutes() {
  const w = state.window;
  const p = state.plan;
  if (w && p && p.origin) return { open: (w.open - p.origin) / 60000, close: (w.close - p.origin) / 60000 };
  return p && p.window ? p.window : null;
}

function draw(el) {
  if (!state.plan && !may("plans.read") && !may("trips.read")) {
    return el.replaceChildren(h("p", { class: "muted" }, _("The schedule is not available to your role.")));
  }
  renderSchedule(el, { plan: state.plan, origin: state.plan && state.plan.origin, nowMs: now(), windowMin: windowMinutes() });
}

let element = null;

registerView({
  id: "schedule",
  order: 30,
  title: () => _("Schedule"),
  build(panel) {
    element = h("div", { id: "schedule" });
    panel.append(element);
  },
  start() {
    for (const key of ["plan", "window"]) on(key, () => shown("schedule") && draw(element));
  },
  show() {
    draw(element);
  },
});
