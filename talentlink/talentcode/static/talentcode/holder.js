// The talent's device as holder: a non-extractable P-256 key kept in IndexedDB, bound into a
// day-long credential while online; offline, the page wraps that credential in the device's own
// one-minute signature every 30 seconds and draws the QR itself (qrcode-generator). The wrapper
// lives as long as the page says verifiers accept (data-lifetime), and not a second longer.
import * as tc from "./tccode.js";

const script = document.currentScript || document.querySelector("script[data-offline-url]");
const REFRESH_MS = 30000, RENEW_BEFORE_S = 2 * 3600;
const LIFETIME_S = Number(script.dataset.lifetime) || 60;

function idb(mode, action) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("talentcode-holder", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("holder");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const request = action(open.result.transaction("holder", mode).objectStore("holder"));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    };
  });
}
const get = (key) => idb("readonly", (s) => s.get(key));
const put = (key, value) => idb("readwrite", (s) => s.put(value, key));

async function deviceKey() {
  let pair = await get("device");
  if (!pair) {
    // extractable: false — the private key can sign but can never be read out of the browser.
    pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    await put("device", pair);
  }
  return pair;
}

async function renewCredential(pair) {
  const held = await get("credential");
  if (held && held.expires - Date.now() / 1000 > RENEW_BEFORE_S) return held;
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const response = await fetch(script.dataset.offlineUrl, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": script.dataset.csrf },
    body: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
  });
  if (!response.ok) return held;
  const body = await response.json();
  const credential = { qr: body.qr, expires: Date.parse(body.expires_at) / 1000 };
  await put("credential", credential);
  return credential;
}

async function presentation(pair, credential) {
  const inner = await tc.inflate(tc.b45decode(credential.qr.slice(tc.PREFIX.length)));
  const iat = Math.floor(Date.now() / 1000);
  const payload = tc.cborEncode(new Map([
    [6, iat], [4, iat + LIFETIME_S], [7, crypto.getRandomValues(new Uint8Array(16))], [-70010, inner],
  ]));
  return tc.encode(await tc.sign1Create(payload, pair.privateKey));
}

async function showOffline(pair) {
  const credential = await get("credential");
  if (!credential || credential.expires < Date.now() / 1000) return;
  const symbol = qrcode(0, "M");
  symbol.addData(await presentation(pair, credential), "Alphanumeric");
  symbol.make();
  document.getElementById("tc-offline-symbol").innerHTML = symbol.createSvgTag({ cellSize: 4, margin: 4 });
  document.getElementById("tc-offline").hidden = false;
  document.getElementById("tc-live").hidden = true;
}

function showOnline() {
  document.getElementById("tc-offline").hidden = true;
  document.getElementById("tc-live").hidden = false;
}

const pair = await deviceKey();
if (navigator.onLine) {
  await renewCredential(pair);
  document.getElementById("tc-holder-status").textContent = script.dataset.ready;
}
setInterval(() => (navigator.onLine ? showOnline() : showOffline(pair)), REFRESH_MS);
window.addEventListener("offline", () => showOffline(pair));
window.addEventListener("online", async () => { showOnline(); await renewCredential(pair); });
document.body.addEventListener("htmx:sendError", () => showOffline(pair));
