// The service point's scanner: camera → jsQR → verify in the browser against the cached trust list
// and status lists. Online, the platform then checks eligibility and quota before the counter
// records the use; offline (or when the platform cannot be reached) the use is queued in IndexedDB
// and synced later. Uses the platform did not record (conflicts, refusals) stay on the page until
// the counter dismisses them.
import * as tc from "./tccode.js";

const page = document.getElementById("tc-scan");
const config = JSON.parse(document.getElementById("tc-config").textContent);
const text = JSON.parse(document.getElementById("tc-text").textContent);
const csrf = page.dataset.csrf;
const $ = (id) => document.getElementById(id);
const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
// The fields of a use that the benefits API takes (CONTRACTS.md); the queue keeps a label beside them.
const USE_FIELDS = ["client_id", "code", "benefit", "scanned_at", "offline"];
const SYNC_BATCH = 500;

// --- IndexedDB: signed lists, seen token ids, queued uses, uses that need attention ----------
const dbReady = new Promise((resolve, reject) => {
  const open = indexedDB.open("talentcode-scan", 2);
  open.onupgradeneeded = () => {
    for (const name of ["lists", "seen", "queue", "attention"]) {
      if (!open.result.objectStoreNames.contains(name)) open.result.createObjectStore(name);
    }
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

// --- Talking to the platform -----------------------------------------------------------------
// "unreachable" means the network (or the gateway in front of the platform) is gone: the counter
// carries on offline. Any other failure is the platform's answer and is shown as such.
class Unreachable extends Error {}
const GATEWAY_DOWN = new Set([502, 503, 504]);

async function postJson(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  } catch (e) { throw new Unreachable(e.message); }
  if (GATEWAY_DOWN.has(response.status)) throw new Unreachable(String(response.status));
  let data = {};
  try { data = await response.json(); } catch (e) { /* an error page, not JSON */ }
  return { ok: response.ok, status: response.status, data };
}

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
  $("tc-lists").textContent = fill(text.listsReady, { keys: store.keys.size, lists: store.status.size });
  page.dataset.ready = "1";
}

// --- The service point's benefits (for the check and the use) --------------------------------
let benefits = [];

async function loadBenefits() {
  let fresh = null;
  try {
    const response = await fetch("/api/benefits/service-points/mine", { credentials: "same-origin" });
    if (response.ok) { fresh = (await response.json()).benefits; await idbPut("lists", "benefits", fresh); }
  } catch (e) { /* offline */ }
  benefits = fresh || (await idbGet("lists", "benefits")) || [];
  $("tc-benefit").replaceChildren(...benefits.map((b) => new Option(b.name, b.code)));
  if (!benefits.length) $("tc-note").textContent = text.noBenefits;
}
const benefitName = (code) => (benefits.find((b) => b.code === code) || { name: code }).name;

// --- What the counter sees ------------------------------------------------------------------
// state: verified (in the browser), checking, checked, refused, recording, recorded, queued.
function show(state, reason, message, note = "") {
  const box = $("tc-verdict");
  box.className = "tc-verdict " + ({ refused: "refused", checking: "pending", recording: "pending" }[state] || "ok");
  box.dataset.state = state;
  box.dataset.reason = reason;
  box.textContent = message;
  $("tc-note").textContent = note;
}

// A code carries its tier's letter ("E"); the counter reads the catalogue's "甬E 高级人才".
const tierLabel = (issuer, code) => ((config.tiers || {})[issuer] || {})[code] || code;

function showCheck(check, issuer) {
  $("tc-holder").textContent = check ? check.holder : "";
  $("tc-tier").textContent = check ? tierLabel(issuer, check.tier) : "";
  showRemaining(check ? check.remaining : null);
  $("tc-check").hidden = !check;
}

function showRemaining(remaining) {
  const limit = (n) => (n === null || n === undefined ? text.noLimit : n);
  $("tc-remaining").textContent = remaining ? fill(text.remaining, {
    day: limit(remaining.per_day), year: limit(remaining.per_year), person: limit(remaining.per_person),
  }) : "";
}

function issuedBy(verdict) {
  return fill(text.valid, { tier: tierLabel(verdict.issuer, verdict.tier), issuer: config.regionNames[verdict.issuer] || verdict.issuer });
}

// --- Scanning: verify in the browser, then (online) ask the platform ---------------------------
// current: {qr, verdict, online, clientId, scannedAt} of the code on screen, or null.
let current = null;

async function onCode(qr) {
  if (current && current.qr === qr) return;
  current = { qr, verdict: null };
  $("tc-redeem").disabled = true;
  showCheck(null);
  const verify = () => tc.verifyCode(qr, store, Date.now() / 1000, config.leeway, config.presentationSeconds);
  try {
    current.verdict = await verify().catch(async (e) => {
      // A key newer than the kept trust list (a rotation, a city's first code): fetch it once more.
      if (e.reason !== "unknown_kid" || !navigator.onLine) throw e;
      await refreshLists().catch(() => {});
      return verify();
    });
  } catch (e) {
    show("refused", e.reason || "bad_encoding", text.reasons[e.reason] || text.reasons.bad_encoding);
    return;
  }
  await checkCurrent();
}

async function checkCurrent() {
  const scan = current;
  if (!scan || !scan.verdict) return;
  Object.assign(scan, { clientId: crypto.randomUUID(), online: false });
  $("tc-redeem").disabled = true;
  showCheck(null);
  const benefit = $("tc-benefit").value;
  if (!benefit) { show("verified", "ok", issuedBy(scan.verdict), text.noBenefits); return; }
  if (!navigator.onLine) { offerOffline(scan, text.offlineChecked); return; }
  show("checking", "ok", issuedBy(scan.verdict), text.checking);
  let answer;
  try {
    answer = await postJson("/api/benefits/redemptions/check", { code: scan.qr, benefit });
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    if (current === scan) offerOffline(scan, text.unreachable);
    return;
  }
  if (current !== scan || $("tc-benefit").value !== benefit) return;  // another code or benefit since
  if (!answer.ok) { show("refused", answer.data.code || "error", answer.data.message || fill(text.checkFailed, answer)); return; }
  const check = answer.data;
  showCheck(check, scan.verdict.issuer);
  if (!check.eligible) { show("refused", check.reason, check.message); return; }
  scan.online = true;
  show("checked", check.reason, check.message, issuedBy(scan.verdict));
  $("tc-redeem").disabled = false;
}

function offerOffline(scan, note) {
  scan.online = false;
  show("verified", "ok", issuedBy(scan.verdict), note);
  $("tc-redeem").disabled = false;
}

async function startCamera() {
  const video = $("tc-video"), canvas = document.createElement("canvas"), context = canvas.getContext("2d", { willReadFrequently: true });
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch (e) { $("tc-camera").textContent = text.noCamera; page.dataset.camera = "none"; return; }
  video.hidden = false;  // no black box on a device without a camera
  await video.play();
  page.dataset.camera = "on";
  let seen = null;  // a code held in front of the camera counts once, until another one shows
  const tick = () => {
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: "dontInvert" });
      if (found && found.data && found.data !== seen) { seen = found.data; onCode(found.data); }
    }
    setTimeout(tick, 150);
  };
  tick();
}

