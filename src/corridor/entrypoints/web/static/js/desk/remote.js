// The desk's calls to the coordination service (the dashboard's token and error handling,
// ../api.js). Envelopes are posted as their exact bytes: what was signed is what is logged.

import { ApiError, headers } from "../api.js";

async function call(method, url, { body, bytes, text = false } = {}) {
  const init = { method, headers: headers(text ? { Accept: "text/plain" } : {}) };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (bytes !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = bytes;
  }
  const res = await fetch(url, init);
  const raw = await res.text();
  if (!res.ok) {
    let problem = null;
    try {
      problem = JSON.parse(raw);
    } catch {
      problem = { detail: raw.slice(0, 300) };
    }
    throw new ApiError(res.status, problem, url);
  }
  if (text) return raw;
  return raw ? JSON.parse(raw) : null;
}

const part = (x) => encodeURIComponent(String(x));

export const me = () => call("GET", "/v1/me");
export const corridors = () => call("GET", "/v1/corridors");
export const corridor = (id) => call("GET", `/v1/corridors/${part(id)}`);
export const diff = (id, from, to) => call("GET", `/v1/corridors/${part(id)}/diff?from=${from}&to=${to}`);
export const checkDraft = (id, document) => call("POST", `/v1/corridors/${part(id)}/drafts/check`, { body: { document } });
export const submit = (envelope) => call("POST", "/v1/agreement/envelopes", { bytes: envelope });
export const logKey = () => call("GET", "/v1/log/key", { text: true });
export const checkpoint = () => call("GET", "/v1/log/checkpoint", { text: true });
export const signCheckpoint = () => call("POST", "/v1/log/checkpoint", { text: true });
export const consistency = (first, second) => call("GET", `/v1/log/proof/consistency?first=${first}&second=${second}`);
export const entries = (start) => call("GET", `/v1/log/entries?start=${start}`);
export const cosignature = (note, witnessKey) => call("POST", "/v1/log/cosignatures", { body: { note, witness_key: witnessKey } });
export const notifications = () => call("GET", "/v1/notifications");
export const acknowledgeNotification = (id) => call("POST", `/v1/notifications/${part(id)}/ack`, { body: { note: "" } });
