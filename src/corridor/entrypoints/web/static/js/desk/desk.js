// The liaison's desk: a party's officer (or the coordinator) reviews the open proposal,
// counter-proposes, signs on this device and checks the log before every signature
// (docs/agreement.md). The key never leaves the device: a non-extractable WebCrypto key in
// IndexedDB. Every statement is built and signed here, byte for byte as the CLI builds it, and
// posted as its exact bytes.

import * as api from "../api.js";
import { $, h, put } from "../dom.js";
import { _, language, languages, loadLanguage, locale, setLanguage } from "../i18n.js";
import { hex } from "./bytes.js";
import { signStatement } from "./dsse.js";
import * as history from "./history.js";
import * as keys from "./keys.js";
import { deskMap } from "./map.js";
import { leafHash } from "./merkle.js";
import { renderServiceNotes } from "./notes.js";
import * as remote from "./remote.js";
import { documentDigest, keyDigest, stamp, statement } from "./statements.js";
import * as store from "./store.js";
import { FieldError, draftForm, readDraft, termsList } from "./terms.js";

const state = { me: null, role: null, signer: null, corridorId: null, view: null, map: null, draftBase: null };
const SIDE_NAMES = { party_a: () => _("party A"), party_b: () => _("party B"), intermediary: () => _("the intermediary") };
const SIDES = new Proxy({}, { get: (_t, role) => (SIDE_NAMES[role] ? SIDE_NAMES[role]() : undefined) });
const DEFAULT_NAME = { party_a: "party-a", party_b: "party-b", intermediary: "intermediary" };

// WebCrypto and its keys exist only in a secure context (HTTPS, or localhost itself).
const canSign = () => Boolean(window.isSecureContext && crypto.subtle);
const insecure = () =>
  _("This page is not served over HTTPS, so the browser gives it no cryptography: no key can be made or used, and nothing can be signed here. Ask the operator for the https:// address.");
const isParty = () => state.role === "party_a" || state.role === "party_b";
const en = (text) => h("span", { lang: "en" }, text); // the service's own English sentences

function status(text, kind = "") {
  const el = $("status");
  el.className = `status ${kind}`;
  el.textContent = text;
}

function refusal(err) {
  const box = h(
    "div",
    { class: "refusal", role: "alert", id: "refusal" },
    h("strong", {}, _("Not signed.")),
    " ",
    _("The log this server shows does not match what your party has seen, so nothing was signed and nothing was sent."),
    h("p", {}, _("What the page found:"), " ", en(err.reason)),
    err.detail ? h("p", { class: "hint" }, en(err.detail)) : null,
    h("p", {}, _("Do not sign anything on this server until the coordinator explains. Tell your command, and compare the log's latest checkpoint with the other party by a channel you trust.")),
  );
  put($("status"), box);
}

// --- signing: check the log, confirm, cosign, sign, send ---------------------------------------

function confirmDialog(title, lines, checkedSaid) {
  const dialog = $("confirm-dialog");
  return new Promise((resolve) => {
    const done = (ok) => {
      dialog.close();
      resolve(ok);
    };
    put(
      dialog,
      h("h2", { id: "confirm-title" }, title),
      h("ul", { class: "changes" }, lines.map((l) => h("li", {}, l))),
      h("p", { class: "checked" }, _("Checked before signing:"), " ", en(checkedSaid)),
      h("p", { class: "hint" }, _("Signing uses your key on this device. The signed message goes into the log and cannot be taken back.")),
      h("button", { type: "button", id: "confirm-sign", onclick: () => done(true) }, _("Sign and send")),
      h("button", { type: "button", class: "secondary", id: "confirm-cancel", onclick: () => done(false) }, _("Cancel")),
    );
    dialog.addEventListener("cancel", () => resolve(false), { once: true });
    dialog.showModal();
    $("confirm-sign").focus();
  });
}

