"""The role and scope predicates of core.permissions: nobody signed out passes one, a superuser
passes all (but those that say who the account is), and a city's roles pass only for their own city."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import make_user
from talentlink.core import permissions
from talentlink.core.models import Organisation, Region, Role, User

pytestmark = pytest.mark.django_db
ONE_ARGUMENT = [f for name, f in inspect.getmembers(permissions, inspect.isfunction) if not name.startswith("_")
                and f.__module__ == permissions.__name__ and len(inspect.signature(f).parameters) == 1]  # fmt: skip


# Who the account is rather than what it may do: a superuser is no employer's recruiter (it has no
# organisation to publish jobs for), so it does not pass these.
IDENTITIES = {permissions.is_employer}


@pytest.mark.parametrize("predicate", ONE_ARGUMENT, ids=lambda f: f.__name__)
def test_nobody_signed_out_passes_and_a_superuser_passes_every_predicate(predicate, ningbo):
    assert predicate(None) is False and predicate(AnonymousUser()) is False
    assert predicate(make_user("root", Role.TALENT, is_superuser=True)) is (predicate not in IDENTITIES)


def test_a_recruiter_of_an_approved_employer_only_is_an_employer(ningbo):
    organisation = Organisation.objects.create(name="甲公司", credit_code="91330200MA2CCCCC3Z", region=ningbo)
    recruiter = make_user("hr", Role.EMPLOYER, ningbo, organisation=organisation)
    assert not permissions.is_employer(recruiter), "awaiting approval"
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.APPROVED)
    recruiter.refresh_from_db()
    assert permissions.is_employer(recruiter)
    assert not permissions.is_employer(make_user("stray", Role.EMPLOYER, ningbo)), "no organisation"


def test_an_office_manages_its_own_city_only_and_an_office_without_a_city_nothing(ningbo, zhoushan):
    office = make_user("office", Role.TALENT_OFFICE, ningbo)
    assert permissions.may_manage_region(office, ningbo.pk)
    assert not permissions.may_manage_region(office, zhoushan.pk)
    assert not permissions.is_office(User(role=Role.TALENT_OFFICE))


def test_only_a_citys_hr_reviewers_reveal_whole_id_numbers(ningbo):
    assert permissions.reveals_id_numbers(make_user("hr", Role.HR_REVIEWER, ningbo))
    assert not permissions.reveals_id_numbers(make_user("office", Role.TALENT_OFFICE, ningbo))
    assert not permissions.reveals_id_numbers(User(role=Role.HR_REVIEWER))


def test_the_region_scope_gives_an_account_its_own_city_a_superuser_all_and_no_city_nothing(ningbo, zhoushan):
    regions = Region.objects.filter(pk__in=[ningbo.pk, zhoushan.pk])
    provider = make_user("provider", Role.BENEFIT_PROVIDER, zhoushan)
    assert list(permissions.region_scope(provider, regions, "pk")) == [zhoushan]
    assert set(permissions.region_scope(make_user("root", Role.TALENT, is_superuser=True), regions, "pk")) == {
        ningbo, zhoushan,
    }  # fmt: skip
    assert not permissions.region_scope(make_user("observer", Role.PROVINCE_OBSERVER), regions, "pk").exists()
    assert not permissions.region_scope(None, regions, "pk").exists()
