// The talent code in the browser: Base45, zlib (DecompressionStream), CBOR, COSE_Sign1 and the
// same checks as talentlink/talentcode/verifier.py, with WebCrypto doing the ECDSA.
// Signatures in COSE are raw r || s, which is exactly what WebCrypto's ECDSA uses.

export const PREFIX = "TC1:";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const CLAIM = { iss: 1, sub: 2, exp: 4, nbf: 5, iat: 6, cti: 7, cnf: 8 };
const CLAIM_TIER = -70001, CLAIM_ENTITLEMENTS = -70002, CLAIM_STATUS = 65535, CLAIM_PRESENTED = -70010;
const ECDSA = { name: "ECDSA", hash: "SHA-256" };

export class CodeError extends Error {
  constructor(reason, detail = "") { super(detail || reason); this.reason = reason; }
}

// --- Base45 (RFC 9285) -----------------------------------------------------------
export function b45decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3), v = [...chunk].map((c) => ALPHABET.indexOf(c));
    if (v.includes(-1) || chunk.length === 1) throw new CodeError("bad_encoding");
    const n = v[0] + v[1] * 45 + (chunk.length === 3 ? v[2] * 2025 : 0);
    if (chunk.length === 3) { if (n > 0xffff) throw new CodeError("bad_encoding"); out.push(n >> 8, n & 255); }
    else { if (n > 0xff) throw new CodeError("bad_encoding"); out.push(n); }
  }
  return new Uint8Array(out);
}

export function b45encode(bytes) {
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const n = bytes[i] * 256 + bytes[i + 1];
    out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
  }
  if (bytes.length % 2) { const n = bytes[bytes.length - 1]; out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)]; }
  return out;
}

// --- zlib ----------------------------------------------------------------------------
async function transform(bytes, stream) {
  const body = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}
export async function inflate(bytes) {
  try { return await transform(bytes, new DecompressionStream("deflate")); }
  catch (e) { throw new CodeError("bad_compression"); }
}
export const deflate = (bytes) => transform(bytes, new CompressionStream("deflate"));

// --- CBOR (RFC 8949): what COSE and CWT use ----------------------------------------------
export class Tagged { constructor(tag, value) { this.tag = tag; this.value = value; } }

export function cborDecode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n) => { if (at + n > bytes.length) throw new CodeError("bad_cose", "truncated CBOR"); };
  const length = (info) => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!size) throw new CodeError("bad_cose", "indefinite or reserved length");
    need(size);
    const n = size === 1 ? view.getUint8(at) : size === 2 ? view.getUint16(at) : size === 4 ? view.getUint32(at)
      : Number(view.getBigUint64(at));
    at += size;
    return n;
  };
  const item = () => {
    need(1);
    const first = bytes[at++], major = first >> 5, info = first & 31;
    if (major === 7) {
      if (info === 20) return false; if (info === 21) return true; if (info === 22 || info === 23) return null;
      if (info === 25) { need(2); const h = view.getUint16(at); at += 2; return halfFloat(h); }
      if (info === 26) { need(4); const f = view.getFloat32(at); at += 4; return f; }
      if (info === 27) { need(8); const f = view.getFloat64(at); at += 8; return f; }
      throw new CodeError("bad_cose", "unsupported simple value");
    }
    const n = length(info);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: need(n); at += n; return bytes.slice(at - n, at);
      case 3: need(n); at += n; return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(at - n, at));
      case 4: { const a = []; for (let i = 0; i < n; i++) a.push(item()); return a; }
      case 5: { const m = new Map(); for (let i = 0; i < n; i++) { const k = item(); m.set(k, item()); } return m; }
      case 6: return new Tagged(n, item());
    }
    throw new CodeError("bad_cose");
  };
  const value = item();
  if (at !== bytes.length) throw new CodeError("bad_cose", "trailing bytes");
  return value;
}