// Each build(replayed, follows) returns one statement (or a list of them, signed in turn).
async function signAndSend(title, lines, build) {
  if (!canSign()) return status(insecure(), "refusal");
  if (!state.signer) return status(_("Make or import your key first."), "refusal");
  status(_("Checking the log before signing…"));
  let checked;
  try {
    checked = await history.check(state.signer);
  } catch (err) {
    if (err instanceof history.HistoryRefused) return refusal(err);
    return status(_("The service did not answer: {reason}", { reason: err.message }), "refusal");
  }
  status("");
  if (!(await confirmDialog(title, lines, checked.said))) return status(_("Nothing was signed."));
  try {
    const replayed = history.replay(checked.messages, state.corridorId);
    const witness = isParty() && replayed.keys[state.role] === state.signer.verifierText;
    await history.cosignChecked(state.signer, checked, witness);
    let follows = checked.head;
    const built = await build(replayed, follows);
    const results = [];
    for (const make of Array.isArray(built) ? built : [built]) {
      const stmt = typeof make === "function" ? await make(follows) : make;
      const envelope = await signStatement(stmt, state.signer);
      const result = await remote.submit(envelope);
      results.push(result);
      follows = { index: result.index, leaf_hash: hex(await leafHash(envelope)) };
    }
    const last = results[results.length - 1];
    status(_("Signed and logged as entry {index}.", { index: last.index }), "checked");
    await showCorridor();
    return results;
  } catch (err) {
    const problem = err instanceof api.ApiError ? err.message : String(err.message || err);
    status(_("Refused: {reason}", { reason: problem }), "refusal");
    return null;
  }
}

const at = () => stamp(new Date());
const onLatest = (kind, extra = {}) => (replayed, follows) => {
  const latest = replayed.latest;
  if (!latest) throw new Error(_("there is no proposal yet"));
  return statement(kind, state.corridorId, state.signer.name, at(), latest.hash, { version: latest.number, ...extra }, follows);
};

// --- the key --------------------------------------------------------------------------------

async function loadKey() {
  const record = await store.keyFor(state.me.user_id);
  state.signer = record ? await keys.signerFrom(record) : null;
}

async function keep(record) {
  if (!canSign()) throw new Error(insecure());
  await store.saveKey(state.me.user_id, record);
  await loadKey();
  await showCorridor();
}

async function renderKey() {
  const panel = $("key-panel");
  if (!state.signer) {
    const name = h("input", { id: "key-name", type: "text", value: DEFAULT_NAME[state.role] || "", autocomplete: "off" });
    const file = h("input", { id: "key-file", type: "file", accept: ".key,text/plain" });
    put(
      panel,
      h("h2", { id: "key-title" }, _("Your key")),
      h("p", {}, _("This device has no key for you yet. Make one here (it never leaves this device), or import the key file the command-line tool made, once.")),
      h("label", { for: "key-name" }, _("Key name")),
      name,
      h("button", { type: "button", id: "make-key", onclick: async () => {
        try {
          if (!canSign()) throw new Error(insecure());
          await keep(await keys.generate(name.value.trim()));
        } catch (e) {
          status(e.message, "refusal");
        }
      } }, _("Make a key on this device")),
      h("label", { for: "key-file" }, _("Or import a key file (.key)")),
      file,
      h("button", {
        type: "button",
        id: "import-key",
        class: "secondary",
        onclick: async () => {
          try {
            if (!canSign()) throw new Error(insecure());
            const text = await file.files[0].text();
            await keep(await keys.importSignerText(text));
            file.value = "";
            status(_("Key imported. Delete the file from this device's downloads if it was copied here."));
          } catch (e) {
            status(e.message, "refusal");
          }
        },
      }, _("Import")),
    );
    return;
  }
  const fp = await keys.fingerprint(state.signer.verifierText);
  const view = state.view;
  const confirmed = view && view.keys.confirmed[state.role] === state.signer.verifierText;
  const pending = view && view.keys.awaiting_confirmation[state.role] === state.signer.verifierText;
  const parts = [
    h("h2", { id: "key-title" }, _("Your key")),
    h("p", {}, _("Key name"), ": ", h("code", { translate: "no" }, state.signer.name)),
    h("p", {}, _("Fingerprint: read it out at the key ceremony, in person or on a call you trust")),
    h("p", { class: "fingerprint", id: "fingerprint", translate: "no" }, fp),
    h("p", { class: "hint" }, _("Verifier key"), ": ", h("code", { id: "verifier-key", translate: "no" }, state.signer.verifierText)),
  ];
  if (view && isParty()) {
    if (confirmed) parts.push(h("p", { class: "checked", id: "key-state" }, _("Confirmed in this corridor by its fingerprint.")));
    else if (pending) parts.push(h("p", { id: "key-state" }, _("Registered; waiting for the coordinator to confirm it by its fingerprint.")));
    else parts.push(h("button", { type: "button", id: "register-key", onclick: registerKey }, _("Register this key in the corridor")));
  }
  put(panel, ...parts);
}

