from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.utils import timezone

from talentlink.benefits import selectors
from talentlink.benefits.apps import BenefitsConfig
from talentlink.benefits.models import (
    Benefit,
    InsuranceImport,
    Provider,
    Redemption,
    ServicePointAccount,
    SettlementPeriod,
)
from talentlink.benefits.tests.conftest import LI_ID, OUYANG_ID, ZHANG_ID, make_person
from talentlink.core.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_loads_providers_benefits_service_points_uses_and_insurance_records(
    nb_office, zs_office, ningbo, zhoushan
):
    make_person("张伟", ZHANG_ID, ningbo, tier="C")
    make_person("欧阳明", OUYANG_ID, zhoushan, tier="B")
    make_person("李海燕", LI_ID, ningbo, tier="E", category="high_skilled")
    config = apps.get_app_config("benefits")
    assert isinstance(config, BenefitsConfig)
    config.demo_load(stdout=io.StringIO())
    config.demo_load(stdout=io.StringIO())  # safe to run again
    assert (
        Provider.objects.filter(region=ningbo).count()
        == Provider.objects.filter(region=zhoushan).count()
        == 7
    )
    assert Benefit.objects.count() == 14
    for username in ("nb-spot", "zs-spot"):
        user = User.objects.get(username=username)
        assert user.check_password("Talent@2026") and ServicePointAccount.objects.filter(user=user).exists()
    assert Redemption.objects.filter(status="recorded").count() > 20
    # The months before the last ended one are closed; the last is left open to try closing.
    closed = list(SettlementPeriod.objects.order_by("month").values_list("month", flat=True))
    last_ended = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert closed and closed[-1] < last_ended
    settled_until, _end = selectors.month_bounds(selectors.next_month(closed[-1]))
    counted = Redemption.objects.filter(status="recorded", scanned_at__lt=settled_until)
    assert counted.exists() and not counted.filter(settled_in__isnull=True).exists()
    assert list(InsuranceImport.objects.values_list("status", "total_rows")) == [
        ("succeeded", 3),
        ("succeeded", 3),
    ]
