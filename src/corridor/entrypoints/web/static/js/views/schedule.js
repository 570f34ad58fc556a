// The schedule: a Gantt chart of every vehicle's trip and of every checkpoint lane, drawn as
// SVG from the checked plan, with the window's opening and end and a "now" line.

import { clock, h, minutes } from "../format.js";

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

function sum(obj) {
  return Object.values(obj || {}).reduce((a, b) => a + (Number(b) || 0), 0);
}

// Interval partitioning: each crossing goes to the first lane free at its start.
export function laneRows(routes) {
  const by = new Map();
  for (const r of routes) {
    for (const st of r.stops || []) {
      if (!st.dir) continue;
      const key = `${st.at}|${st.dir}`;
      if (!by.has(key)) by.set(key, []);
      by.get(key).push({ vehicle: r.vehicle, start: Number(st.start), end: Number(st.end), arrive: Number(st.arrive) });
    }
  }
  const rows = [];
  for (const key of [...by.keys()].sort()) {
    const [cp, dir] = key.split("|");
    const crossings = by.get(key).sort((a, b) => a.start - b.start);
    const lanes = [];
    for (const c of crossings) {
      let lane = lanes.findIndex((l) => l.free <= c.start + 1e-6);
      if (lane < 0) {
        lanes.push({ free: c.end, items: [] });
        lane = lanes.length - 1;
      }
      lanes[lane].free = c.end;
      lanes[lane].items.push(c);
    }
    lanes.forEach((l, i) => rows.push({ label: `${cp} ${dir === "in" ? "inward" : "outward"} · lane ${i + 1}`, items: l.items }));
  }
  return rows;
}

