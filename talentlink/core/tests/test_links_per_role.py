"""A role is shown only what it may open: from each role's desk, every internal link (the menu and
the desk's panels) answers without a refusal (403) or a hidden object (404)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import make_user
from talentlink.core.models import Role
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
    desk = client.get(reverse("core:dashboard"))
    assert desk.status_code == 200
    links = {link for link in HREF.findall(desk.content.decode()) if not link.startswith(NOT_PAGES)}
    assert links, "the desk links somewhere"
    dead = {link: status for link in sorted(links) if (status := client.get(link).status_code) in {403, 404}}
    assert not dead, dead
