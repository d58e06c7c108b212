"""Expert profiles: import from a city's expert database, editing, search, committees, studios."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_user
from talentlink.core.errors import Conflict, DomainError, NotAllowed, NotFound
from talentlink.core.models import AuditEvent, Organisation, Role
from talentlink.core.tabular import ERROR_REPORT_HEADERS
from talentlink.experts import imports, selectors, services
from talentlink.experts.apps import ExpertsConfig
from talentlink.experts.models import Availability, Expert, ExpertImport, TitleLevel
from talentlink.experts.tests.conftest import access_of, id_number

HEADER = [
    "专家编号",
    "姓名",
    "公民身份号码",
    "工作单位",
    "职称",
    "专业领域",
    "关键词",
    "个人简介",
    "可参加评审",
]


def uploaded(path: Path) -> SimpleUploadedFile:
    """The file as the import page receives it."""
    return SimpleUploadedFile("e.csv", path.read_bytes())


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def two_persons(make_person, ningbo):
    return (
        make_person("张伟", ningbo, id_number=id_number(ningbo, 1)),
        make_person("欧阳明", ningbo, id_number=id_number(ningbo, 2)),
    )


def test_an_expert_database_export_creates_profiles_linked_to_registry_persons(
    two_persons, nb_office, ningbo, tmp_path, seeded
) -> None:
    path = write_csv(tmp_path / "experts.csv", [
        ["E001", "张伟", id_number(ningbo, 1), "宁波大学", "教授", "绿色石化、新材料", "催化；聚烯烃", "长期从事石油化工催化研究。", "是"],
        ["E002", "欧阳明", id_number(ningbo, 2), "宁波港集团", "高级工程师", "港航物流", "港口调度", "", "有限"],
    ])  # fmt: skip
    record = imports.experts_import(access=access_of(nb_office), region=ningbo, upload=uploaded(path))
    assert (record.status, record.total_rows, record.written) == (ExpertImport.Status.SUCCEEDED, 2, 2)
    zhang = Expert.objects.get(person=two_persons[0])
    assert zhang.title_level == TitleLevel.SENIOR and zhang.region == ningbo
    assert sorted(f.name for f in zhang.fields.all()) == ["新材料", "绿色石化"]
    assert "催化" in zhang.search_document.split()
    assert Expert.objects.get(person=two_persons[1]).availability == Availability.LIMITED


def test_an_export_with_one_bad_row_writes_nothing_and_reports_in_both_languages(
    two_persons, nb_office, ningbo, tmp_path, seeded
) -> None:
    path = write_csv(tmp_path / "experts.csv", [
        ["E001", "张伟", id_number(ningbo, 1), "", "", "绿色石化", "", "", ""],
        ["E002", "王芳", id_number(ningbo, 2), "", "", "深海采矿", "", "", "也许"],
        ["E003", "李四", id_number(ningbo, 77), "", "", "新材料", "", "", ""],
    ])  # fmt: skip
    record = imports.experts_import(access=access_of(nb_office), region=ningbo, upload=uploaded(path))
    assert record.status == ExpertImport.Status.REJECTED
    assert Expert.objects.count() == 0
    rows = list(selectors.expert_import_error_rows(record=record))
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (3, "姓名", "expert.name_mismatch"), (3, "专业领域", "unknown_code"), (3, "可参加评审", "unknown_code"),
        (4, "公民身份号码", "expert.unknown_person"),
    ]  # fmt: skip
    assert len(ERROR_REPORT_HEADERS) == len(rows[0]) and all(r[4] and r[5] and r[4] != r[5] for r in rows)
    assert "欧阳*" in rows[0][4], "the registry's name is masked in the report"


def test_only_the_talent_office_of_the_city_imports_its_experts(zs_office, ningbo, tmp_path) -> None:
    path = write_csv(tmp_path / "experts.csv", [])
    with pytest.raises(NotAllowed):
        imports.experts_import(access=access_of(zs_office), region=ningbo, upload=uploaded(path))


def test_an_expert_updates_their_own_text_but_not_their_title(make_expert, ningbo, field_of) -> None:
    account = make_user("13800000001", Role.TALENT)
    expert = make_expert("张伟", ningbo, ("绿色石化",), account=account, title="工程师")
    services.expert_update(
        access=access_of(account), expert=expert,
        changes={"keywords": "海洋药物", "availability": Availability.LIMITED, "fields": [field_of("海洋生物")]},
    )  # fmt: skip
    expert.refresh_from_db()
    assert expert.keywords == "海洋药物" and "药物" in expert.search_document.split()
    assert [f.name for f in expert.fields.all()] == ["海洋生物"]
    with pytest.raises(NotAllowed):
        services.expert_update(access=access_of(account), expert=expert, changes={"title": "教授"})


def test_staff_edit_only_their_own_citys_profiles(make_expert, ningbo, nb_office, zs_office) -> None:
    expert = make_expert("张伟", ningbo, ("绿色石化",), title="工程师")
    services.expert_update(access=access_of(nb_office), expert=expert, changes={"title": "正高级工程师"})
    expert.refresh_from_db()
    assert expert.title_level == TitleLevel.SENIOR
    with pytest.raises(NotAllowed):
        services.expert_update(access=access_of(zs_office), expert=expert, changes={"keywords": "x"})


def test_search_finds_experts_of_both_cities_by_chinese_words_best_first(
    make_expert, ningbo, zhoushan, nb_office
) -> None:
    make_expert("张伟", ningbo, ("绿色石化",), keywords="催化剂", biography="从事炼油催化裂化工艺研究")
    make_expert("王海", zhoushan, ("海洋生物",), keywords="海洋药物、海藻", biography="研究海洋生物活性物质")
    make_expert("李明", zhoushan, ("港航物流",), biography="港口物流与海洋运输")
    found = list(selectors.experts_search(user=nb_office, q="海洋生物"))
    assert [e.person.name for e in found][:2] == ["王海", "李明"]
    assert [e.person.name for e in selectors.experts_search(user=nb_office, q="催化")] == ["张伟"]
    assert [e.person.name for e in selectors.experts_search(user=nb_office, q="王海")] == ["王海"]
    filtered = selectors.experts_search(
        user=nb_office, q="海洋", region_id=zhoushan.pk, availability="available"
    )
    assert {e.person.name for e in filtered} == {"王海", "李明"}


def test_search_is_for_staff_and_organisers_only(db, ningbo) -> None:
    talent = make_user("13800000002", Role.TALENT)
    with pytest.raises(NotAllowed):
        selectors.experts_search(user=talent, q="海洋")


def test_reading_a_profile_is_audited_and_refused_to_others(make_expert, ningbo, nb_office) -> None:
    expert = make_expert("张伟", ningbo, ("绿色石化",))
    selectors.expert_get(access=access_of(nb_office), expert_id=expert.pk)
    stranger = make_user("employer", Role.EMPLOYER, ningbo)
    with pytest.raises(NotFound):  # answered as a missing profile: ids cannot be probed
        selectors.expert_get(access=access_of(stranger), expert_id=expert.pk)
    actions = list(AuditEvent.objects.filter(object_type="experts.expert").values_list("action", flat=True))
    assert sorted(actions) == ["denied", "read"]


def test_a_committee_counts_toward_the_target_only_with_members_from_both_cities(
    make_expert, ningbo, zhoushan, nb_office, field_of
) -> None:
    access = access_of(nb_office)
    committee = services.committee_create(
        access=access,
        name="绿色石化产业联合专家委员会",
        field=field_of("绿色石化"),
        established_on=dt.date(2021, 3, 1),
    )
    services.committee_member_add(
        access=access, committee=committee, expert=make_expert("张伟", ningbo), role="chair"
    )
    assert selectors.joint_committee_count(on=dt.date(2026, 1, 1)) == 0
    services.committee_member_add(access=access, committee=committee, expert=make_expert("王海", zhoushan))
    assert selectors.joint_committee_count(on=dt.date(2026, 1, 1)) == 1
    assert selectors.joint_committee_count(on=dt.date(2020, 12, 31)) == 0
    with pytest.raises(Conflict):
        services.committee_member_add(
            access=access, committee=committee, expert=make_expert("李明", ningbo), role="chair"
        )
    # What the targets capability reads of the pool, through the app's hook (docs/contracts.md).
    config = django_apps.get_app_config("experts")
    assert isinstance(config, ExpertsConfig)
    actuals = config.indicator_actuals(on=dt.date(2022, 6, 1))
    assert actuals == {"experts.joint_committees": 1, "experts.studios": 0}
    # The clean read a targets capability takes (docs/contracts.md): counts, no targets.
    counts = selectors.plan_counts()
    assert (counts.joint_committees, counts.studios, counts.committee_members_by_city) == (
        1,
        0,
        {ningbo.code: 1, zhoushan.code: 1},
    )
    assert selectors.plan_counts(on=dt.date(2020, 12, 31)).committee_members_by_city == {}


def test_a_studio_is_hosted_by_an_approved_enterprise_or_university_and_records_commissions(
    make_expert, ningbo, zhoushan, nb_office, field_of
) -> None:
    access = access_of(nb_office)
    host = Organisation.objects.create(name="宁波大学", credit_code="12330200419522990X", region=ningbo,
                                       kind=Organisation.Kind.UNIVERSITY, status=Organisation.Status.APPROVED)  # fmt: skip
    leader = make_expert("张伟", ningbo, ("新材料",))
    studio = services.studio_create(access=access, name="张伟新材料工作室", leader=leader, host=host,
                                    established_on=dt.date(2021, 5, 1), fields=[field_of("新材料")])  # fmt: skip
    services.commission_add(access=access, studio=studio, kind="project", title="高分子膜材料中试",
                            client_name="舟山某船舶公司", client_region=zhoushan, started_on=dt.date(2022, 1, 1))  # fmt: skip
    with pytest.raises(DomainError):
        services.commission_add(access=access, studio=studio, kind="project", title="x", client_name="y",
                                client_region=zhoushan, started_on=dt.date(2022, 1, 1), ended_on=dt.date(2021, 1, 1))  # fmt: skip
    host.status = Organisation.Status.PENDING
    host.save()
    with pytest.raises(DomainError):
        services.studio_create(
            access=access, name="另一个", leader=leader, host=host, established_on=dt.date(2021, 5, 1)
        )
    [studio_row] = selectors.studios_overview()
    assert [c.get_kind_display() for c in studio_row.commissions.all()] and studio_row.leader == leader


def test_observers_cannot_create_committees(observer, field_of) -> None:
    with pytest.raises(NotAllowed):
        services.committee_create(access=access_of(observer), name="x", field=field_of("新材料"),
                                  established_on=dt.date(2021, 1, 1))  # fmt: skip


def test_the_full_text_index_follows_changes_and_deletions(make_expert, ningbo, nb_office) -> None:
    expert = make_expert("张伟", ningbo, ("绿色石化",), keywords="催化")
    services.expert_update(access=access_of(nb_office), expert=expert, changes={"keywords": "港口调度"})
    assert not list(selectors.experts_search(user=nb_office, q="催化"))
    assert [e.pk for e in selectors.experts_search(user=nb_office, q="港口")] == [expert.pk]
    expert.delete()
    assert not list(selectors.experts_search(user=nb_office, q="港口"))


def test_a_query_of_punctuation_alone_finds_nothing_rather_than_failing(
    make_expert, ningbo, nb_office
) -> None:
    make_expert("张伟", ningbo, ("绿色石化",), keywords="催化")
    assert list(selectors.experts_search(user=nb_office, q="\"'*:&|()")) == []