// --- Recording a use: straight to the platform when checked online, else into the queue ------
async function redeem() {
  const scan = current;
  if (!scan || !scan.verdict) return;
  $("tc-redeem").disabled = true;
  const use = {
    client_id: scan.clientId, code: scan.qr, benefit: $("tc-benefit").value,
    scanned_at: new Date().toISOString(), offline: !scan.online,
  };
  await store.remember(scan.verdict.tokenId, scan.verdict.expiresAt);
  scan.done = true;
  if (!scan.online) { await enqueue(use, scan.verdict); show("queued", "ok", text.queued, text.offlineChecked); return; }
  show("recording", "ok", text.recording);
  let answer;
  try {
    answer = await postJson("/api/benefits/redemptions", use);
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    // The platform may or may not have the use: the same client id makes the sync idempotent.
    await enqueue({ ...use, offline: true }, scan.verdict);
    show("queued", "ok", text.queued, text.recordDropped);
    return;
  }
  if (!answer.ok) { show("refused", answer.data.code || "error", answer.data.message || fill(text.recordFailed, answer)); return; }
  const result = answer.data;
  if (result.remaining && current === scan) showRemaining(result.remaining);  // this use counted
  if (result.status !== "recorded") await needsAttention(result, use, labelOf(use, scan.verdict));
  show(result.status === "recorded" ? "recorded" : "refused", result.reason, result.message);
}

