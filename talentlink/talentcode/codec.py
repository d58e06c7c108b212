"""The signed-QR stack of the EU Digital COVID Certificate, with no Django in it.

A code is ``PREFIX`` + Base45 (RFC 9285) of zlib of a COSE_Sign1 (RFC 9052) whose payload is a
CBOR Web Token (RFC 8392). Signatures are made and checked with ``cryptography`` (ECDSA keys
give COSE's raw ``r || s`` form); CBOR is ``cbor2``. Everything here is generic over the prefix,
so the same decoder reads the talent code (``TC1:``) and the EU test vectors (``HC1:``).

Each stage raises :class:`CodeError` with a stable ``reason`` so verifiers can say precisely
why a code is refused.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

# COSE header labels and algorithms (RFC 9052/9053, RFC 8230).
HEADER_ALG = 1
HEADER_KID = 4
ES256, ES384, ES512 = -7, -35, -36
PS256, PS384, PS512 = -37, -38, -39
COSE_SIGN1_TAG = 18
CWT_TAG = 61

# CWT claims (RFC 8392, RFC 8747 for cnf).
CLAIM_ISS, CLAIM_SUB, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI, CLAIM_CNF = 1, 2, 4, 5, 6, 7, 8
CNF_COSE_KEY = 1

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {ord(c): i for i, c in enumerate(BASE45_ALPHABET)}
# A translation table sending every Base45 character to its value and everything else to 255.
_B45_TABLE = bytes(_B45_VALUE.get(i, 255) for i in range(256))


class CodeError(ValueError):
    """A stage of decoding or checking failed; ``reason`` is a stable code for callers."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


# --- Prefix, Base45, zlib ----------------------------------------------------


def unprefix(text: str, prefix: str) -> str:
    if not text.startswith(prefix):
        raise CodeError("bad_prefix", f"expected {prefix!r}")
    return text[len(prefix) :]


