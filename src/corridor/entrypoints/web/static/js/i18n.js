// The page's language. The reader chooses it (remembered in this browser); before that, the
// first of the browser's languages the service has a catalogue for; else English. Every text of
// the page goes through _() or ngettext(), always on a literal text: Babel extracts them into
// the same gettext catalogues as the public texts (src/corridor/i18n/locale/, babel.cfg), and
// the service sends the compiled catalogue as JSON (GET /v1/i18n/{language}). Dates and numbers
// follow the reader's locale (Intl, format.js).
//
// Call _() when drawing, never at a module's top level: the catalogue is loaded at start.

import * as api from "./api.js";

const KEY = "corridor.language";
let current = { language: "en", locale: "en", plural: {}, messages: {} };
let available = [{ code: "en", name: "English" }];

// The language to show: the reader's choice, else the browser's first one we have, else English.
export function chooseLanguage(codes, saved, wanted) {
  if (saved && codes.includes(saved)) return saved;
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (codes.includes(base)) return base;
  }
  return codes.includes("en") ? "en" : codes[0];
}

// "en-GB" rather than "en" when the browser says so: the reader's own way of writing dates.
function localeFor(language) {
  const own = (navigator.languages || []).find((tag) => tag.toLowerCase().split("-")[0] === language);
  return own || language;
}

export async function loadLanguage() {
  try {
    const listing = await api.languages();
    available = listing.languages;
    const code = chooseLanguage(
      available.map((l) => l.code),
      localStorage.getItem(KEY),
      navigator.languages || [navigator.language],
    );
    const catalogue = await api.catalogue(code);
    current = { language: code, locale: localeFor(code), plural: catalogue.plural, messages: catalogue.messages };
  } catch (err) {
    console.error("the page stays in English:", err); // a service without catalogues
  }
  document.documentElement.lang = current.language;
}

export const language = () => current.language;
export const locale = () => current.locale;
export const languages = () => available;

// Remembered in this browser; the page starts again in the new language (the sign-in, kept in
// this tab's session, survives).
export function setLanguage(code) {
  localStorage.setItem(KEY, code);
  location.reload();
}

function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

// A text in the reader's language, its {placeholders} filled from params.
export function _(message, params) {
  const found = current.messages[message];
  return fill(typeof found === "string" && found ? found : message, params);
}

// A text that depends on a number: the form the reader's language uses for n; {n} is n written
// the reader's way.
export function ngettext(singular, plural, n, params = {}) {
  const count = Number(n) || 0;
  const forms = current.messages[singular];
  let text = count === 1 ? singular : plural;
  if (Array.isArray(forms) && forms.length) {
    const category = new Intl.PluralRules(current.locale).select(count);
    const index = current.plural[category] ?? forms.length - 1;
    text = forms[Math.min(index, forms.length - 1)] || text;
  }
  return fill(text, { n: new Intl.NumberFormat(current.locale).format(count), ...params });
}
