"""A region code in an API request is looked up by one selector: the same answer from every app."""

from __future__ import annotations

import pytest

from talentlink.core.errors import NotFound
from talentlink.core.models import Region
from talentlink.core.selectors import region_get

pytestmark = pytest.mark.django_db

UNKNOWN_REGION_URLS = [
    "/api/registry/persons?region=999999",
    "/api/credentials/statistics?region=999999",
    "/api/experts/experts?region=999999",
    "/api/public/talentcode/status/999999",
]


def test_an_active_region_is_found_by_its_code(ningbo) -> None:
    assert region_get(code="330200") == ningbo


def test_a_retired_region_is_not_found(ningbo) -> None:
    Region.objects.filter(pk=ningbo.pk).update(is_active=False)
    with pytest.raises(NotFound) as refused:
        region_get(code="330200")
    assert refused.value.code == "region"


@pytest.mark.parametrize("url", UNKNOWN_REGION_URLS)
def test_an_unknown_region_code_is_the_same_404_in_every_app(url, client_of, observer) -> None:
    answer = client_of(observer).get(url)
    assert answer.status_code == 404, answer.content
    assert answer.json()["code"] == "region"