function registerKey() {
  const text = state.signer.verifierText;
  return signAndSend(_("Register your key"), [_("Your key for {side}", { side: SIDES[state.role] })], async (r, follows) =>
    statement("key-registration", state.corridorId, state.signer.name, at(), await keyDigest(text), { role: state.role, key: text }, follows),
  );
}

// --- the coordinator's part: open a corridor, confirm the parties' keys -----------------------

function coordinatorTools() {
  const out = [];
  if (state.role !== "intermediary" || !state.signer) return out;
  const field = (id, label, value = "") => [h("label", { for: id }, label), h("input", { id, type: "text", value, autocomplete: "off" })];
  out.push(
    h("h3", {}, _("Open a corridor")),
    ...field("open-id", _("Corridor identifier")),
    ...field("open-a", _("Organisation of party A")),
    ...field("open-b", _("Organisation of party B")),
    ...field("open-i", _("Organisation of the intermediary")),
    h("button", {
      type: "button",
      id: "open-corridor",
      onclick: () => {
        const id = $("open-id").value.trim();
        const organisations = { party_a: $("open-a").value.trim(), party_b: $("open-b").value.trim(), intermediary: $("open-i").value.trim() };
        state.corridorId = id;
        const text = state.signer.verifierText;
        return signAndSend(_("Open corridor {id}", { id }), Object.values(organisations), async (r, follows) =>
          statement("opening", id, state.signer.name, at(), await keyDigest(text), { organisations, key: text }, follows),
        );
      },
    }, _("Open")),
  );
  const pending = (state.view && state.view.keys.awaiting_confirmation) || {};
  for (const [role, key] of Object.entries(pending)) {
    const id = `confirm-fp-${role}`;
    out.push(
      h("h3", {}, _("Confirm the key of {side}", { side: SIDES[role] })),
      h("label", { for: id }, _("The fingerprint the party's officer read out")),
      h("input", { id, type: "text", autocomplete: "off" }),
      h("button", {
        type: "button",
        id: `confirm-key-${role}`,
        onclick: async () => {
          const typed = $(id).value;
          const fp = await keys.fingerprint(key);
          if (typed.toLowerCase().replace(/\s+/g, "") !== fp.replace(/ /g, "")) {
            return status(
              _("{typed} is not the fingerprint of the key {side} registered: ask the party's officer to read it out again, in person; never confirm a key you have not compared", { typed: JSON.stringify(typed), side: SIDES[role] }),
              "refusal",
            );
          }
          return signAndSend(_("Confirm the key of {side}", { side: SIDES[role] }), [fp], async (r, follows) =>
            statement("key-confirmation", state.corridorId, state.signer.name, at(), await keyDigest(key), { role, key, fingerprint: fp }, follows),
          );
        },
      }, _("Confirm")),
    );
  }
  return out;
}

// --- the corridor: status, checklist, review --------------------------------------------------

async function renderCorridorPanel() {
  const list = await remote.corridors();
  if (!state.corridorId && list.length) state.corridorId = list[0].id;
  const select = h(
    "select",
    { id: "corridor-select", onchange: (e) => { state.corridorId = e.target.value; showCorridor(); } },
    list.map((c) => h("option", { value: c.id, selected: c.id === state.corridorId }, c.id)),
  );
  const view = state.view;
  put(
    $("corridor-panel"),
    h("h2", { id: "corridor-title" }, _("Corridor")),
    list.length ? [h("label", { for: "corridor-select" }, _("Corridor")), select] : h("p", { class: "empty" }, _("No corridor has been opened yet.")),
    view
      ? [
          h("p", { id: "corridor-status" }, en(view.description)),
          h("p", {}, view.ready ? _("Ready: yes") : _("Ready: no")),
          h("h3", {}, _("Before the corridor can be ready")),
          h("ul", { class: "checklist", id: "checklist" }, view.checklist.map((i) => h("li", { class: i.ok ? "ok" : "" }, en(i.text)))),
        ]
      : null,
    ...coordinatorTools(),
  );
}