export function renderSchedule(container, { plan, origin, nowMs, windowMin }) {
  container.replaceChildren();
  const routes = (plan && plan.routes ? plan.routes : []).filter((r) => (r.stops || []).length > 1);
  if (!routes.length) {
    container.append(h("p", { class: "empty" }, "No plan has been computed and checked for this corridor yet."));
    return;
  }
  const toClock = (m) => (origin ? clock(new Date(origin.getTime() + m * 60000)) : `${Math.round(m)} min`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of routes) {
    for (const st of r.stops) {
      for (const k of ["arrive", "start", "end", "depart"]) {
        if (st[k] !== undefined) {
          lo = Math.min(lo, Number(st[k]));
          hi = Math.max(hi, Number(st[k]));
        }
      }
    }
  }
  if (windowMin) {
    lo = Math.min(lo, windowMin.open);
    hi = Math.max(hi, windowMin.close);
  }
  const nowMin = origin && nowMs ? (nowMs - origin.getTime()) / 60000 : null;
  // Ticks fall on the clock's half hours, whatever minute the plan's clock starts at.
  const shift = origin ? ((origin.getTime() / 60000) % 60 + 60) % 60 : 0;
  lo = Math.floor((lo - 10 + shift) / 30) * 30 - shift;
  hi = Math.ceil((hi + 10 + shift) / 30) * 30 - shift;

  const lanes = laneRows(routes);
  const width = Math.max(720, container.clientWidth - 4 || 1000);
  const plotW = width - LABEL - 10;
  const x = (m) => LABEL + ((m - lo) / (hi - lo)) * plotW;

  const summary = h(
    "p",
    { class: "schedule-summary" },
    `${routes.length === 1 ? `Trips of ${routes[0].vehicle}` : `${routes.length} vehicles in the plan`}; window ${windowMin ? `${toClock(windowMin.open)} to ${toClock(windowMin.close)}` : "not known"}.`,
    nowMin !== null && nowMin >= lo && nowMin <= hi ? ` Now ${toClock(nowMin)}.` : "",
  );
  const legend = h(
    "ul",
    { class: "gantt-legend", "aria-label": "Schedule legend" },
    h("li", {}, h("span", { class: "g-sw g-inside" }), "inside the zone"),
    h("li", {}, h("span", { class: "g-sw g-queue" }), "waiting at a checkpoint"),
    h("li", {}, h("span", { class: "g-sw g-crossing" }), "checkpoint crossing"),
    h("li", {}, h("span", { class: "g-sw g-board" }), "boarding"),
    h("li", {}, h("span", { class: "g-sw g-alight" }), "people getting off at reception"),
    h("li", {}, h("span", { class: "g-sw g-travel" }), "driving"),
    h("li", {}, h("span", { class: "g-sw g-now" }), "now"),
    h("li", {}, h("span", { class: "g-sw g-window" }), "window opens / ends"),
  );

  function chart(title, rows, drawRow) {
    const height = AXIS + rows.length * ROW + 22; // room below the rows for the window labels
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "gantt" });
    svg.append(s("title", {}, title));
    // hour ticks
    for (let m = lo; m <= hi; m += 30) {
      const major = Math.round(m + shift) % 60 === 0;
      svg.append(s("line", { x1: x(m), x2: x(m), y1: AXIS - 6, y2: height, class: major ? "tick major" : "tick" }));
      if (major) svg.append(s("text", { x: x(m), y: 16, class: "tick-label", "text-anchor": "middle" }, toClock(m)));
    }
    rows.forEach((row, i) => {
      const y = AXIS + i * ROW;
      if (i % 2) svg.append(s("rect", { x: 0, y, width, height: ROW, class: "row-band" }));
      svg.append(s("text", { x: 6, y: y + ROW / 2 + 5, class: "row-label" }, row.label));
      drawRow(svg, row, y);
    });
    if (windowMin) {
      for (const [m, name] of [
        [windowMin.open, "window opens"],
        [windowMin.close, "window ends"],
      ]) {
        svg.append(s("line", { x1: x(m), x2: x(m), y1: AXIS - 4, y2: height, class: "window-line" }));
        const end = name === "window ends";
        svg.append(s("text", { x: x(m) + (end ? -4 : 4), y: height - 4, class: "window-label", "text-anchor": end ? "end" : "start" }, `${name} ${toClock(m)}`));
      }
    }
    if (nowMin !== null && nowMin >= lo && nowMin <= hi) {
      svg.append(s("line", { x1: x(nowMin), x2: x(nowMin), y1: 22, y2: height, class: "now-line" }));
      svg.append(s("text", { x: x(nowMin) + 4, y: 34, class: "now-label" }, `now ${toClock(nowMin)}`));
    }
    return h("div", { class: "gantt-scroll" }, svg);
  }

  const vehicleRows = routes.map((r) => ({ label: r.vehicle, route: r }));
  const vehicleChart = chart("Trips of each vehicle", vehicleRows, (svg, row, y) => {
    const stops = row.route.stops;
    let inStart = null;
    for (const st of stops) {
      if (st.dir === "in") inStart = Number(st.start);
      if (st.dir === "out" && inStart !== null) {
        svg.append(s("rect", { x: x(inStart), y: y + 2, width: Math.max(1, x(Number(st.end)) - x(inStart)), height: ROW - 4, class: "g-inside" }));
        inStart = null;
      }
    }
    for (let i = 0; i < stops.length; i++) {
      const st = stops[i];
      const leave = st.dir ? Number(st.end) : Number(st.depart ?? st.arrive);
      const next = stops[i + 1];
      if (next) svg.append(s("line", { x1: x(leave), x2: x(Number(next.arrive)), y1: y + ROW / 2, y2: y + ROW / 2, class: "g-travel" }));
      const kind = stopKind(st);
      if (kind === "crossing") {
        if (Number(st.start) > Number(st.arrive) + 0.01) {
          const q = s("rect", { x: x(Number(st.arrive)), y: y + 6, width: x(Number(st.start)) - x(Number(st.arrive)), height: ROW - 12, class: "g-queue" });
          q.append(s("title", {}, `${row.label} waits at ${st.at} for ${minutes(Number(st.start) - Number(st.arrive))}`));
          svg.append(q);
        }
        const c = s("rect", { x: x(Number(st.start)), y: y + 4, width: Math.max(2, x(Number(st.end)) - x(Number(st.start))), height: ROW - 8, class: "g-crossing" });
        c.append(s("title", {}, `${row.label} crosses ${st.at} ${st.dir === "in" ? "inward" : "outward"} ${toClock(Number(st.start))}–${toClock(Number(st.end))}`));
        svg.append(c);
      } else {
        const a = Number(st.arrive);
        const d = Number(st.depart ?? st.arrive);
        const r = s("rect", { x: x(a), y: y + 4, width: Math.max(2, x(d) - x(a)), height: ROW - 8, class: `g-${kind}` });
        let what = `${row.label} at ${st.at} ${toClock(a)}–${toClock(d)}`;
        if (kind === "board") what += `: ${sum(st.board)} people board`;
        if (kind === "alight") what += `: ${sum(st.alight)} people get off`;
        r.append(s("title", {}, what));
        svg.append(r);
        if (kind === "board" || kind === "alight") {
          const n = kind === "board" ? sum(st.board) : sum(st.alight);
          if (x(d) - x(a) > 22) svg.append(s("text", { x: x(a) + 2, y: y + ROW / 2 + 4, class: "g-count" }, String(n)));
        }
      }
    }
  });

  const laneChart = chart("Checkpoint lanes", lanes, (svg, row, y) => {
    for (const c of row.items) {
      const r = s("rect", { x: x(c.start), y: y + 4, width: Math.max(2, x(c.end) - x(c.start)), height: ROW - 8, class: "g-crossing" });
      r.append(s("title", {}, `${c.vehicle} ${toClock(c.start)}–${toClock(c.end)}`));
      svg.append(r);
    }
  });

  // One vehicle (a driver's own): its trip sheet, stop by stop, under the chart.
  let sheet = null;
  if (routes.length === 1) {
    const rows = routes[0].stops.map((st, i) => {
      let what = "";
      if (st.dir) {
        const wait = Number(st.start) - Number(st.arrive);
        what = `cross ${st.dir === "in" ? "inward" : "outward"}${wait >= 1 ? ` after waiting ${minutes(wait)}` : ""}`;
      }
      else if (st.board && sum(st.board)) what = `${sum(st.board)} people board`;
      else if (st.alight && sum(st.alight)) what = `${sum(st.alight)} people get off`;
      else if (st.load_kg) what = `load ${Math.round(st.load_kg)} kg`;
      else what = i === 0 ? "start" : "pass through";
      if (st.unload_kg) what += `, unload ${Math.round(st.unload_kg)} kg`;
      const leave = st.dir ? st.end : st.depart;
      return h("tr", {}, h("td", {}, toClock(Number(st.arrive))), h("td", {}, leave !== undefined ? toClock(Number(leave)) : "–"), h("th", { scope: "row" }, st.at), h("td", {}, what));
    });
    sheet = h(
      "table",
      { class: "data trip-sheet", id: "trip-sheet" },
      h("caption", {}, `Trip sheet of ${routes[0].vehicle}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Arrive"), h("th", { scope: "col" }, "Leave"), h("th", { scope: "col" }, "Place"), h("th", { scope: "col" }, "What"))),
      h("tbody", {}, rows),
    );
  }

  container.append(
    ...[summary, sheet].filter(Boolean),
    legend,
    h("h2", {}, "Vehicles"),
    h("p", { class: "hint" }, "One row per vehicle; numbers are people boarding or getting off. Hover a bar for details."),
    vehicleChart,
    h("h2", {}, "Checkpoint lanes"),
    h("p", { class: "hint" }, "One row per lane of each checkpoint and direction; a lane serves one vehicle at a time."),
    laneChart,
  );
}
