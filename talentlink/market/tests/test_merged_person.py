"""A talent whose two persons linkage merged keeps their résumé (and the applications made with
it), whether their account followed the merge or stayed with the retired person."""

from __future__ import annotations

import pytest

from talentlink.market import selectors
from talentlink.market.models import Profile
from talentlink.registry.tests.merged import MERGES, merge, talent_of, two_persons

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", MERGES)
def test_a_talent_keeps_their_resume_when_their_persons_are_merged(
    how, nb_office, zs_office, zhoushan, ningbo_csv, tmp_path, client_of
) -> None:
    nb, zs = two_persons(nb_office=nb_office, zs_office=zs_office, ningbo_csv=ningbo_csv, tmp_path=tmp_path)
    talent = talent_of(zs, "13905800001")
    profile = Profile.objects.create(person=zs, headline="港口调度员", skills=["港口调度"])
    profile.desired_regions.set([zhoushan])
    merge(how, keep=nb, retired=zs, office=nb_office)

    profile.refresh_from_db()
    assert profile.person_id == nb.pk, "the résumé follows the person that stays"
    assert selectors.profile_own(user=talent) == profile
    assert client_of(talent).get("/market/profile/matches/").status_code == 200, "not sent to write one"
