"""Issue 12, finding 4: guessing passwords and flooding reset mails are throttled per account and
per client address, through the login page, the API and the reset page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils.translation import gettext, override

from conftest import PASSWORD, make_user
from talentlink.core.models import Role

LOGIN = "/api/public/auth/login"
LOCKED = (
    "Too many failed log-ins for this user name or from your network address. Log-in is paused "
    "for %(minutes)s minutes; every further attempt starts the wait again."
)


def in_chinese(message: str, **params: object) -> str:
    """The message as a Chinese-speaking user reads it (zh-hans is the platform's default)."""
    with override("zh-hans"):
        return gettext(message) % params if params else gettext(message)


def api_login(client: Client, username: str, password: str, **headers: Any):
    return client.post(LOGIN, {"username": username, "password": password},
                       content_type="application/json", **headers)  # fmt: skip


def page_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_after_ten_wrong_api_logins_even_the_right_password_is_refused_with_429(nb_office):
    client = Client()
    for _ in range(9):
        assert api_login(client, "nb-office", "wrong-guess").status_code == 400
    tenth = api_login(client, "nb-office", "wrong-guess")
    assert tenth.status_code == 429
    right = api_login(client, "nb-office", PASSWORD)
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    assert right.json()["message"] == in_chinese(LOCKED, minutes=15)
    assert "sessionid" not in right.cookies
    assert client.get("/api/core/me").status_code == 401


def test_the_lockout_message_is_in_the_clients_language(nb_office):
    client = Client()
    for _ in range(10):
        api_login(client, "nb-office", "wrong-guess")
    answer = api_login(client, "nb-office", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 429
    assert answer.json()["message"] == LOCKED % {"minutes": 15}


def test_wrong_page_logins_lock_the_account_out_of_the_login_page(nb_office):
    client = Client()
    for _ in range(10):
        page_login(client, "nb-office", "wrong-guess")
    answer = page_login(client, "nb-office", PASSWORD)
    assert answer.status_code == 429
    page = answer.content.decode()
    assert in_chinese(LOCKED, minutes=15).replace("'", "&#x27;") in page
    assert client.get("/dashboard/").status_code == 302  # still not logged in


def test_guessing_from_many_addresses_still_locks_the_account(nb_office):
    for n in range(10):
        api_login(Client(REMOTE_ADDR=f"10.0.0.{n}"), "nb-office", "wrong-guess")
    assert api_login(Client(REMOTE_ADDR="10.0.1.1"), "nb-office", PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_locked_out_but_others_are_not(nb_office, zs_office):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        api_login(attacker, f"someone-{n}", "wrong-guess")
    assert api_login(attacker, "zs-office", PASSWORD).status_code == 429
    assert api_login(Client(REMOTE_ADDR="198.51.100.7"), "zs-office", PASSWORD).status_code == 200


def test_a_lockout_ends_after_the_cool_off_period(nb_office):
    client = Client()
    for _ in range(10):
        api_login(client, "nb-office", "wrong-guess")
    assert api_login(client, "nb-office", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert api_login(client, "nb-office", PASSWORD).status_code == 200


def test_behind_the_proxy_the_forwarded_client_address_is_throttled(nb_office, zs_office, settings):
    settings.TALENTLINK_PROXY_COUNT = 1
    proxy: dict[str, Any] = {"REMOTE_ADDR": "10.1.1.1"}
    for n in range(10):
        api_login(Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.9"), f"someone-{n}", "wrong-guess")
    # The attacker's forged left-hand entry does not help; another client behind the proxy logs in.
    forged = Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert api_login(forged, "zs-office", PASSWORD).status_code == 429
    other = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert api_login(other, "zs-office", PASSWORD).status_code == 200


def test_a_few_mistakes_do_not_lock_anyone_out(nb_office):
    client = Client()
    for _ in range(3):
        api_login(client, "nb-office", "wrong-guess")
    assert api_login(client, "nb-office", PASSWORD).status_code == 200


# --- Password-reset mails ---------------------------------------------------------------------


def test_a_burst_of_api_reset_requests_for_one_address_sends_three_mails(nb_office):
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/api/public/auth/password-reset", {"email": nb_office.email}, content_type="application/json"
        )
        for n in range(30)
    ]
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 27
    assert answers[-1].json()["code"] == "rate"
    assert len(mail.outbox) == 3


def test_the_limit_counts_an_address_nobody_uses_the_same_way(db):
    statuses = [
        Client()
        .post(
            "/api/public/auth/password-reset", {"email": "nobody@example.cn"}, content_type="application/json"
        )
        .status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_the_reset_page_limits_mails_per_address_with_a_message(nb_office):
    client = Client()
    for _ in range(3):
        assert client.post("/accounts/password/reset/", {"email": nb_office.email}).status_code == 302
    refused = client.post("/accounts/password/reset/", {"email": nb_office.email})
    assert refused.status_code == 429
    assert (
        in_chinese(
            "Too many password-reset requests for this address or from your network address; "
            "use the link already sent, or try again later."
        ).replace("'", "&#x27;")
        in refused.content.decode()
    )
    assert len(mail.outbox) == 3


def test_one_address_asking_resets_for_many_mailboxes_is_limited(db):
    for n in range(20):
        make_user(f"t{n}", Role.TALENT, email=f"t{n}@example.cn")
    client = Client(REMOTE_ADDR="203.0.113.9")

    def reset(address: str) -> int:
        return client.post(
            "/api/public/auth/password-reset", {"email": address}, content_type="application/json"
        ).status_code

    assert [reset(f"t{n}@example.cn") for n in range(20)] == [200] * 20
    assert reset("t0@example.cn") == 429
    assert len(mail.outbox) == 20


@pytest.mark.parametrize("path", ["/admin/login/"])
def test_the_admin_login_is_throttled_too(nb_office, path):
    client = Client()
    for _ in range(10):
        client.post(path, {"username": "nb-office", "password": "wrong-guess"})
    assert client.post(path, {"username": "nb-office", "password": PASSWORD}).status_code == 429
