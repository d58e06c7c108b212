"""The HTTP registry backend against a local server that implements the documented contract.

The server checks the platform's request signature and answers as the province's registry would;
its ``mode`` makes it misbehave the ways a forged or broken answer can.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from talentlink.core.models import AuditEvent
from talentlink.credentials.backends import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpRegistry,
    RegistryAnswerRefused,
    RegistryQuery,
    RegistryUnavailable,
    registry_backend,
    sign,
)
from talentlink.credentials.models import Application, Recognition
from talentlink.credentials.tests.conftest import ZHANG, ZHANG_ID
from talentlink.credentials.tests.test_applications import submit

SECRET = "shared-secret-for-tests-only"
CERTIFICATES = {
    "ZJ2021JS000123": {"kind": "skill-2", "holder_name": ZHANG, "id_number": ZHANG_ID, "issued_on": "2021-06-30",
                       "valid_until": None, "authority": "zj-skills", "status": "valid", "withdrawn_on": None},
}  # fmt: skip


class ContractRegistry(BaseHTTPRequestHandler):
    """POST /v1/certificates/lookup as docs/credentials.md describes it."""

    mode = "ok"
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get(TIMESTAMP_HEADER, "")
        if self.path != "/v1/certificates/lookup" or self.headers.get(SIGNATURE_HEADER) != sign(
            SECRET, timestamp, body
        ):
            return self._send(401, b'{"error": "bad request signature"}', sign_it=False)
        query = json.loads(body)
        type(self).requests.append(query)
        if self.mode == "error":
            return self._send(500, b"{}")
        self._send(200, json.dumps(self._answer(query)).encode())

    def _answer(self, query: dict) -> dict:
        cert = CERTIFICATES.get(query["certificate_number"])
        answer = {
            "certificate_number": query["certificate_number"],
            "nonce": query["nonce"],
            "found": cert is not None,
        }
        if self.mode == "replay":
            answer["nonce"] = "0" * 32
        if self.mode == "other_number":
            answer["certificate_number"] = "ZJ9999"
        if cert:
            answer["certificate"] = {
                **{k: v for k, v in cert.items() if k not in {"holder_name", "id_number"}},
                "holder_name_matches": cert["holder_name"] == query["holder_name"],
                "id_number_matches": cert["id_number"] == query["id_number"],
            }
            if self.mode == "malformed":
                answer["certificate"]["status"] = "perhaps"
        return answer

    def _send(self, status: int, body: bytes, sign_it: bool = True) -> None:
        timestamp = str(int(time.time()) - (3600 if self.mode == "stale" else 0))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header(TIMESTAMP_HEADER, timestamp)
        if sign_it and self.mode not in {"unsigned"}:
            secret = "someone-else" if self.mode == "wrong_secret" else SECRET
            signature = sign(secret, timestamp, body)
            if self.mode == "tampered":
                # A man in the middle turns a "no" into a "yes" (or, without one, pads the body).
                body = body.replace(b"false", b"true ") if b"false" in body else body + b" "
            self.send_header(SIGNATURE_HEADER, signature)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def registry_server(settings) -> Iterator[type[ContractRegistry]]:
    handler = type("Handler", (ContractRegistry,), {"mode": "ok", "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TALENTLINK_CERT_REGISTRY = "http"
    settings.TALENTLINK_CERT_REGISTRY_URL = f"http://127.0.0.1:{server.server_port}"
    settings.TALENTLINK_CERT_REGISTRY_SECRET = SECRET
    settings.TALENTLINK_CERT_REGISTRY_TIMEOUT = 2
    yield handler
    server.shutdown()
    server.server_close()


def test_the_setting_chooses_the_http_backend(registry_server):
    assert isinstance(registry_backend(), HttpRegistry)


def test_a_signed_answer_recognises_the_certificate_at_once(registry_server, talent, zhoushan, db):
    application = submit(talent, zhoushan)
    assert (application.status, application.route) == ("recognised", "automatic")
    assert application.registry_evidence["backend"] == "http"
    assert application.registry_evidence["signed"] is True
    [request] = registry_server.requests
    assert request["id_number"] == ZHANG_ID and len(request["nonce"]) == 32


def test_a_signed_answer_that_the_name_differs_refuses_the_application(registry_server, talent, zhoushan, db):
    CERTIFICATES["ZJ-OTHER-1"] = {**CERTIFICATES["ZJ2021JS000123"], "holder_name": "张卫"}
    try:
        application = submit(talent, zhoushan, certificate_number="ZJ-OTHER-1")
    finally:
        del CERTIFICATES["ZJ-OTHER-1"]
    assert application.status == "refused" and application.refusal_reasons == ["name"]


def test_a_certificate_the_registry_does_not_know_goes_to_review(registry_server, talent, zhoushan, db):
    application = submit(talent, zhoushan, certificate_number="NB-2018-0042")
    assert application.status == "review"


@pytest.mark.parametrize(
    "mode", ["unsigned", "tampered", "wrong_secret", "replay", "stale", "other_number", "malformed"]
)
def test_a_forged_or_inconsistent_answer_is_refused_and_records_nothing(
    registry_server, talent, zhoushan, db, mode, caplog
):
    registry_server.mode = mode
    with pytest.raises(RegistryAnswerRefused) as refused:
        submit(talent, zhoushan, holder_name=ZHANG)
    assert refused.value.status == 502 and refused.value.code == "registry_answer_refused"
    assert not Application.objects.exists() and not Recognition.objects.exists()
    assert not AuditEvent.objects.filter(object_type="credentials.application").exists()
    assert ZHANG_ID not in caplog.text


def test_a_tampered_not_found_answer_cannot_be_turned_into_a_recognition(
    registry_server, talent, zhoushan, db
):
    registry_server.mode = "tampered"
    with pytest.raises(RegistryAnswerRefused):
        submit(talent, zhoushan, certificate_number="NB-2018-0042")
    assert not Application.objects.exists()


def test_a_registry_that_fails_or_cannot_be_reached_changes_nothing(
    registry_server, talent, zhoushan, db, settings
):
    registry_server.mode = "error"
    with pytest.raises(RegistryUnavailable):
        submit(talent, zhoushan)
    settings.TALENTLINK_CERT_REGISTRY_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(RegistryUnavailable) as down:
        submit(talent, zhoushan)
    assert down.value.status == 503
    assert not Application.objects.exists()


def test_a_request_signed_with_another_secret_is_turned_away_by_the_registry(registry_server):
    backend = registry_backend()
    assert isinstance(backend, HttpRegistry)
    backend.secret = "not-the-shared-secret"
    with pytest.raises(RegistryUnavailable):  # the server answers 401
        backend.lookup(
            RegistryQuery(certificate_number="ZJ2021JS000123", holder_name=ZHANG, id_number=ZHANG_ID)
        )
    assert registry_server.requests == []


def test_signatures_are_hmac_sha256_over_timestamp_and_body():
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(SECRET, "1700000000", b"{}") == expected
