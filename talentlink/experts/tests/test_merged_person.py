"""A talent whose two persons linkage merged opens their expert profile and answers its
invitations, whether their account followed the merge or stayed with the retired person."""

from __future__ import annotations

import pytest
from django.utils import timezone

from talentlink.experts import review, selectors
from talentlink.experts.models import Assignment, Expert
from talentlink.experts.tests.conftest import TOMORROW, access_of
from talentlink.registry.tests.merged import MERGES, merge, talent_of, two_persons

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", MERGES)
def test_a_talent_opens_and_answers_the_expert_profile_of_the_other_merged_person(
    how, nb_office, zs_office, nb_organiser, ningbo, ningbo_csv, tmp_path, client_of
):
    nb, zs = two_persons(nb_office=nb_office, zs_office=zs_office, ningbo_csv=ningbo_csv, tmp_path=tmp_path)
    talent = talent_of(zs, "13905800001")
    expert = Expert.objects.create(person=nb, region=ningbo)  # in Ningbo's expert database only
    rnd = review.round_create(access=access_of(nb_organiser), name="石化项目评审", deadline=TOMORROW)
    project = review.project_add(
        access=access_of(nb_organiser), review_round=rnd, title="催化裂化节能改造",
        applicant_organisation="某石化公司", region=ningbo,
    )  # fmt: skip
    seat = Assignment.objects.create(
        round=rnd, project=project, expert=expert, affinity=0.7, status=Assignment.Status.INVITED,
        invited_at=timezone.now(),
    )  # fmt: skip
    merge(how, keep=nb, retired=zs, office=nb_office)

    client = client_of(talent)
    assert client.get("/api/experts/me").json()["id"] == expert.pk
    assert selectors.desk_figures(user=talent)["pending"] == 1
    assert "催化裂化节能改造" in client.get("/experts/me/").content.decode()
    client.post(f"/experts/seats/{seat.pk}/respond/", {"accept": "1"})
    seat.refresh_from_db()
    assert seat.status == Assignment.Status.ACCEPTED
