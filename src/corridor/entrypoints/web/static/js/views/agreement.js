// The agreement: state, readiness checklist, versions, who signed which version, ceasefire
// confirmations, and the field-by-field difference between two versions.

import * as api from "../api.js";
import { dateTime, h, shortHash, words } from "../format.js";

function versionNo(v) {
  return Number(v.version ?? v.number ?? v.n);
}

function partyOf(x) {
  const p = String(x.party ?? x.by ?? x.role ?? "").toUpperCase();
  if (p.endsWith("A")) return "A";
  if (p.endsWith("B")) return "B";
  return p || "?";
}

// What stands between this corridor and "ready", item by item.
export function checklist(c) {
  if (c.checklist && c.checklist.length) {
    return c.checklist.map((it) => ({
      ok: Boolean(it.ok ?? it.done ?? it.satisfied),
      text: it.text || it.item || it.label || words(it.name || it.field || ""),
      detail: it.detail || it.missing || "",
    }));
  }
  const missingFields = (c.missing || []).map((m) => (typeof m === "string" ? m : m.field || m.text || JSON.stringify(m)));
  const acc = { A: null, B: null };
  for (const a of c.acceptances || []) acc[partyOf(a)] = versionNo(a);
  const conf = { A: null, B: null };
  for (const x of c.confirmations || []) conf[partyOf(x)] = x.at || x.time || true;
  const latest = Math.max(0, ...(c.versions || []).map(versionNo).filter(Number.isFinite));
  const items = [];
  const fieldGaps = missingFields.filter((m) => !/accept|confirm|sign/i.test(m));
  items.push({
    ok: fieldGaps.length === 0,
    text: "Every required field is filled in (route, times, users, cargo, markings, vehicles, rights, violations)",
    detail: fieldGaps.length ? `Missing: ${fieldGaps.map(words).join(", ")}` : "",
  });
  for (const p of ["A", "B"]) {
    items.push({
      ok: acc[p] !== null && (!latest || acc[p] === latest),
      text: `Party ${p} signed the acceptance of the current version`,
      detail: acc[p] === null ? "not signed" : `signed version ${acc[p]}${latest && acc[p] !== latest ? ` (current is ${latest})` : ""}`,
    });
  }
  items.push({
    ok: acc.A !== null && acc.A === acc.B,
    text: "Both parties accepted the same version",
    detail: acc.A !== null && acc.A === acc.B ? `version ${acc.A}` : "",
  });
  for (const p of ["A", "B"]) {
    items.push({
      ok: Boolean(conf[p]),
      text: `Party ${p} confirmed the ceasefire start`,
      detail: conf[p] && conf[p] !== true ? dateTime(conf[p]) : conf[p] ? "" : "not confirmed",
    });
  }
  return items;
}

export function readinessBadge(c) {
  if (!c) return h("span", { class: "state state-unknown" }, "no corridor");
  return c.ready
    ? h("span", { class: "state state-ready", "data-ready": "true" }, "READY")
    : h("span", { class: "state state-notready", "data-ready": "false" }, "NOT READY");
}

function table(caption, head, rows) {
  return h(
    "table",
    { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: head.length, class: "empty" }, "none yet"))),
  );
}

function show(value) {
  if (value === null || value === undefined || value === "") return "(none)";
  if (typeof value === "object") {
    if (value.type && value.coordinates) return `${value.type} with ${JSON.stringify(value.coordinates).split("],").length} points`;
    return JSON.stringify(value);
  }
  return String(value);
}

export async function renderAgreement(container, c) {
  container.replaceChildren();
  if (!c) {
    container.append(h("p", { class: "empty" }, "No corridor has been proposed yet."));
    return;
  }
  const items = checklist(c);
  const versions = [...(c.versions || [])].sort((a, b) => versionNo(a) - versionNo(b));
  const head = h(
    "div",
    { class: "card agreement-head" },
    h("h2", {}, `Corridor ${c.name || c.id}`),
    h("p", { class: "agreement-state" }, "State: ", h("strong", {}, words(c.state)), " ", readinessBadge(c)),
    h(
      "ul",
      { class: "checklist", "aria-label": "Readiness checklist" },
      items.map((it) =>
        h(
          "li",
          { class: it.ok ? "ok" : "todo" },
          h("span", { class: "mark", "aria-hidden": "true" }, it.ok ? "✓" : "✗"),
          h("span", { class: "sr-only" }, it.ok ? "done: " : "missing: "),
          it.text,
          it.detail ? h("span", { class: "detail" }, ` · ${it.detail}`) : null,
        ),
      ),
    ),
  );

  const versionRows = versions.map((v) =>
    h(
      "tr",
      {},
      h("td", {}, `v${versionNo(v)}`),
      h("td", {}, words(v.kind || v.type || (versionNo(v) === 1 ? "proposal" : "counter-proposal"))),
      h("td", {}, v.author_party ? `Party ${v.author_party}` : words(v.author || v.by || v.signer || "–")),
      h("td", {}, dateTime(v.at || v.created_at || v.time)),
      h("td", { class: "mono", title: v.sha256 || v.digest || "" }, shortHash(v.sha256 || v.digest)),
      h("td", { class: "mono" }, v.supersedes ? shortHash(v.supersedes) : "–"),
    ),
  );
  const signRows = (c.acceptances || []).map((a) =>
    h("tr", {}, h("td", {}, `Party ${partyOf(a)}`), h("td", {}, `v${versionNo(a)}`), h("td", {}, dateTime(a.at || a.time)), h("td", { class: "mono" }, shortHash(a.key || a.keyid || a.signer))),
  );
  const confRows = (c.confirmations || []).map((x) =>
    h("tr", {}, h("td", {}, `Party ${partyOf(x)}`), h("td", {}, dateTime(x.at || x.time)), h("td", {}, x.start ? dateTime(x.start) : "–")),
  );

  const diffBox = h("div", { class: "card" }, h("h2", {}, "What changed between two versions"));
  if (versions.length >= 2) {
    const opts = (sel) => versions.map((v) => h("option", { value: versionNo(v), selected: versionNo(v) === sel ? true : null }, `v${versionNo(v)}`));
    const last = versionNo(versions[versions.length - 1]);
    const prev = versionNo(versions[versions.length - 2]);
    const from = h("select", { id: "diff-from", "aria-label": "Earlier version" }, opts(prev));
    const to = h("select", { id: "diff-to", "aria-label": "Later version" }, opts(last));
    const out = h("div", { id: "diff-out", "aria-live": "polite" });
    const run = async () => {
      out.replaceChildren(h("p", {}, "Loading…"));
      try {
        const changes = await api.diff(c.id, from.value, to.value);
        const rows = changes.map((ch) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, words(ch.field || ch.path || ch.name)),
            h("td", {}, show(ch.before ?? ch.old ?? ch.from)),
            h("td", {}, show(ch.after ?? ch.new ?? ch.to)),
            h("td", {}, ch.text || ch.summary || ""),
          ),
        );
        out.replaceChildren(table(`v${from.value} → v${to.value}: ${rows.length} field(s) differ`, ["Field", `In v${from.value}`, `In v${to.value}`, "In words"], rows));
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
    h("div", { class: "card" }, table("Versions", ["Version", "Kind", "Proposed by", "When", "sha256", "Supersedes"], versionRows)),
    h(
      "div",
      { class: "card two" },
      table("Who signed which version", ["Party", "Accepted", "When", "Key"], signRows),
      table("Ceasefire start confirmations", ["Party", "Confirmed", "Ceasefire start"], confRows),
    ),
    diffBox,
  );
}
