// The agreement: state, readiness checklist, versions, who signed which version, ceasefire
// confirmations, the terms of the latest version and the difference between two versions.

import * as api from "../api.js";
import { clock, dateTime, h, shortHash, words } from "../format.js";

const PARTY_NAMES = { party_a: "Party A", party_b: "Party B", intermediary: "Intermediary" };

function versionNo(v) {
  return Number(v.version ?? v.number ?? v.n);
}

function who(role) {
  return PARTY_NAMES[role] || (role && /^[AB]$/.test(role) ? `Party ${role}` : words(role || "–"));
}

// The role of a signer, from the participants the document names (key name -> role).
function authorOf(c, name) {
  for (const [role, p] of Object.entries(c.participants || {})) {
    if (p && p.name === name) return who(role);
  }
  return name ? String(name) : "–";
}

// What stands between this corridor and "ready", item by item, as the service states it.
export function checklist(c) {
  if (c.checklist && c.checklist.length) {
    return c.checklist.map((it) => ({
      ok: Boolean(it.ok ?? it.done ?? it.satisfied),
      text: String(it.text || it.item || it.label || "").trim(),
      sub: /^\s/.test(String(it.text || "")),
    }));
  }
  return (c.missing || []).map((m) => ({ ok: false, text: String(m) }));
}

export function readinessBadge(c) {
  const st = String((c && c.state) || "").toLowerCase();
  // A suspension or a closure outranks readiness: nobody may move.
  if (st === "suspended") return h("span", { class: "state state-notready state-stop", "data-ready": "false" }, "SUSPENDED");
  if (st === "closed") return h("span", { class: "state state-unknown", "data-ready": "false" }, "CLOSED");
  return c && c.ready
    ? h("span", { class: "state state-ready", "data-ready": "true" }, "READY")
    : h("span", { class: "state state-notready", "data-ready": "false" }, "NOT READY");
}

function table(caption, head, rows, attrs = {}) {
  return h(
    "table",
    { class: "data", ...attrs },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: head.length, class: "empty" }, "none yet"))),
  );
}

// A term of the agreement in words a liaison officer reads.
function termText(key, value) {
  if (value === null || value === undefined || value === "") return "(not given)";
  if (key === "window" && typeof value === "object") {
    return `from ${String(value.start).replace("T", " ")} for ${value.duration_hours} h (${value.time_zone})`;
  }
  if (key === "checkpoints" && Array.isArray(value)) {
    return value.map((k) => `${k.name}${k.controlled_by ? ` (${who(k.controlled_by)})` : ""}`).join("; ");
  }
  if (key === "users" && Array.isArray(value)) return value.map((u) => `${words(u.kind)}: ${u.direction}`).join("; ");
  if (key === "notification_lead_minutes") return `${value} min`;
  if (key === "max_vehicles") return `${value} vehicles`;
  if (key === "participants" && typeof value === "object") {
    return Object.entries(value)
      .map(([role, p]) => `${who(role)}: ${p.name}${p.guarantor === false ? " (not a guarantor)" : ""}`)
      .join("; ");
  }
  if (value && value.type && value.coordinates) return `${value.type} (shown on the map)`;
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? termText("", v) : String(v))).join("; ");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => `${words(k)}: ${v === true ? "yes" : v === false ? "no" : Array.isArray(v) ? v.map(who).join(", ") : v}`)
      .join("; ");
  }
  return String(value);
}

const TERM_ORDER = [
  ["participants", "Parties and intermediary"],
  ["window", "Time window"],
  ["checkpoints", "Checkpoints"],
  ["route", "Route"],
  ["ceasefire_area", "Ceasefire area"],
  ["users", "Who may use it, which way"],
  ["destinations", "Destinations"],
  ["goods_in", "What may go in"],
  ["vehicle_markings", "Vehicle markings"],
  ["max_vehicles", "Largest number of vehicles"],
  ["notification_lead_minutes", "Notification lead time"],
  ["evacuee_rights", "Evacuee rights"],
  ["on_violation", "On a violation"],
];

