"""Management commands, menu entries and the demo data of the talent code."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import call_command

from conftest import make_user
from talentlink.core.models import Role
from talentlink.registry.models import Person
from talentlink.talentcode import services
from talentlink.talentcode.models import Credential, PublishedList, SigningKey

pytestmark = pytest.mark.django_db


def test_publishing_revokes_lapsed_codes_and_signs_every_list(talent: Person, now: datetime) -> None:
    services.code_issue(person=talent, now=now)
    Person.objects.filter(pk=talent.pk).update(tier=None)
    out = io.StringIO()
    call_command("talentcode_publish", "--dry-run", stdout=out)
    assert "1 codes would be revoked" in out.getvalue()
    assert not Credential.objects.filter(revoked_at__isnull=False).exists()
    call_command("talentcode_publish", stdout=out)
    assert Credential.objects.get().revoke_reason == Credential.RevokeReason.TIER_WITHDRAWN
    assert PublishedList.objects.filter(kind="status").count() == 2
    assert PublishedList.objects.filter(kind="trust").count() == 1


def test_rotating_a_city_key_keeps_the_old_one_trusted_for_a_while(ningbo) -> None:
    call_command("talentcode_rotate_key", "--region", "330200", stdout=io.StringIO())
    call_command("talentcode_rotate_key", "--region", "330200", stdout=io.StringIO())
    keys = SigningKey.objects.filter(region=ningbo)
    assert keys.count() == 2 and keys.filter(retired_at__isnull=True).count() == 1
    with pytest.raises(Exception, match="No active region"):
        call_command("talentcode_rotate_key", "--region", "999999", stdout=io.StringIO())


def test_the_menu_offers_the_code_to_talents_and_the_scanner_to_counters(
    talent: Person, ningbo, client_of
) -> None:
    desk = client_of(talent.account).get("/dashboard/").content.decode()
    assert 'href="/code/"' in desk
    counter = make_user("nb-counter", Role.SERVICE_POINT, ningbo)
    assert 'href="/code/scan/"' in client_of(counter).get("/dashboard/").content.decode()


def test_the_demo_prepares_keys_and_lists_idempotently(db) -> None:
    from django.apps import apps

    from talentlink.talentcode.apps import TalentCodeConfig

    config = apps.get_app_config("talentcode")
    assert isinstance(config, TalentCodeConfig)
    for _ in range(2):
        config.demo_load(stdout=io.StringIO())
    assert SigningKey.objects.count() == 3
    assert PublishedList.objects.count() == 3


def test_the_platform_cannot_hold_two_active_trust_list_keys(db) -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    call_command("talentcode_publish", stdout=io.StringIO())
    active = SigningKey.objects.get(purpose="trust_list", retired_at__isnull=True)
    twin = SigningKey(
        purpose="trust_list", kid="0" * len(active.kid), public_key=active.public_key,
        private_key_sealed=active.private_key_sealed, not_before=timezone.now(), not_after=active.not_after,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
