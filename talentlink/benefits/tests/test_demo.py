from __future__ import annotations

import io

import pytest
from django.apps import apps

from talentlink.benefits.models import Benefit, InsuranceImport, Provider, Redemption, ServicePointAccount
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
    assert list(InsuranceImport.objects.values_list("status", "rows")) == [("imported", 3), ("imported", 3)]
