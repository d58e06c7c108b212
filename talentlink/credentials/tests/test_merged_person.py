"""A talent whose two persons linkage merged sees the applications of both, once each, whether
their account followed the merge or stayed with the retired person."""

from __future__ import annotations

import pytest

from talentlink.core.tests.access_world import _application
from talentlink.registry.tests.merged import MERGES, merge, talent_of, two_persons

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", MERGES)
def test_a_talent_sees_the_applications_of_both_merged_persons_once(
    how, nb_office, zs_office, employer, ningbo, ningbo_csv, tmp_path, client_of
):
    nb, zs = two_persons(nb_office=nb_office, zs_office=zs_office, ningbo_csv=ningbo_csv, tmp_path=tmp_path)
    talent = talent_of(zs, "13905800001")
    own = _application(zs, ningbo, talent, "ZJ2021JS000123")
    by_employer = _application(nb, ningbo, employer, "ZJ2021JS000456")  # filed for the Ningbo record
    merge(how, keep=nb, retired=zs, office=nb_office)

    listed = client_of(talent).get("/api/credentials/applications").json()
    assert sorted(a["id"] for a in listed) == sorted([own.pk, by_employer.pk])
    page = client_of(talent).get("/credentials/").content.decode()
    assert "ZJ2021JS000123" in page and "ZJ2021JS000456" in page