async function renderReview() {
  const view = state.view;
  const panel = $("review-panel");
  const latest = view && view.versions.length ? view.versions[view.versions.length - 1] : null;
  const mapEl = h("div", { id: "desk-map", class: "desk-map", role: "region", "aria-label": _("Map of the route, checkpoints and ceasefire area") });
  const parts = [h("h2", { id: "review-title" }, latest ? _("The proposal, version {n}", { n: latest.number }) : _("The proposal"))];
  if (!latest) parts.push(h("p", { class: "empty" }, _("No proposal has been made yet.")));
  else {
    parts.push(
      h("p", {}, _("Proposed by {author}; accepted by: {who}", { author: latest.author, who: latest.accepted_by.join(", ") || _("nobody yet") })),
      termsList(latest.document, view, locale()),
    );
  }
  parts.push(
    mapEl,
    h(
      "ul",
      { class: "legend" },
      h("li", { class: "legend-route" }, _("route")),
      h("li", { class: "legend-checkpoint" }, _("checkpoint")),
      h("li", { class: "legend-area" }, _("ceasefire area")),
      h("li", { class: "legend-incident" }, _("incident")),
    ),
  );
  if (latest && latest.number > 1) {
    const changes = await remote.diff(state.corridorId, latest.number - 1, latest.number);
    parts.push(h("h3", {}, _("What changed from version {n}", { n: latest.number - 1 })), h("ul", { class: "changes", id: "diff-previous" }, changes.changes.map((c) => h("li", {}, en(c)))));
  }
  if (latest && state.signer) {
    const mine = view.history.filter((line) => line.includes(`${state.signer.name} accepted version`));
    const accepted = mine.length ? Number(/accepted version (\d+)/.exec(mine[mine.length - 1])[1]) : null;
    if (accepted && accepted !== latest.number) {
      const changes = await remote.diff(state.corridorId, accepted, latest.number);
      parts.push(h("h3", {}, _("What changed since you accepted version {n}", { n: accepted })), h("ul", { class: "changes", id: "diff-accepted" }, changes.changes.map((c) => h("li", {}, en(c)))));
    } else if (accepted === latest.number) parts.push(h("p", { class: "checked", id: "accepted-note" }, _("You accepted this version.")));
  }
  if (view && view.missing.length) {
    parts.push(h("h3", {}, _("Still missing")), h("ul", { id: "missing" }, view.missing.map((m) => h("li", {}, en(m)))));
  }
  if (state.signer && view) parts.push(actions(latest));
  put(panel, ...parts);
  state.map = deskMap(mapEl, (lon, lat) => {
    if ($("incident-lon")) {
      $("incident-lon").value = String(lon);
      $("incident-lat").value = String(lat);
    }
  });
  state.map.draw(latest && latest.document, view ? view.incidents : []);
}

function actions(latest) {
  const row = h("div", { class: "actions" });
  const add = (id, label, onclick, cls = "") => row.append(h("button", { type: "button", id, class: cls, onclick }, label));
  if (latest && isParty()) {
    add("accept", _("Accept version {n}", { n: latest.number }), () =>
      signAndSend(_("Accept version {n}", { n: latest.number }), [_("You accept every term of version {n} as shown.", { n: latest.number })], onLatest("acceptance")),
    );
    add("confirm-start", _("Confirm the ceasefire start"), () =>
      signAndSend(_("Confirm the ceasefire start"), [_("Your side holds fire in the ceasefire area for the window of version {n}.", { n: latest.number })], onLatest("ceasefire-start")),
    );
  }
  if (state.role === "intermediary" || isParty()) {
    add("open-draft", latest ? _("Counter-propose") : _("Propose"), () => openDraft(latest ? latest.document : null), "secondary");
  }
  if (latest) {
    const reason = h("input", { id: "suspend-reason", type: "text", autocomplete: "off" });
    row.append(h("label", { for: "suspend-reason" }, _("Reason (for a suspension) or note (for a resumption)")), reason);
    add("suspend", _("Suspend"), () => signAndSend(_("Suspend the corridor"), [reason.value], onLatest("suspension", { reason: reason.value })), "secondary");
    add("resume", _("Resume"), () => signAndSend(_("Resume the corridor"), [reason.value], onLatest("resumption", { note: reason.value })), "secondary");
  }
  return row;
}

// --- proposing and counter-proposing ----------------------------------------------------------

