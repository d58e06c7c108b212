// The scanner's service worker: network first, and the cached copy when the network is gone.
// The page itself puts its HTML, scripts and styles into the cache (scan.js); signed lists and
// queued redemptions live in IndexedDB. Writes (POST) never pass through here.
const CACHE = "talentcode-scan-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok && request.mode === "navigate") {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(async () => (await caches.match(request, { ignoreSearch: true, ignoreVary: true })) || Response.error())
  );
});