def b45encode(data: bytes) -> str:
    alphabet = BASE45_ALPHABET
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += (alphabet[n % 45], alphabet[n // 45 % 45], alphabet[n // 2025])
    if len(data) % 2:
        n = data[-1]
        out += (alphabet[n % 45], alphabet[n // 45])
    return "".join(out)


def b45decode(text: str) -> bytes:
    try:
        values = text.encode("ascii").translate(_B45_TABLE)
    except UnicodeEncodeError:
        raise CodeError("bad_encoding", "Base45: not ASCII") from None
    if 255 in values:
        raise CodeError("bad_encoding", "Base45: character outside the alphabet")
    full, rest = divmod(len(values), 3)
    if rest == 1:
        raise CodeError("bad_encoding", "Base45: dangling character")
    # zip over one iterator takes the triples without a Python-level index loop (the hot path of
    # every verification); struct refuses a triple above 0xFFFF for us.
    triples = iter(values[: full * 3])
    numbers = [a + b * 45 + c * 2025 for a, b, c in zip(triples, triples, triples, strict=True)]
    try:
        out = struct.pack(f">{full}H", *numbers)
    except struct.error:
        raise CodeError("bad_encoding", "Base45: triple out of range") from None
    if rest:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise CodeError("bad_encoding", "Base45: pair out of range")
        out += bytes((n,))
    return out


def compress(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def decompress(data: bytes, *, limit: int = 64 * 1024) -> bytes:
    """Inflate zlib data, refusing anything else and anything that inflates past ``limit``."""
    if len(data) < 2 or data[0] & 0x0F != 8 or (data[0] * 256 + data[1]) % 31:
        raise CodeError("bad_compression", "not zlib data")
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        raise CodeError("bad_compression", str(exc)) from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise CodeError("bad_compression", "truncated or too large")
    return out


# --- COSE_Sign1 --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sign1:
    """A decoded COSE_Sign1 message; ``protected_bytes`` is kept as sent, for the signature."""

    protected_bytes: bytes
    protected: Mapping[int, Any]
    unprotected: Mapping[int, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> int | None:
        return self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))

    @property
    def kid(self) -> bytes | None:
        """The key id; a protected kid wins over an unprotected one (only the former is signed)."""
        kid = self.protected.get(HEADER_KID)
        if kid is None:
            kid = self.unprotected.get(HEADER_KID)
        return bytes(kid) if kid is not None else None

    def to_be_signed(self) -> bytes:
        return cbor2.dumps(["Signature1", self.protected_bytes, b"", self.payload])


def sign1_decode(data: bytes) -> Sign1:
    """Parse a COSE_Sign1 (tag 18, optionally inside a CWT tag 61, or untagged)."""
    try:
        obj = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types for malformed input
        raise CodeError("bad_cose", f"not CBOR: {exc}") from None
    if isinstance(obj, cbor2.CBORTag) and obj.tag == CWT_TAG:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise CodeError("bad_cose", f"unexpected tag {obj.tag}")
        obj = obj.value
    if not (isinstance(obj, list | tuple) and len(obj) == 4):
        raise CodeError("bad_cose", "not a COSE_Sign1 array")
    protected_bytes, unprotected, payload, signature = obj
    if not all(isinstance(x, bytes) for x in (protected_bytes, payload, signature)):
        raise CodeError("bad_cose", "COSE_Sign1 members have the wrong types")
    if not isinstance(unprotected, Mapping):
        raise CodeError("bad_cose", "unprotected header is not a map")
    protected = _header_map(protected_bytes)
    return Sign1(protected_bytes, protected, unprotected, payload, signature)


def _header_map(data: bytes) -> Mapping[int, Any]:
    if not data:
        return {}
    try:
        header = cbor2.loads(data)
    except Exception:
        raise CodeError("bad_cose", "protected header is not CBOR") from None
    if not isinstance(header, Mapping):
        raise CodeError("bad_cose", "protected header is not a map")
    return header


# Built once: making the algorithm objects cost a fifth of a verification.
_ECDSA = {
    ES256: ec.ECDSA(hashes.SHA256()),
    ES384: ec.ECDSA(hashes.SHA384()),
    ES512: ec.ECDSA(hashes.SHA512()),
}
_PSS_HASHES: dict[int, hashes.HashAlgorithm] = {
    PS256: hashes.SHA256(), PS384: hashes.SHA384(), PS512: hashes.SHA512()
}  # fmt: skip
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def sign1_verify(message: Sign1, key: PublicKey) -> None:
    """Check the signature with ``key``; raise ``bad_signature`` when it does not hold."""
    alg = message.alg
    tbs = message.to_be_signed()
    try:
        if alg in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            sig = message.signature
            if len(sig) != 2 * size:
                raise CodeError("bad_signature", "ECDSA signature has the wrong length")
            der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
            key.verify(der, tbs, _ECDSA[alg])
        elif alg in _PSS_HASHES and isinstance(key, rsa.RSAPublicKey):
            digest = _PSS_HASHES[alg]
            pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            key.verify(message.signature, tbs, pss, digest)
        else:
            raise CodeError("bad_signature", f"algorithm {alg} does not fit the key")
    except InvalidSignature:
        raise CodeError("bad_signature", "signature does not verify") from None


def sign1_create(
    payload: bytes, key: ec.EllipticCurvePrivateKey, *, kid: bytes | None = None, tagged: bool = True
) -> bytes:
    """Sign ``payload`` with ES256 into a COSE_Sign1 (kid in the protected header)."""
    header: dict[int, Any] = {HEADER_ALG: ES256}
    if kid is not None:
        header[HEADER_KID] = kid
    protected = cbor2.dumps(header)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    body = [protected, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")]
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body) if tagged else body)


# --- COSE_Key (RFC 9053 §7.1) ------------------------------------------------


def cose_key_from_public(key: ec.EllipticCurvePublicKey) -> dict[int, Any]:
    numbers = key.public_numbers()
    return {1: 2, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}


def public_from_cose_key(cose_key: Any) -> ec.EllipticCurvePublicKey:
    """An EC2 P-256 COSE_Key map back to a key; anything else is refused."""
    if not isinstance(cose_key, Mapping) or cose_key.get(1) != 2 or cose_key.get(-1) != 1:
        raise CodeError("bad_claims", "holder key is not an EC2 P-256 COSE_Key")
    x, y = cose_key.get(-2), cose_key.get(-3)
    if not (isinstance(x, bytes) and isinstance(y, bytes) and len(x) == len(y) == 32):
        raise CodeError("bad_claims", "holder key coordinates are malformed")
    try:
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    except ValueError:
        raise CodeError("bad_claims", "holder key is not on the curve") from None


# --- Whole codes -------------------------------------------------------------


def encode(prefix: str, cose: bytes) -> str:
    """COSE bytes to QR text: zlib, Base45, prefix."""
    return prefix + b45encode(compress(cose))


def decode(text: str, prefix: str) -> Sign1:
    """QR text to a parsed (unverified) COSE_Sign1."""
    return sign1_decode(decompress(b45decode(unprefix(text, prefix))))


def claims_of(message: Sign1) -> Mapping[Any, Any]:
    """The CWT claims set of a message's payload."""
    try:
        claims = cbor2.loads(message.payload)
    except Exception:
        raise CodeError("bad_claims", "payload is not CBOR") from None
    if not isinstance(claims, Mapping):
        raise CodeError("bad_claims", "payload is not a claims map")
    return claims


def check_clock(claims: Mapping[Any, Any], *, now: float, leeway: float = 0) -> None:
    """Refuse a token used before it was issued (or its nbf) or after it expired."""
    iat, nbf, exp = claims.get(CLAIM_IAT), claims.get(CLAIM_NBF), claims.get(CLAIM_EXP)
    for value in (iat, nbf, exp):
        if value is not None and not isinstance(value, int | float):
            raise CodeError("bad_claims", "time claims must be numbers")
    start = max(v for v in (iat, nbf, float("-inf")) if v is not None)
    if now + leeway < start:
        raise CodeError("not_yet_valid")
    # The EU test vectors accept a code at the very second it expires; so do we.
    if exp is not None and now - leeway > exp:
        raise CodeError("expired")