function halfFloat(h) {
  const exp = (h >> 10) & 31, frac = h & 1023, sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function cborEncode(value) {
  const out = [];
  const head = (major, n) => {
    if (n < 24) out.push((major << 5) | n);
    else if (n < 256) out.push((major << 5) | 24, n);
    else if (n < 65536) out.push((major << 5) | 25, n >> 8, n & 255);
    else if (n < 2 ** 32) out.push((major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
    else { out.push((major << 5) | 27); const big = BigInt(n); for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((big >> s) & 255n)); }
  };
  const put = (v) => {
    if (typeof v === "number") { if (v >= 0) head(0, v); else head(1, -1 - v); }
    else if (typeof v === "string") { const b = new TextEncoder().encode(v); head(3, b.length); out.push(...b); }
    else if (v instanceof Uint8Array) { head(2, v.length); for (const b of v) out.push(b); }
    else if (Array.isArray(v)) { head(4, v.length); v.forEach(put); }
    else if (v instanceof Map) { head(5, v.size); for (const [k, x] of v) { put(k); put(x); } }
    else if (v instanceof Tagged) { head(6, v.tag); put(v.value); }
    else throw new Error("cannot encode " + typeof v);
  };
  put(value);
  return new Uint8Array(out);
}

// --- COSE_Sign1 -----------------------------------------------------------------------------
export function sign1Decode(bytes) {
  let obj = cborDecode(bytes);
  if (obj instanceof Tagged && obj.tag === 61) obj = obj.value;
  if (obj instanceof Tagged) { if (obj.tag !== 18) throw new CodeError("bad_cose"); obj = obj.value; }
  if (!Array.isArray(obj) || obj.length !== 4) throw new CodeError("bad_cose", "not a COSE_Sign1");
  const [protectedBytes, unprotected, payload, signature] = obj;
  if (!(protectedBytes instanceof Uint8Array && payload instanceof Uint8Array && signature instanceof Uint8Array))
    throw new CodeError("bad_cose");
  const header = protectedBytes.length ? cborDecode(protectedBytes) : new Map();
  if (!(header instanceof Map) || !(unprotected instanceof Map)) throw new CodeError("bad_cose");
  return { protectedBytes, header, payload, signature };
}

const toBeSigned = (m) => cborEncode(["Signature1", m.protectedBytes, new Uint8Array(0), m.payload]);

export async function sign1Verify(message, key) {
  if (message.header.get(1) !== -7 || message.signature.length !== 64) throw new CodeError("bad_signature");
  const ok = await crypto.subtle.verify(ECDSA, key, message.signature, toBeSigned(message));
  if (!ok) throw new CodeError("bad_signature");
}

export async function sign1Create(payload, privateKey, kid = null) {
  const header = new Map([[1, -7]]);
  if (kid) header.set(4, kid);
  const message = { protectedBytes: cborEncode(header), payload };
  const signature = new Uint8Array(await crypto.subtle.sign(ECDSA, privateKey, toBeSigned(message)));
  return cborEncode(new Tagged(18, [message.protectedBytes, new Map(), payload, signature]));
}

export const importRaw = (x, y) => crypto.subtle.importKey(
  "raw", new Uint8Array([4, ...x, ...y]), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
export const importJwk = (jwk) => crypto.subtle.importKey(
  "jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);

export const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function decode(text, prefix = PREFIX) {
  if (!text.startsWith(prefix)) throw new CodeError("bad_prefix");
  return sign1Decode(await inflate(b45decode(text.slice(prefix.length))));
}

export async function encode(cose, prefix = PREFIX) { return prefix + b45encode(await deflate(cose)); }

function claimsOf(message) {
  let claims;
  try { claims = cborDecode(message.payload); } catch (e) { throw new CodeError("bad_claims"); }
  if (!(claims instanceof Map)) throw new CodeError("bad_claims");
  return claims;
}

function checkClock(claims, now, leeway) {
  const start = Math.max(claims.get(CLAIM.iat) ?? -Infinity, claims.get(CLAIM.nbf) ?? -Infinity);
  if (now + leeway < start) throw new CodeError("not_yet_valid");
  const exp = claims.get(CLAIM.exp);
  if (exp === undefined) throw new CodeError("bad_claims");
  if (now - leeway > exp) throw new CodeError("expired");
}

// --- Signed lists -------------------------------------------------------------------------

// Verify the trust list against the pinned platform keys; returns Map(kidHex → entry).
export async function trustListOpen(body, roots, now) {
  const message = sign1Decode(body);
  const kid = message.header.get(4);
  const root = roots.find((r) => kid && r.kid === hex(kid));
  if (!root) throw new CodeError("unknown_kid", "trust list signed by an unknown key");
  await sign1Verify(message, await importJwk(root));
  const claims = claimsOf(message);
  checkClock(claims, now, 0);
  const keys = new Map();
  for (const e of claims.get("keys")) {
    const cose = e.get("key");
    keys.set(hex(e.get("kid")), {
      issuer: e.get("iss"), nbf: e.get("nbf"), exp: e.get("exp"), key: await importRaw(cose.get(-2), cose.get(-3)),
    });
  }
  return keys;
}

// Verify a city's status list with its key from the trust list; returns the inflated bits.
export async function statusListOpen(body, keys) {
  const message = sign1Decode(body);
  const key = keys.get(hex(message.header.get(4) || new Uint8Array()));
  if (!key) throw new CodeError("unknown_kid", "status list signed by an unknown key");
  await sign1Verify(message, key.key);
  const claims = claimsOf(message);
  if (claims.get(CLAIM.iss) !== key.issuer) throw new CodeError("wrong_issuer");
  return { issuer: key.issuer, expires: claims.get(CLAIM.exp), bits: await inflate(claims.get(65533).get("lst")) };
}

// --- Verifying a scanned code -------------------------------------------------------------------

// The holder's device signs its wrapper's times itself, so the counter bounds them (as
// verifier.check_presentation_window does): iat and exp required, at most presentationSeconds +
// leeway apart, iat not ahead of this clock by more than the leeway, now at most exp + leeway.
export function checkPresentationWindow(claims, now, leeway, presentationSeconds) {
  const iat = claims.get(CLAIM.iat), exp = claims.get(CLAIM.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) throw new CodeError("lifetime_missing");
  if (exp < iat) throw new CodeError("bad_claims");
  if (exp - iat > presentationSeconds + leeway) throw new CodeError("lifetime_too_long");
  checkClock(claims, now, leeway);
}

// store: {keys: Map from trustListOpen, status: Map(region → {bits}), seen: async (tokenHex, exp) → bool}
// leeway and presentationSeconds come from the page (the server's settings).
export async function verifyCode(text, store, now = Date.now() / 1000, leeway = 10, presentationSeconds = 60) {
  const message = await decode(text.trim());
  const claims = claimsOf(message);
  const presented = claims.get(CLAIM_PRESENTED);
  const credential = presented === undefined ? message : sign1Decode(presented);
  const cc = presented === undefined ? claims : claimsOf(credential);
  const kid = credential.header.get(4);
  const key = kid && store.keys.get(hex(kid));
  if (!key || now < key.nbf || now > key.exp) throw new CodeError("unknown_kid");
  await sign1Verify(credential, key.key);
  if (cc.get(CLAIM.iss) !== key.issuer) throw new CodeError("wrong_issuer");
  checkClock(cc, now, leeway);
  const holder = cc.get(CLAIM.cnf);
  if (presented === undefined && holder !== undefined) throw new CodeError("holder_signature");
  if (presented !== undefined) {
    const cose = holder && holder.get(1);
    if (!cose) throw new CodeError("holder_signature");
    try { await sign1Verify(message, await importRaw(cose.get(-2), cose.get(-3))); }
    catch (e) { throw new CodeError("holder_signature"); }
    checkPresentationWindow(claims, now, leeway, presentationSeconds);
  }
  const index = cc.get(CLAIM_STATUS)?.get("status_list")?.get("idx");
  const list = store.status.get(key.issuer);
  if (index === undefined || (list && index >> 3 < list.bits.length && (list.bits[index >> 3] >> (index & 7)) & 1))
    throw new CodeError("revoked");
  const tokenId = hex(claims.get(CLAIM.cti));
  const expiresAt = Math.min(cc.get(CLAIM.exp), claims.get(CLAIM.exp));
  const verdict = {
    issuer: key.issuer, subject: cc.get(CLAIM.sub), tokenId, tier: cc.get(CLAIM_TIER) || "",
    entitlements: cc.get(CLAIM_ENTITLEMENTS) || [], expiresAt,
  };
  if (await store.seen(tokenId, expiresAt)) throw Object.assign(new CodeError("replayed"), { verdict });
  return verdict;
}
