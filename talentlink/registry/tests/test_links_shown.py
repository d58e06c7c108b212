"""A role is shown only what it may open: every link on a person's page opens for its reader (the
other city's import is named, not linked)."""

from __future__ import annotations

import re

import pytest

from talentlink.registry.models import Person

pytestmark = pytest.mark.django_db
HREF = re.compile(r'href="(/[^"#?]*)')


def _person_in_both_cities() -> Person:
    for person in Person.objects.filter(status="active").order_by("pk"):
        regions = set(person.source_records.values_list("source_system__region__code", flat=True))
        if regions == {"330200", "330900"}:
            return person
    raise AssertionError("the demo data has people in both cities")


@pytest.mark.parametrize("office", ["nb_office", "zs_office"])
def test_every_link_on_a_person_shared_by_both_cities_opens_for_each_citys_office(
    linked, office, request, client_of
):
    client = client_of(request.getfixturevalue(office))
    person = _person_in_both_cities()
    page = client.get(f"/registry/persons/{person.pk}/").content.decode()
    links = set(HREF.findall(page))
    assert any(link.startswith("/registry/imports/") for link in links), "its own city's import is linked"
    for link in sorted(links):
        if link.startswith(("/static/", "/accounts/logout", "/i18n/")):
            continue
        assert client.get(link).status_code not in {403, 404}, link
