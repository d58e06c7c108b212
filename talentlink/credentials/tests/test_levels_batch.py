"""Many persons' credential levels at once read the same as one person's at a time."""

from __future__ import annotations

import pytest

from talentlink.credentials import selectors
from talentlink.credentials.tests.conftest import pdf_upload
from talentlink.credentials.tests.test_api_pages import FORM

pytestmark = pytest.mark.django_db


def test_the_batch_read_agrees_with_the_single_read(talent, in_registry, client_of, ningbo) -> None:
    from talentlink.registry.models import Person

    in_registry()
    assert (
        client_of(talent).post("/api/credentials/applications", {**FORM, "scan": pdf_upload()}).status_code
        == 201
    )
    ids = list(Person.objects.values_list("pk", flat=True))
    for purpose in (None, "benefits"):
        batch = selectors.persons_credential_levels(person_ids=ids, purpose=purpose)
        assert batch == {pk: selectors.person_credential_levels(person_id=pk, purpose=purpose) for pk in ids}
        assert any(batch.values()), "the recognised certificate's level is read"
