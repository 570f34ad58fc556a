// The dashboard's wiring: the language, the header, the views, then sign in, load what the role
// may read (data.js) and keep it current from the live stream (events.js). Each view is a module
// that registers itself (views/registry.js); each side panel of the operation view registers
// with views/operation.js. To add one, write the module and import it below (docs/dashboard.md).

import * as api from "./api.js";
import { CLOCK_SYNC_MS, syncClock } from "./clock.js";
import { load, loadEverything } from "./data.js";
import { $ } from "./dom.js";
import { startStream } from "./events.js";
import { mountHeader, renderClock } from "./header.js";
import { loadLanguage, _ } from "./i18n.js";
import { mountSignIn, showSignIn } from "./signin.js";
import { set, state } from "./state.js";
import { firstView, mountViews, selectView, startViews } from "./views/registry.js";

import "./views/operation.js";
import "./views/progress.js";
import "./views/vehicles.js";
import "./views/agreement.js";
import "./views/schedule.js";
import "./views/simulation.js";
import "./views/incidents.js";
import "./views/alerts.js";

async function signedIn() {
  try {
    return await api.me();
  } catch (err) {
    if (err instanceof api.ApiError && (err.status === 401 || err.status === 403)) {
      api.saveToken("");
      showSignIn(_("That token was not accepted. Check it and try again."));
    } else showSignIn(_("The service did not answer: {reason}", { reason: err.message }));
    return null;
  }
}

async function start() {
  if (state.me) return location.reload(); // signed in again after a refusal: start afresh
  if (!api.savedToken()) return showSignIn("");
  const me = await signedIn();
  if (!me) return;
  $("signin").hidden = true;
  $("tabs").hidden = false;
  $("window-clock").hidden = false;
  await syncClock();
  set("config", await api.config());
  set("me", me);
  startViews();
  selectView(firstView());
  await loadEverything();
  startStream();
  setInterval(renderClock, 1000);
  setInterval(() => load("progress"), 30000);
  setInterval(syncClock, CLOCK_SYNC_MS);
  document.body.dataset.loaded = "true";
}

await loadLanguage();
mountHeader();
mountSignIn(start);
mountViews();
renderClock();
start();
