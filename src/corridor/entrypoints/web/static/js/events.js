// The live stream (GET /v1/events): Server-Sent Events read with fetch (EventSource cannot send
// an Authorization header, and a token in the address would end up in logs). It reconnects with
// Last-Event-ID after a drop, and hands each event to the modules that asked for its topic
// (onTopic): a new kind of event is a new onTopic() in the module that shows it.

import { headers } from "./api.js";
import { set } from "./state.js";

const handlers = new Map();

// Call fn(data) for each event of `topic` (positions, incidents, checkins, registry, agreement,
// plans, simulations, scenarios, notifications, ...).
export function onTopic(topic, fn) {
  if (!handlers.has(topic)) handlers.set(topic, []);
  handlers.get(topic).push(fn);
}

function dispatch(topic, data) {
  for (const fn of handlers.get(topic) || []) {
    try {
      fn(data);
    } catch (err) {
      console.error(err);
    }
  }
}

// One SSE block ("id: …\nevent: …\ndata: …"): returns its id (or null).
function parse(block) {
  let event = "message";
  const lines = [];
  let id = null;
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") lines.push(value);
    else if (field === "id") id = value;
  }
  if (lines.length) {
    try {
      dispatch(event, JSON.parse(lines.join("\n")));
    } catch (err) {
      console.error("an event that is not JSON:", err);
    }
  }
  return id;
}

async function follow(controller, lastId) {
  const h = headers({ Accept: "text/event-stream" });
  if (lastId.value) h["Last-Event-ID"] = lastId.value;
  const res = await fetch("/v1/events", { headers: h, signal: controller.signal });
  if (res.status === 401 || res.status === 403) return "refused";
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  set("streamStatus", "live");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return "ended";
    buffer = (buffer + value).replace(/\r\n?/g, "\n");
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const id = parse(buffer.slice(0, cut));
      if (id !== null) lastId.value = id;
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
    }
  }
}

// Follow the stream until the returned function is called; state.streamStatus says how it goes.
export function startStream() {
  const controller = new AbortController();
  const lastId = { value: "" };
  let stopped = false;
  (async () => {
    while (!stopped) {
      try {
        if ((await follow(controller, lastId)) === "refused") {
          set("streamStatus", "refused");
          return;
        }
      } catch {
        if (stopped) return;
      }
      set("streamStatus", "reconnecting");
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return () => {
    stopped = true;
    controller.abort();
  };
}