async function enqueue(use, verdict) {
  await idbPut("queue", use.client_id, { ...use, label: labelOf(use, verdict) });
  await showQueue();
  if (navigator.onLine) await sync();
}

function labelOf(use, verdict) {
  return { benefit: benefitName(use.benefit), tier: tierLabel(verdict.issuer, verdict.tier), issuer: config.regionNames[verdict.issuer] || verdict.issuer };
}

async function showQueue() {
  const waiting = await idbAll("queue");
  $("tc-queue").textContent = fill(text.waiting, { count: waiting.length });
  $("tc-queue").dataset.count = waiting.length;
}

// --- Sync: recorded uses leave the queue, the others go to the attention list -----------------
let syncing = null;
const sync = () => (syncing = syncing || syncQueue().finally(() => { syncing = null; }));

async function syncQueue() {
  const queued = await idbAll("queue");
  let recorded = 0, attention = 0;
  for (let start = 0; start < queued.length; start += SYNC_BATCH) {
    const batch = queued.slice(start, start + SYNC_BATCH);
    const items = batch.map((entry) => Object.fromEntries(USE_FIELDS.map((field) => [field, entry[field]])));
    let answer;
    try { answer = await postJson("/api/benefits/redemptions/sync", { items }); }
    catch (e) { if (e instanceof Unreachable) break; throw e; }
    if (!answer.ok) { $("tc-sync").textContent = fill(text.syncFailed, answer); break; }
    const byId = new Map(batch.map((entry) => [entry.client_id, entry]));
    for (const result of answer.data.results) {
      const entry = byId.get(result.client_id);
      if (!entry) continue;
      if (result.status === "recorded") recorded += 1;
      else { attention += 1; await needsAttention(result, entry, entry.label || {}); }
      await idbDelete("queue", result.client_id);
    }
    $("tc-sync").textContent = fill(text.synced, { count: recorded + attention, recorded, attention });
  }
  await showQueue();
}

async function needsAttention(result, use, label) {
  const entry = {
    client_id: use.client_id, scanned_at: use.scanned_at, offline: use.offline,
    status: result.status, reason: result.reason, message: result.message,
    benefit: label.benefit || benefitName(use.benefit), tier: label.tier, issuer: label.issuer,
  };
  await idbPut("attention", entry.client_id, entry);
  await showAttention();
}

async function showAttention() {
  const entries = (await idbAll("attention")).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  const items = entries.map((entry) => {
    const li = document.createElement("li");
    li.className = entry.status;
    li.dataset.clientId = entry.client_id;
    li.dataset.status = entry.status;
    li.dataset.reason = entry.reason;
    const when = new Date(entry.scanned_at).toLocaleString(document.documentElement.lang || undefined);
    const head = document.createElement("strong");
    head.textContent = `${text.status[entry.status] || entry.status} · ${entry.benefit}`;
    const detail = document.createElement("div");
    detail.textContent = entry.message;
    const meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = [when, entry.tier, entry.issuer].filter(Boolean).join(" · ");
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "btn secondary";
    dismiss.textContent = text.dismiss;
    dismiss.addEventListener("click", async () => { await idbDelete("attention", entry.client_id); await showAttention(); });
    meta.append(dismiss);
    li.append(head, detail, meta);
    return li;
  });
  $("tc-attention-list").replaceChildren(...items);
  $("tc-attention").hidden = !entries.length;
  $("tc-attention-link").hidden = !entries.length;
  $("tc-attention-count").textContent = entries.length;
  $("tc-attention-count").dataset.count = entries.length;
}

function showNetwork() {
  $("tc-net").textContent = navigator.onLine ? text.online : text.offline;
  $("tc-net").dataset.online = navigator.onLine ? "1" : "0";
}

window.addEventListener("online", async () => {
  showNetwork();
  await refreshLists();
  await sync();
  if (current && current.verdict && !current.done) await checkCurrent();  // now the platform can check it
});
window.addEventListener("offline", showNetwork);
$("tc-redeem").addEventListener("click", redeem);
$("tc-benefit").addEventListener("change", checkCurrent);
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
await Promise.all([showQueue(), showAttention()]);
page.dataset.started = "1";  // lists, benefits, queue and attention list are in place
if (navigator.onLine) sync();
startCamera();
