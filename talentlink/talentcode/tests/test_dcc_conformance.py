"""The generic decoder and verifier against every EU Digital COVID Certificate test vector.

Each vector states what a verifier must conclude at each stage (see the suite's README). The
stages the signed-QR stack covers are checked independently, each from its own input: the QR
picture (zxing-cpp), the prefix, Base45, zlib, COSE/CWT decoding, the signature against the
vector's certificate (kid = first 8 bytes of the certificate's SHA-256), the clock at
``VALIDATIONCLOCK``, and the DCC profile's key-usage rule. Schema validation of the health
certificate's JSON and re-encoding are the DCC application's business, not the stack's, and are
not checked. ``known_issues.csv`` lists the expectations that are wrong upstream; the misspelt
``EXPTECTEDEXPIRED`` is not an expectation (the upstream harness ignores it too).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image

from talentlink.talentcode import codec

SUITE = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "dcc-testdata"
if not SUITE.is_dir():
    SUITE = Path("/work/shared/benchmarks/dcc-testdata")
PREFIX = "HC1:"
HCERT = -260

# known_issues.csv names upstream test functions; these are the expectations they read.
UPSTREAM_TESTS = {
    "test_verification_check": "EXPECTEDVERIFY",
    "test_expiration_check": "EXPECTEDEXPIRATIONCHECK",
    "test_expected_key_usage": "EXPECTEDKEYUSAGE",
}
# Extended key usages that restrict a DCC signer to some certificate types (DCC profile).
KEY_USAGE_TYPES = {
    "1.3.6.1.4.1.1847.2021.1.1": "t",
    "1.3.6.1.4.1.1847.2021.1.2": "v",
    "1.3.6.1.4.1.1847.2021.1.3": "r",
    "1.3.6.1.4.1.0.1847.2021.1.1": "t",
    "1.3.6.1.4.1.0.1847.2021.1.2": "v",
    "1.3.6.1.4.1.0.1847.2021.1.3": "r",
}


def _vectors() -> list[Path]:
    return sorted(SUITE.glob("**/*.json")) if SUITE.is_dir() else []


def _known_issues() -> set[tuple[str, str, str]]:
    if not SUITE.is_dir():
        return set()
    with open(SUITE / "known_issues.csv", newline="") as handle:
        return {
            (UPSTREAM_TESTS[row["test_name"]], row["country"], row["test_set"])
            for row in csv.DictReader(handle)
            if row["test_name"] in UPSTREAM_TESTS
        }


KNOWN_ISSUES = _known_issues()


def _excused(path: Path, expectation: str) -> bool:
    relative = path.relative_to(SUITE)
    country, test_set = relative.parts[0], path.stem
    return (expectation, country, "") in KNOWN_ISSUES or (expectation, country, test_set) in KNOWN_ISSUES


def _clock(context: Mapping[str, Any]) -> float:
    value = context.get("VALIDATIONCLOCK") or context["validationClockInstant"]
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    # A clock without an offset is UTC (Django's TIME_ZONE must not shift it).
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _certificate(context: Mapping[str, Any]) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
    except ValueError as exc:  # a verifier that cannot read the signer's certificate refuses
        raise codec.CodeError("unknown_kid", str(exc)) from None


def _outcome(stage: Callable[[], Any]) -> bool:
    try:
        stage()
    except codec.CodeError:
        return False
    return True


def _dcc_claims(text: str) -> Mapping[Any, Any]:
    """The CWT claims, requiring the DCC profile's structure: -260 → {1: map}."""
    claims = codec.claims_of(codec.decode(text, PREFIX))
    hcert = claims.get(HCERT)
    if not (isinstance(hcert, Mapping) and isinstance(hcert.get(1), Mapping)):
        raise codec.CodeError("bad_claims", "no health certificate map under -260/1")
    return claims


