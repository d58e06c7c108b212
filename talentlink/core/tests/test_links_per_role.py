"""A role is shown only what it may open: from each role's desk, every internal link (the menu, the
desk's panels, and the links on the pages they open) answers without a refusal (403) or a hidden
object (404)."""

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
            answer = client.get(url)
            if answer.status_code in {403, 404}:
                dead[url] = answer.status_code
            elif level < depth and "html" in answer.get("Content-Type", ""):
                found += [
                    link for link in HREF.findall(answer.content.decode()) if not link.startswith(NOT_PAGES)
                ]
        frontier = found
    return dead