function openDraft(doc) {
  const panel = $("draft-panel");
  state.draftBase = doc;
  const form = h("form", { id: "draft-form", novalidate: true, onsubmit: (e) => e.preventDefault() });
  const file = h("input", { id: "draft-file", type: "file", accept: ".json,application/json" });
  const refill = (d) => put(form, ...draftForm(d));
  refill(doc);
  const out = h("div", { id: "draft-check", "aria-live": "polite" });
  put(
    panel,
    h("h2", { id: "draft-title" }, doc ? _("Counter-proposal") : _("Proposal")),
    h("label", { for: "draft-file" }, _("Start from a drafted proposal (JSON from corridor agreement draft)")),
    file,
    h("button", { type: "button", class: "secondary", id: "draft-load", onclick: async () => {
      try {
        const loaded = JSON.parse(await file.files[0].text());
        state.draftBase = loaded;
        refill(loaded);
      } catch (e) {
        status(_("That file is not a proposal: {reason}", { reason: e.message }), "refusal");
      }
    } }, _("Load")),
    form,
    h("button", { type: "button", id: "draft-preview", onclick: () => previewDraft(form, out) }, _("Check and show the difference")),
    out,
  );
  panel.hidden = false;
  panel.scrollIntoView();
  form.elements[0].focus();
}

async function previewDraft(form, out) {
  let doc;
  try {
    doc = readDraft(form, { ...(state.draftBase || {}), corridor: state.corridorId });
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return put(out, h("ul", { class: "problems", id: "draft-problems" }, h("li", {}, en(`${err.field}: ${err.problem}`))));
  }
  const checked = await remote.checkDraft(state.corridorId, doc);
  if (checked.problems.length) {
    return put(out, h("ul", { class: "problems", id: "draft-problems" }, checked.problems.map((p) => h("li", {}, en(`${p.field}: ${p.problem}`)))));
  }
  const lines = checked.changes.length ? checked.changes : [_("the first version")];
  const counter = checked.version > 1;
  put(
    out,
    h("h3", {}, _("Version {n} would change", { n: checked.version })),
    h("ul", { class: "changes", id: "draft-changes" }, lines.map((c) => h("li", {}, en(c)))),
    h("button", {
      type: "button",
      id: "draft-sign",
      onclick: async () => {
        const title = counter ? _("Counter-propose version {n}", { n: checked.version }) : _("Propose version 1");
        const done = await signAndSend(title, lines.map(en), async (r, follows) => {
          const full = withParticipants(doc, r);
          full.version = r.latest ? r.latest.number + 1 : 1;
          full.supersedes = r.latest ? r.latest.hash : null;
          const kind = r.latest ? "counter-proposal" : "proposal";
          return statement(kind, state.corridorId, state.signer.name, at(), await documentDigest(full), { document: full }, follows);
        });
        if (done) $("draft-panel").hidden = true;
      },
    }, counter ? _("Sign the counter-proposal") : _("Sign the proposal")),
  );
}

// The participants named by the keys the verified log confirmed (as the CLI fills them in).
function withParticipants(doc, replayed) {
  const full = structuredClone(doc);
  const participants = full.participants && typeof full.participants === "object" ? full.participants : {};
  for (const role of ["party_a", "party_b", "intermediary"]) {
    const key = replayed.keys[role];
    if (!key) throw new Error(_("{side} has no confirmed key yet (key ceremony)", { side: SIDES[role] }));
    participants[role] = { ...(participants[role] || {}), key, name: key.split("+")[0] };
  }
  if (!("guarantor" in participants.intermediary)) participants.intermediary.guarantor = false;
  full.participants = participants;
  return full;
}

// --- notifications and incidents --------------------------------------------------------------

