// The driver page's service worker: it keeps the page's own files (and the public texts of its
// languages) so that the page opens without a connection. It never keeps an answer that needs a
// token (the trip sheet is kept by the page itself, for its own driver), and never touches a
// report: the outbox (js/driver/outbox.js) sends those when the connection returns.
//
// Every file is fetched from the network first, so that an update of the service reaches the
// phone as soon as it is online; the kept copy answers only when the network does not.

const CACHE = "corridor-driver-v1";
const SHELL = [
  "/driver.html",
  "/driver.webmanifest",
  "/driver-icon.svg",
  "/driver-icon-192.png",
  "/driver-icon-512.png",
  "/favicon.svg",
  "/css/base.css",
  "/css/driver.css",
  "/vendor/leaflet/leaflet.css",
  "/vendor/leaflet/leaflet.js",
  "/js/api.js",
  "/js/i18n.js",
  "/js/dom.js",
  "/js/driver/app.js",
  "/js/driver/link.js",
  "/js/driver/outbox.js",
  "/js/driver/sheet.js",
  "/js/driver/forms.js",
  "/v1/i18n",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// Public and without a token: the page's files and the catalogues of its languages.
function keepable(request, url) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  if (request.headers.has("Authorization")) return false;
  if (url.pathname.startsWith("/v1/")) return url.pathname.startsWith("/v1/i18n");
  return true;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (!keepable(event.request, url)) return; // straight to the network, as without a worker
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const answer = await fetch(event.request);
        if (answer.ok) await cache.put(event.request, answer.clone());
        return answer;
      } catch (err) {
        const kept = await cache.match(event.request, { ignoreSearch: url.pathname === "/driver.html" });
        if (kept) return kept;
        throw err;
      }
    })(),
  );
});