def _verify(text: str, certificate: x509.Certificate) -> None:
    message = codec.decode(text, PREFIX)
    kid = hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()[:8]
    if message.kid != kid:
        raise codec.CodeError("unknown_kid")
    codec.sign1_verify(message, certificate.public_key())  # type: ignore[arg-type]
    _dcc_claims(text)


def _der_oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(0x80 | arc & 0x7F)
        body += bytes(reversed(chunk))
    return bytes([6, len(body)]) + bytes(body)


def _usage_oids(certificate: x509.Certificate) -> set[str]:
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return set()
    except ValueError:
        # Some issuers' certificates carry extensions cryptography's strict DER parser refuses
        # (an empty key-usage sequence); look for the DCC usages in the raw bytes instead.
        der = certificate.tbs_certificate_bytes
        return {oid for oid in KEY_USAGE_TYPES if _der_oid(oid) in der}
    return {oid.dotted_string for oid in usages}


def _key_usage(text: str, certificate: x509.Certificate) -> None:
    """A signer whose extended key usage names purposes may sign only the DCC types it names."""
    usages = _usage_oids(certificate)
    allowed = {KEY_USAGE_TYPES[oid] for oid in usages if oid in KEY_USAGE_TYPES}
    kinds = set(_dcc_claims(text)[HCERT][1]) & {"v", "t", "r"}
    if usages and not kinds <= allowed:
        raise codec.CodeError("bad_key_usage")


def _picture(png: str, text: str) -> None:
    try:
        image = Image.open(io.BytesIO(base64.b64decode(png)))
    except (OSError, ValueError):
        raise codec.CodeError("bad_picture", "not an image") from None
    barcodes = zxingcpp.read_barcodes(image)
    if not barcodes or barcodes[0].text != text:
        raise codec.CodeError("bad_picture")


def verdicts(vector: Mapping[str, Any], *, only: set[str] | None = None) -> dict[str, bool]:
    """What the stack concludes at each stage it covers, from that stage's own input."""
    text, context = vector["PREFIX"], vector["TESTCTX"]
    clock = _clock(context)
    stages: dict[str, Callable[[], Any]] = {
        "EXPECTEDUNPREFIX": lambda: codec.unprefix(text, PREFIX),
        "EXPECTEDB45DECODE": lambda: codec.b45decode(codec.unprefix(text, PREFIX)),
        "EXPECTEDCOMPRESSION": lambda: codec.decompress(codec.b45decode(codec.unprefix(text, PREFIX))),
        "EXPECTEDDECODE": lambda: _dcc_claims(text),
        "EXPECTEDVERIFY": lambda: _verify(text, _certificate(context)),
        "EXPECTEDEXPIRATIONCHECK": lambda: codec.check_clock(
            codec.claims_of(codec.decode(text, PREFIX)), now=clock
        ),
        "EXPECTEDKEYUSAGE": lambda: _key_usage(text, _certificate(context)),
    }
    png = vector.get("2DCODE") or vector.get("_2DCODE")
    if png:
        stages["EXPECTEDPICTUREDECODE"] = lambda: _picture(png, text)
    return {key: _outcome(stage) for key, stage in stages.items() if only is None or key in only}


@pytest.mark.skipif(not SUITE.is_dir(), reason="the DCC test vectors are not on this machine")
@pytest.mark.parametrize("path", _vectors(), ids=lambda p: str(p.relative_to(SUITE)))
def test_the_generic_verifier_agrees_with_the_dcc_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    expected = vector["EXPECTEDRESULTS"]
    checked = {key for key in expected if not _excused(path, key)}
    got = verdicts(vector, only=checked)
    checked &= got.keys()
    disagreements = {key: (expected[key], got[key]) for key in checked if expected[key] != got[key]}
    assert not disagreements, f"(expected, got): {disagreements}"


def test_the_suite_is_complete() -> None:
    if not SUITE.is_dir():
        pytest.skip("the DCC test vectors are not on this machine")
    assert len(_vectors()) == 581
