"""Invitations by e-mail through core.mail: each expert reads theirs in their own language, with an
absolute link to the invitations page."""

from __future__ import annotations

import email
import email.header

import pytest

from talentlink.experts.tests.test_review import petro_round, pool  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _decoded(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes), "a single-part message decodes to its bytes"
    return subject, payload.decode()


def test_invitations_are_mailed_in_each_experts_language_with_an_absolute_link(
    pool,  # noqa: F811
    petro_round,  # noqa: F811
    ningbo,
    client_of,
    smtp_sink,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TALENTLINK_BASE_URL = "https://rc.example.cn"
    for expert in pool.values():
        if expert.region == ningbo and expert.person.account:
            expert.person.account.preferred_language = "en"
            expert.person.account.save(update_fields=["preferred_language"])
    client = client_of(petro_round.organiser)
    assert client.post(f"/api/experts/rounds/{petro_round.pk}/propose").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/experts/rounds/{petro_round.pk}/invite").status_code == 200
    mails = [(recipients[0], *_decoded(raw)) for _sender, recipients, raw in smtp_sink.messages]
    english = [m for m in mails if m[0].startswith("e")]
    chinese = [m for m in mails if m[0].startswith("z")]
    assert english and chinese and len(english) + len(chinese) == len(mails)
    for _address, subject, body in english:
        assert subject.startswith("Invitation to review: ")
        assert "Please accept or decline on your invitations page of the platform: " in body
        assert "https://rc.example.cn/experts/me/" in body.split()
    for _address, subject, body in chinese:
        assert subject.startswith("评审邀请：")
        assert (
            "请在平台的评审邀请页面接受或谢绝：" in body
            and "https://rc.example.cn/experts/me/" in body.split()
        )
