// Building the page: elements without innerHTML (no text from the service is ever parsed as
// markup), and the few pieces every view uses.

import { _ } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// Build DOM without innerHTML, so that no text from the server is ever parsed as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// replaceChildren() would print "null" for a missing part; leave it out instead.
export function put(el, ...parts) {
  el.replaceChildren(...parts.flat().filter((p) => p !== null && p !== undefined && p !== false));
}

// A value from the service (an id, a name) inside a translated text: marked so that neither a
// translation tool nor the page's language tests take it for an untranslated label.
export function data(value) {
  return h("span", { translate: "no" }, value);
}

// A translated text with values from the service set in as nodes (data(...) spans) where its
// {placeholders} are: withData(_("Trips of {vehicle}"), { vehicle: data(id) }). Each language
// orders the sentence its own way.
export function withData(text, params) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\{(\w+)\}/g)) {
    out.push(text.slice(last, m.index));
    out.push(params[m[1]] === undefined ? m[0] : params[m[1]]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out.filter((x) => x !== "");
}

// A table with a caption (shown, or for screen readers only) and column headings.
export function table(caption, head, rows, attrs = {}, hiddenCaption = false) {
  return h(
    "table",
    { class: "data", ...attrs },
    caption ? h("caption", { class: hiddenCaption ? "sr-only" : null }, caption) : null,
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: head.length, class: "empty" }, _("none yet")))),
  );
}

// What a part of the page says when the service refuses (403), lacks (404) or fails a call.
export function notAvailable(el, err) {
  const quiet = err && (err.forbidden || err.missing);
  const text = err && err.forbidden
    ? _("Not available to your role.")
    : err && err.missing
      ? _("Not available from this service.")
      : _("Could not load: {reason}", { reason: err ? err.message : "?" });
  el.replaceChildren(h("p", { class: quiet ? "muted" : "error" }, text));
}
