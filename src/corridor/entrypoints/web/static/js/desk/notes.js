// The coordination service's notifications to this party (GET /v1/notifications): one per
// movement of each plan it publishes, each to be acknowledged. Unlike the signed movements of
// the log (desk.js), these are the service's own records: acknowledging one is a plain request,
// with the liaison's token, and signs nothing. Not yet acknowledged ones come first.

import { ApiError } from "../api.js";
import { $, h, put } from "../dom.js";
import { _, ngettext } from "../i18n.js";
import * as remote from "./remote.js";

// `party` is "A" or "B" (null: not a party, no panel); `when(iso)` shows an instant in the
// corridor's zone; `status(text, kind)` speaks in the page's status line.
export async function renderServiceNotes({ party, when, status }) {
  const panel = $("service-notes-panel");
  panel.hidden = !party;
  if (!party) return;
  const title = h("h2", { id: "service-notes-title" }, _("Notifications from the coordination service"));
  let notes;
  try {
    notes = await remote.notifications();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    put(panel, title, h("p", { class: "refusal" }, err.message));
    return;
  }
  const ours = (n) => n.acknowledgements.find((a) => a.party === party);
  const open = notes.filter((n) => !ours(n));
  const done = notes.filter((n) => ours(n)).reverse(); // the latest first
  const acknowledge = async (ids) => {
    try {
      for (const id of ids) await remote.acknowledgeNotification(id);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status(err.message, "refusal");
      return renderServiceNotes({ party, when, status });
    }
    status(ngettext("{n} notification acknowledged", "{n} notifications acknowledged", ids.length, { n: ids.length }), "checked");
    return renderServiceNotes({ party, when, status });
  };
  const item = (n) => {
    const ack = ours(n);
    return h(
      "li",
      { class: ack ? "acknowledged" : "open", "data-note": String(n.id) },
      h("span", { lang: "en", translate: "no" }, n.subject),
      " ",
      h("span", { class: "hint" }, _("sent {when}", { when: when(n.created_at) })),
      " ",
      ack
        ? h("span", { class: "checked" }, _("acknowledged {when}", { when: when(ack.at) }))
        : h("button", { type: "button", class: "secondary", onclick: () => acknowledge([n.id]) }, _("Acknowledge")),
    );
  };
  put(
    panel,
    title,
    h("p", { class: "hint" }, _("The coordination service tells your party of each movement of the plans it publishes."), " ", _("An acknowledgement records that your side was told; it is not an approval.")),
    notes.length
      ? h("p", { id: "service-notes-count" }, ngettext("{n} notification not yet acknowledged by your party", "{n} notifications not yet acknowledged by your party", open.length, { n: open.length }))
      : h("p", { class: "empty" }, _("No notification from the service yet.")),
    open.length
      ? h("button", { type: "button", id: "acknowledge-service-all", onclick: () => acknowledge(open.map((n) => n.id)) }, _("Acknowledge all ({n})", { n: open.length }))
      : null,
    notes.length ? h("ol", { id: "service-notes", class: "service-notes", tabindex: "0", "aria-labelledby": "service-notes-title" }, [...open, ...done].map(item)) : null,
  );
}
