// Signing in: the token is kept in this browser tab only (session storage; closing the tab
// forgets it) and sent with every request in a header, never in an address.

import * as api from "./api.js";
import { $, h } from "./dom.js";
import { _ } from "./i18n.js";

export function mountSignIn(onToken) {
  const form = h(
    "form",
    { id: "signin-form", class: "card signin-card", autocomplete: "off" },
    h("h1", { id: "signin-title" }, _("Sign in")),
    h("p", {}, _("Paste the access token you were given. It decides what you see: a party's liaison officer sees head-counts, never names.")),
    h("label", { for: "token" }, _("Access token")),
    h("input", { id: "token", name: "token", type: "password", required: true, spellcheck: "false", autocomplete: "current-password" }),
    h("button", { type: "submit", class: "primary" }, _("Sign in")),
    h("p", { id: "signin-error", class: "error", role: "alert" }),
    h("p", {}, h("a", { href: "desk.html", id: "desk-link" }, _("Liaison officers: review, counter-propose and sign at the liaison desk"))),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    api.saveToken(token);
    $("token").value = "";
    await onToken();
  });
  $("signin").replaceChildren(form);
}

export function showSignIn(message) {
  $("signin").hidden = false;
  $("tabs").hidden = true;
  for (const v of document.querySelectorAll(".view")) v.hidden = true;
  $("who").replaceChildren();
  $("corridor-summary").replaceChildren();
  $("window-clock").replaceChildren();
  $("window-clock").hidden = true;
  $("signin-error").textContent = message || "";
  $("token").focus();
}