export async function renderAgreement(container, c) {
  container.replaceChildren();
  if (!c) {
    container.append(h("div", { class: "card" }, h("p", { class: "empty" }, "No corridor has been proposed yet.")));
    return;
  }
  const items = checklist(c);
  const versions = [...(c.versions || [])].sort((a, b) => versionNo(a) - versionNo(b));
  const latest = versions[versions.length - 1];
  const win = c.window;
  const head = h(
    "div",
    { class: "card agreement-head" },
    h("h2", {}, c.name || c.id),
    h(
      "p",
      { class: "agreement-state" },
      "State: ",
      h("strong", {}, words(c.state)),
      c.description ? ` · ${c.description}` : "",
      " ",
      readinessBadge(c),
    ),
    win ? h("p", {}, `Window: ${dateTime(win.open)} to ${clock(win.close)}.`) : null,
    h("h3", {}, "Readiness checklist"),
    h(
      "ul",
      { class: "checklist", id: "checklist", "aria-label": "Readiness checklist" },
      items.map((it) =>
        h(
          "li",
          { class: `${it.ok ? "ok" : "todo"}${it.sub ? " sub" : ""}` },
          h("span", { class: "mark", "aria-hidden": "true" }, it.ok ? "✓" : "✗"),
          h("span", { class: "sr-only" }, it.ok ? "done: " : "missing: "),
          it.text,
        ),
      ),
    ),
  );

  const versionRows = versions.map((v) =>
    h(
      "tr",
      {},
      h("td", {}, `v${versionNo(v)}`),
      h("td", {}, authorOf(c, v.author || v.by)),
      h("td", {}, (v.accepted_by || []).length ? v.accepted_by.map(who).join(", ") : "nobody yet"),
      h("td", { class: "mono", title: v.sha256 || "" }, shortHash(v.sha256)),
    ),
  );
  const signRows = (c.acceptances || []).map((a) =>
    h("tr", {}, h("td", {}, who(a.role || a.party)), h("td", {}, a.version ? `v${a.version}` : shortHash(a.hash)), h("td", {}, latest && a.hash === latest.sha256 ? "yes" : "no, an older one")),
  );
  const confRows = (c.confirmations || []).map((x) =>
    h("tr", {}, h("td", {}, who(x.role || x.party)), h("td", {}, x.version ? `v${x.version}` : shortHash(x.hash))),
  );

  const terms = latest && latest.document ? latest.document : null;
  const termsBox = terms
    ? h(
        "div",
        { class: "card" },
        table(
          `Terms of version ${versionNo(latest)}`,
          ["Term", "Agreed text"],
          TERM_ORDER.map(([k, label]) =>
            h("tr", { class: terms[k] === undefined ? "term-missing" : "" }, h("th", { scope: "row" }, label), h("td", {}, termText(k, terms[k]))),
          ),
          { id: "terms" },
        ),
      )
    : null;

  const diffBox = h("div", { class: "card" }, h("h2", {}, "What changed between two versions"));
  if (versions.length >= 2) {
    const opts = (sel) => versions.map((v) => h("option", { value: versionNo(v), selected: versionNo(v) === sel ? true : null }, `v${versionNo(v)}`));
    const from = h("select", { id: "diff-from" }, opts(versionNo(versions[versions.length - 2])));
    const to = h("select", { id: "diff-to" }, opts(versionNo(latest)));
    const out = h("div", { id: "diff-out", "aria-live": "polite" });
    const run = async () => {
      out.replaceChildren(h("p", {}, "Loading…"));
      try {
        const changes = await api.diff(c.id, from.value, to.value);
        const caption = `v${from.value} → v${to.value}: ${changes.length} ${changes.length === 1 ? "change" : "changes"}`;
        if (changes.every((x) => typeof x === "string")) {
          out.replaceChildren(h("p", { class: "diff-caption" }, caption), h("ul", { class: "diff-list" }, changes.map((x) => h("li", {}, x))));
        } else {
          const rows = changes.map((ch) =>
            h("tr", {}, h("th", { scope: "row" }, words(ch.field || ch.path)), h("td", {}, termText(ch.field, ch.before)), h("td", {}, termText(ch.field, ch.after))),
          );
          out.replaceChildren(table(caption, ["Term", `In v${from.value}`, `In v${to.value}`], rows));
        }
      } catch (err) {
        out.replaceChildren(h("p", { class: "error" }, err.forbidden ? "Not available to your role." : `Could not load the difference: ${err.message}`));
      }
    };
    from.addEventListener("change", run);
    to.addEventListener("change", run);
    diffBox.append(h("p", { class: "diff-pick" }, h("label", { for: "diff-from" }, "From "), from, h("label", { for: "diff-to" }, " to "), to), out);
    run();
  } else {
    diffBox.append(h("p", { class: "empty" }, "Only one version so far: nothing to compare."));
  }

  container.append(
    head,
    h("div", { class: "card" }, table("Versions", ["Version", "Proposed by", "Accepted by", "sha256"], versionRows, { id: "versions" })),
    h(
      "div",
      { class: "card two" },
      table("Who signed which version", ["Party", "Accepted", "Is it the latest?"], signRows, { id: "acceptances" }),
      table("Ceasefire start confirmations", ["Party", "Confirmed on"], confRows, { id: "confirmations" }),
    ),
    diffBox,
    termsBox,
  );
}
