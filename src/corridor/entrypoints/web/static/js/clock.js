// The operation's clock is the service's, never this device's: a tablet whose clock is wrong
// still shows the right time left in the window. Between two readings of GET /v1/clock the page
// runs it on at its rate (above 1 while a rehearsal or the demo replays an operation faster).
// When it lies far from this device's clock (a replay of the operation's day), the header says
// so.

import * as api from "./api.js";
import { toDate } from "./format.js";

const REPLAY_GAP_MS = 15 * 60000;
export const CLOCK_SYNC_MS = 15000;

let reading = null; // {server (ms), at (performance.now() then), rate}
let replaying = false;

export function now() {
  if (!reading) return Date.now();
  return reading.server + (performance.now() - reading.at) * reading.rate;
}

export const rate = () => (reading ? reading.rate : 1);
export const replay = () => replaying;

export async function syncClock() {
  try {
    const asked = performance.now();
    const answer = await api.clock();
    const got = performance.now();
    const server = toDate(answer.now);
    if (!server) return;
    const r = Number(answer.rate) > 0 ? Number(answer.rate) : 1;
    reading = { server: server.getTime() + ((got - asked) / 2) * r, at: got, rate: r };
    replaying = r !== 1 || Math.abs(now() - Date.now()) > REPLAY_GAP_MS;
  } catch (err) {
    if (!(err instanceof api.ApiError)) console.error(err);
  }
}
