"""A talent whose two persons linkage merged sees the uses of both, once each, whether their
account followed the merge or stayed with the retired person."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from talentlink.benefits.models import Redemption
from talentlink.registry.tests.merged import MERGES, merge, talent_of, two_persons

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", MERGES)
def test_a_talent_sees_the_uses_of_both_merged_persons_once(
    how, nb_office, zs_office, tianyige_free, gate, gate_user, ningbo_csv, tmp_path, client_of
):
    nb, zs = two_persons(nb_office=nb_office, zs_office=zs_office, ningbo_csv=ningbo_csv, tmp_path=tmp_path)
    talent = talent_of(zs, "13905800001")
    uses = [
        Redemption.objects.create(
            client_id=uuid.uuid4(), benefit=tianyige_free, service_point=gate, person=person,
            holder_region=person.home_region, scanned_at=timezone.now(), value=Decimal("30"),
            recorded_by=gate_user,
        ).pk
        for person in (nb, zs)
    ]  # fmt: skip
    merge(how, keep=nb, retired=zs, office=nb_office)

    listed = client_of(talent).get("/api/benefits/me/redemptions").json()
    assert sorted(r["id"] for r in listed) == sorted(uses)
    page = client_of(talent).get("/benefits/mine/")
    assert page.status_code == 200 and page.content.decode().count("天一阁免费参观") >= 1
