// The service point's scanner: camera → jsQR → verify in the browser against the cached trust list
// and status lists → redeem into an IndexedDB queue → sync through the benefits API when online.
import * as tc from "./tccode.js";

const page = document.getElementById("tc-scan");
const config = JSON.parse(document.getElementById("tc-config").textContent);
const text = JSON.parse(document.getElementById("tc-text").textContent);
const csrf = page.dataset.csrf;
const $ = (id) => document.getElementById(id);

// --- IndexedDB: signed lists, seen token ids, queued redemptions -----------------------------
const dbReady = new Promise((resolve, reject) => {
  const open = indexedDB.open("talentcode-scan", 1);
  open.onupgradeneeded = () => {
    for (const name of ["lists", "seen", "queue"]) open.result.createObjectStore(name);
  };
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});
async function idb(store, mode, action) {
  const db = await dbReady;
  return new Promise((resolve, reject) => {
    const request = action(db.transaction(store, mode).objectStore(store));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
const idbGet = (store, key) => idb(store, "readonly", (s) => s.get(key));
const idbPut = (store, key, value) => idb(store, "readwrite", (s) => s.put(value, key));
const idbDelete = (store, key) => idb(store, "readwrite", (s) => s.delete(key));
const idbAll = (store) => idb(store, "readonly", (s) => s.getAll());

// --- Trust list and status lists: fetched when online, kept for offline use ------------------
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

async function signedList(name, url) {
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) { const body = fromBase64((await response.json()).body); await idbPut("lists", name, body); return body; }
  } catch (e) { /* offline: use the copy kept earlier */ }
  return idbGet("lists", name);
}

const store = {
  keys: new Map(), status: new Map(),
  seen: async (tokenId) => (await idbGet("seen", tokenId)) !== undefined,
  remember: (tokenId, exp) => idbPut("seen", tokenId, exp),
};

async function refreshLists() {
  const now = Date.now() / 1000;
  const trust = await signedList("trust", "/api/public/talentcode/trust-list");
  if (!trust) { $("tc-lists").textContent = text.noLists; return; }
  store.keys = await tc.trustListOpen(trust, config.roots, now);
  for (const region of config.regions) {
    const body = await signedList("status:" + region, `/api/public/talentcode/status/${region}`);
    if (body) store.status.set(region, await tc.statusListOpen(body, store.keys));
  }
  $("tc-lists").textContent = text.listsReady.replace("%(keys)s", store.keys.size).replace("%(lists)s", store.status.size);
  page.dataset.ready = "1";
}

// --- The service point's benefits (for the redemption) -----------------------------------------
async function loadBenefits() {
  let benefits = null;
  try {
    const response = await fetch("/api/benefits/service-points/mine", { credentials: "same-origin" });
    if (response.ok) { benefits = (await response.json()).benefits; await idbPut("lists", "benefits", benefits); }
  } catch (e) { /* offline */ }
  benefits = benefits || (await idbGet("lists", "benefits")) || [];
  $("tc-benefit").replaceChildren(...benefits.map((b) => new Option(b.name, b.code)));
}

// --- Scanning ----------------------------------------------------------------------------------
let current = null;

async function onCode(qr) {
  if (current && current.qr === qr) return;
  const box = $("tc-verdict");
  try {
    const verdict = await tc.verifyCode(qr, store, Date.now() / 1000, config.leeway);
    current = { qr, verdict };
    box.className = "tc-verdict ok";
    box.textContent = text.valid.replace("%(tier)s", verdict.tier).replace("%(issuer)s", config.regionNames[verdict.issuer] || verdict.issuer);
    $("tc-redeem").disabled = false;
  } catch (e) {
    current = { qr, verdict: null };
    box.className = "tc-verdict refused";
    box.textContent = text.reasons[e.reason] || text.reasons.bad_encoding;
    box.dataset.reason = e.reason || "error";
    $("tc-redeem").disabled = true;
    return;
  }
  box.dataset.reason = "ok";
}

async function startCamera() {
  const video = $("tc-video"), canvas = document.createElement("canvas"), context = canvas.getContext("2d", { willReadFrequently: true });
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch (e) { $("tc-camera").textContent = text.noCamera; return; }
  await video.play();
  const tick = () => {
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) onCode(found.data);
    }
    setTimeout(tick, 150);
  };
  tick();
}

// --- Redemptions: queued in IndexedDB, synced through the benefits API ------------------------
async function redeem() {
  if (!current || !current.verdict) return;
  const item = {
    client_id: crypto.randomUUID(), code: current.qr, benefit: $("tc-benefit").value,
    scanned_at: new Date().toISOString(), offline: !navigator.onLine,
  };
  await store.remember(current.verdict.tokenId, current.verdict.expiresAt);
  await idbPut("queue", item.client_id, item);
  $("tc-redeem").disabled = true;
  $("tc-verdict").textContent = text.queued;
  await showQueue();
  if (navigator.onLine) await sync();
}

async function showQueue() {
  const waiting = await idbAll("queue");
  $("tc-queue").textContent = text.waiting.replace("%(count)s", waiting.length);
  $("tc-queue").dataset.count = waiting.length;
}

async function sync() {
  const items = await idbAll("queue");
  if (!items.length) return;
  try {
    const response = await fetch("/api/benefits/redemptions/sync", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ items }),
    });
    if (!response.ok) return;
    const { results } = await response.json();
    for (const result of results) await idbDelete("queue", result.client_id);
    const conflicts = results.filter((r) => r.status === "conflict").length;
    $("tc-sync").textContent = text.synced.replace("%(count)s", results.length).replace("%(conflicts)s", conflicts);
  } catch (e) { /* still offline: the queue waits */ }
  await showQueue();
}

function showNetwork() {
  $("tc-net").textContent = navigator.onLine ? text.online : text.offline;
  $("tc-net").dataset.online = navigator.onLine ? "1" : "0";
}

window.addEventListener("online", async () => { showNetwork(); await refreshLists(); await sync(); });
window.addEventListener("offline", showNetwork);
$("tc-redeem").addEventListener("click", redeem);
$("tc-sync-now").addEventListener("click", sync);
$("tc-manual").addEventListener("submit", (event) => { event.preventDefault(); current = null; onCode($("tc-manual-code").value); });

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(page.dataset.sw, { scope: page.dataset.scope }).then(async () => {
    // Keep this page and everything it loaded for offline use.
    const urls = [
      location.pathname, new URL("./tccode.js", import.meta.url).href,
      ...[...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((e) => e.src || e.href),
    ];
    const cache = await caches.open("talentcode-scan-v1");
    await cache.addAll(urls);
    page.dataset.cached = "1";
  });
}
showNetwork();
await refreshLists().catch((e) => { console.warn("talent code lists:", e); $("tc-lists").textContent = text.noLists; });
await loadBenefits();
await showQueue();
if (navigator.onLine) sync();
startCamera();