// An instant in the corridor's time zone, the reader's way.
function inZone(iso) {
  const zone = state.view && state.view.window ? state.view.window.time_zone : undefined;
  const fmt = new Intl.DateTimeFormat(locale(), { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  return zone ? `${fmt.format(new Date(iso))} (${zone})` : fmt.format(new Date(iso));
}

function renderMovements() {
  const view = state.view;
  const panel = $("movements-panel");
  const parts = [h("h2", { id: "movements-title" }, _("Movement notifications"))];
  const movements = view ? Object.entries(view.movements) : [];
  const lead = view && view.versions.length ? view.versions[view.versions.length - 1].document.notification_lead_minutes : null;
  const mine = state.signer && state.signer.name;
  const toAck = movements.filter(([, m]) => mine && m.author !== mine && !m.acknowledged_by.includes(mine));
  if (!movements.length) parts.push(h("p", { class: "empty" }, _("No movement has been notified.")));
  parts.push(
    h(
      "ul",
      { id: "movements" },
      movements.map(([id, m]) => {
        const ahead = Math.round((new Date(m.departs) - new Date(m.at)) / 60000);
        const short = lead !== null && lead !== undefined && ahead < lead;
        return h(
          "li",
          { class: short ? "short-notice" : "" },
          h("strong", { translate: "no" }, id),
          ": ",
          h("span", { translate: "no" }, m.description),
          " ",
          _("departs {when}, notified {n} minutes ahead (the agreement asks {lead})", { when: inZone(m.departs), n: ahead, lead: lead ?? "?" }),
          short ? [" ", h("strong", {}, _("Shorter notice than agreed."))] : null,
          " ",
          m.acknowledged_by.length ? _("acknowledged by {who}", { who: m.acknowledged_by.join(", ") }) : _("not acknowledged yet"),
        );
      }),
    ),
  );
  if (toAck.length && isParty()) {
    parts.push(
      h("button", {
        type: "button",
        id: "acknowledge-all",
        onclick: () =>
          signAndSend(
            _("Acknowledge {n} notifications", { n: toAck.length }),
            [...toAck.map(([id]) => id), _("An acknowledgement records that your side was told; it is not an approval.")],
            (r) => toAck.map(([id]) => (follows) => onLatest("acknowledgement", { movement: id })(r, follows)),
          ),
      }, _("Acknowledge all ({n})", { n: toAck.length })),
    );
  }
  if (state.signer && view && view.versions.length) {
    parts.push(
      h("h3", {}, _("Notify a movement")),
      h("label", { for: "move-id" }, _("Movement")),
      h("input", { id: "move-id", type: "text", autocomplete: "off" }),
      h("label", { for: "move-what" }, _("What moves")),
      h("input", { id: "move-what", type: "text", autocomplete: "off" }),
      h("label", { for: "move-departs" }, _("Departs (with UTC offset, e.g. 2026-12-02T09:30+02:00)")),
      h("input", { id: "move-departs", type: "text", autocomplete: "off" }),
      h("button", {
        type: "button",
        id: "notify",
        onclick: () => {
          const departs = $("move-departs").value.trim();
          if (!/([+-]\d\d:\d\d|Z)$/.test(departs) || Number.isNaN(Date.parse(departs))) {
            return status(`--departs: ${JSON.stringify(departs)} needs a UTC offset (+02:00 or Z)`, "refusal");
          }
          const body = { movement: $("move-id").value.trim(), description: $("move-what").value.trim(), departs };
          return signAndSend(_("Notify movement {id}", { id: body.movement }), [body.description, departs], onLatest("movement", body));
        },
      }, _("Notify")),
    );
  }
  put(panel, ...parts);
}

function renderIncident() {
  const panel = $("incident-panel");
  if (!state.signer || !state.view || !state.view.versions.length) {
    // Say what is missing: without a key on this device nothing can be signed, proposal or not.
    const why = !state.signer ? _("Make or import your key first.") : _("Once a proposal exists, incidents are reported here.");
    put(panel, h("h2", { id: "incident-title" }, _("Report an incident")), h("p", { class: "empty" }, why));
    return;
  }
  put(
    panel,
    h("h2", { id: "incident-title" }, _("Report an incident")),
    h("p", { class: "hint" }, _("Pick the place on the map, or type its longitude and latitude.")),
    h("label", { for: "incident-what" }, _("What happened")),
    h("input", { id: "incident-what", type: "text", autocomplete: "off" }),
    h("label", { for: "incident-lon" }, _("Longitude")),
    h("input", { id: "incident-lon", type: "text", inputmode: "decimal", autocomplete: "off" }),
    h("label", { for: "incident-lat" }, _("Latitude")),
    h("input", { id: "incident-lat", type: "text", inputmode: "decimal", autocomplete: "off" }),
    h("button", {
      type: "button",
      id: "report-incident",
      onclick: () => {
        const description = $("incident-what").value.trim();
        const lon = Number($("incident-lon").value);
        const lat = Number($("incident-lat").value);
        const location = $("incident-lon").value && Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : null;
        const extra = location ? { description, location } : { description };
        return signAndSend(_("Report an incident"), [description, location ? location.join(", ") : _("no place given")], onLatest("incident", extra));
      },
    }, _("Sign and report")),
  );
}

function renderLog() {
  put(
    $("log-panel"),
    h("h2", { id: "log-title" }, _("The log")),
    h("p", {}, _("Before every signature this page downloads the whole log, checks each entry's signature and the log's signed checkpoint, and that the log extends the one your party confirmed last.")),
    h("button", {
      type: "button",
      id: "check-log",
      onclick: async () => {
        if (!state.signer) return status(_("Make or import your key first."), "refusal");
        try {
          const checked = await history.check(state.signer);
          const replayed = history.replay(checked.messages, state.corridorId);
          const witness = isParty() && replayed.keys[state.role] === state.signer.verifierText;
          await history.cosignChecked(state.signer, checked, witness);
          const fp = await keys.fingerprint(checked.logKey.text);
          put(
            $("log-result"),
            h("p", { class: "checked" }, en(checked.said)),
            witness && checked.checkpoint ? h("p", {}, _("Your party cosigned the checkpoint of {n} entries.", { n: checked.checkpoint.size })) : null,
            h("p", {}, _("The log's key fingerprint (compare it with the coordinator's):"), " ", h("span", { class: "mono", translate: "no" }, fp)),
          );
          status("");
        } catch (err) {
          if (err instanceof history.HistoryRefused) refusal(err);
          else status(_("The service did not answer: {reason}", { reason: err.message }), "refusal");
        }
      },
    }, isParty() ? _("Check the log and cosign") : _("Check the log")),
    h("div", { id: "log-result", "aria-live": "polite" }),
  );
}

// --- wiring -----------------------------------------------------------------------------------

async function showCorridor() {
  await renderCorridorPanel();
  state.view = null;
  if (state.corridorId) {
    try {
      state.view = await remote.corridor(state.corridorId);
    } catch (err) {
      if (!(err instanceof api.ApiError && err.missing)) throw err;
    }
  }
  await renderCorridorPanel();
  await renderKey();
  await renderReview();
  renderMovements();
  await renderServiceNotes({ party: isParty() ? (state.role === "party_a" ? "A" : "B") : null, when: inZone, status });
  renderIncident();
  renderLog();
  document.body.dataset.loaded = "true";
}

function signInForm(message) {
  const panel = $("signin");
  const input = h("input", { id: "token", type: "password", autocomplete: "off" });
  put(
    panel,
    h("h1", { id: "signin-title" }, _("Liaison desk: sign in")),
    message ? h("p", { class: "refusal" }, message) : null,
    h("label", { for: "token" }, _("Your access token")),
    input,
    h("button", {
      type: "button",
      id: "signin-button",
      onclick: () => {
        api.saveToken(input.value.trim());
        start();
      },
    }, _("Sign in")),
  );
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") $("signin-button").click();
  });
  panel.hidden = false;
}

function header() {
  $("brand-sub").textContent = _("Liaison desk");
  $("skip-link").textContent = _("Skip to the desk");
  const select = h(
    "select",
    { id: "language", "aria-label": _("Language"), onchange: (e) => setLanguage(e.target.value) },
    languages().map((l) => h("option", { value: l.code, selected: l.code === language() }, l.name)),
  );
  put($("language-picker"), select);
}


async function start() {
  if (!canSign()) status(insecure(), "refusal");
  if (!api.savedToken()) return signInForm("");
  try {
    state.me = await remote.me();
  } catch (err) {
    api.saveToken("");
    return signInForm(_("That token was not accepted. Check it and try again."));
  }
  // A liaison's party is "A" or "B" (GET /v1/me); the coordinator speaks for the intermediary.
  state.role = { A: "party_a", B: "party_b" }[state.me.party] || (state.me.role === "coordinator" ? "intermediary" : null);
  $("signin").hidden = true;
  $("desk").hidden = false;
  $("who").textContent = `${state.me.name} (${SIDES[state.role] || state.me.role})`;
  await loadKey();
  await showCorridor();
}

await loadLanguage();
header();
start();
