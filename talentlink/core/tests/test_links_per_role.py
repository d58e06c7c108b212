"""A role is shown only what it may open: from each role's desk, every internal link (the menu, the
desk's panels, and the links on the pages they open) answers without a refusal (403) or a hidden
object (404)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from talentlink.benefits.models import Redemption, ServicePoint, ServicePointAccount
from talentlink.benefits.tests.conftest import make_benefit, make_person, make_provider
from talentlink.core.models import Organisation, Role, User
from talentlink.core.tests.access_world import _application
from talentlink.experts.models import Expert
from talentlink.registry.models import Person

pytestmark = pytest.mark.django_db
HREF = re.compile(r'href="(/[^"#?]*)')
NOT_PAGES = ("/static/", "/admin/", "/i18n/", "/accounts/logout")


@pytest.mark.parametrize(
    ("role", "in_city"),
    [
        (Role.TALENT_OFFICE, True), (Role.HR_REVIEWER, True), (Role.PROVINCE_OBSERVER, False),
        (Role.REVIEW_ORGANISER, True), (Role.TALENT, True),
    ],
)  # fmt: skip
def test_every_link_on_a_roles_desk_opens_for_it(role, in_city, ningbo, zhoushan, client_of):
    for region in (ningbo, zhoushan):  # the shared expert pool has someone in it
        Expert.objects.create(person=Person.objects.create(name="专家", home_region=region), region=region)
    client = client_of(make_user(f"desk-{role}", role, ningbo if in_city else None))
    assert client.get(reverse("core:dashboard")).status_code == 200
    dead = _dead_links(client, start=reverse("core:dashboard"), depth=2)
    assert not dead, dead


def _desks(ningbo) -> dict[str, User]:
    """An employer, a benefit provider and its counter, each with something on its desk: an
    application filed for an employee, a benefit with a use at the counter."""
    employer_org = Organisation.objects.create(
        name="宁波海天石化有限公司", credit_code="91330200144069621H", region=ningbo,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip
    employer = make_user("desk-employer", Role.EMPLOYER, ningbo, organisation=employer_org)
    provider = make_provider(ningbo, "天一阁博物院")
    benefit = make_benefit(provider, "nb-tianyige-free", name="天一阁免费参观")
    point = ServicePoint.objects.create(provider=provider, name="东门检票口")
    counter = make_user("desk-counter", Role.SERVICE_POINT, ningbo, organisation=provider.organisation)
    ServicePointAccount.objects.create(user=counter, service_point=point)
    manager = make_user("desk-provider", Role.BENEFIT_PROVIDER, ningbo, organisation=provider.organisation)
    holder = make_person("张伟", "330203199003074513", ningbo)
    Redemption.objects.create(
        client_id=uuid.uuid4(), benefit=benefit, service_point=point, person=holder, holder_region=ningbo,
        scanned_at=timezone.now(), value=Decimal("30"), recorded_by=counter,
    )  # fmt: skip
    _application(holder, ningbo, employer, "ZJ2021JS000123", on_behalf_of=employer_org)
    return {"employer": employer, "provider": manager, "service point": counter}


@pytest.mark.parametrize("desk", ["employer", "provider", "service point"])
def test_every_link_on_an_organisations_desk_opens_for_it(desk, ningbo, client_of):
    client = client_of(_desks(ningbo)[desk])
    assert client.get(reverse("core:dashboard")).status_code == 200
    dead = _dead_links(client, start=reverse("core:dashboard"), depth=2)
    assert not dead, dead


def _dead_links(client, *, start: str, depth: int) -> dict[str, int]:
    """Follow the internal links from ``start`` ``depth`` pages deep; those answering 403 or 404."""
    seen: set[str] = set()
    frontier, dead = [start], {}
    for level in range(depth + 1):
        found: list[str] = []
        for url in sorted(set(frontier) - seen):
            seen.add(url)
            answer = client.get(url, follow=True)  # a desk's entry may redirect to the holder's own page
            if answer.status_code in {403, 404}:
                dead[url] = answer.status_code
            elif level < depth and "html" in answer.get("Content-Type", ""):
                found += [
                    link for link in HREF.findall(answer.content.decode()) if not link.startswith(NOT_PAGES)
                ]
        frontier = found
    return dead
