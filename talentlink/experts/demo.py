"""Demo data of the expert pool, on top of the registry's demo persons (safe to run again).

Experts are drawn from the demo persons of both cities who hold a professional title; the
demo talent account becomes an expert too, so that it receives invitations. Two joint
committees, a handful of studios with commissions and one review round (panels proposed and
invitations sent) complete the picture.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Organisation, Region, User
from talentlink.experts import review, services
from talentlink.experts.models import Expert, Field, ReviewRound, Studio
from talentlink.registry import demo as registry_demo
from talentlink.registry.models import Person

NINGBO, ZHOUSHAN = registry_demo.NINGBO, registry_demo.ZHOUSHAN
EXPERTS_PER_CITY = {NINGBO: 40, ZHOUSHAN: 25}
KEYWORDS = {
    "绿色石化": ["催化裂化", "乙烯裂解", "聚烯烃", "炼化一体化", "节能减排"],
    "海洋生物": ["海洋药物", "海藻多糖", "水产育种", "海洋微生物", "活性物质"],
    "新材料": ["高分子材料", "碳纤维", "稀土永磁", "石墨烯", "膜材料"],
    "工业互联网": ["工业软件", "边缘计算", "数字孪生", "设备联网", "数据治理"],
    "关键核心基础件": ["轴承", "液压件", "精密模具", "齿轮传动", "密封件"],
    "港航物流": ["港口调度", "集装箱", "多式联运", "航运金融", "智慧港口"],
    "集成电路": ["芯片设计", "封装测试", "功率器件", "传感器", "EDA"],
    "生物医药": ["创新药", "医疗器械", "临床试验", "生物制剂", "中药现代化"],
    "现代服务业": ["供应链金融", "会展经济", "文化旅游", "法律服务", "科技咨询"],
}
HOSTS = [
    ("宁波大学", "university", NINGBO),
    ("浙江海洋大学", "university", ZHOUSHAN),
    ("中国科学院宁波材料技术与工程研究所", "institution", NINGBO),
    ("舟山绿色石化基地管理公司", "enterprise", ZHOUSHAN),
    ("宁波港航物流集团有限公司", "enterprise", NINGBO),
]
PROJECTS = [
    (
        "炼化一体化装置催化剂节能改造",
        "绿色石化",
        "研究催化裂化装置能耗优化与催化剂再生工艺，降低乙烯裂解能耗。",
    ),
    ("海藻多糖海洋药物中试", "海洋生物", "开展海藻多糖提取纯化工艺与海洋药物活性物质评价。"),
    ("港口集装箱智能调度系统", "港航物流", "基于多式联运数据的港口调度与集装箱堆场优化。"),
    ("高性能膜材料在海水淡化中的应用", "新材料", "研发高分子膜材料，提升海水淡化通量与耐污染性能。"),
    ("船用液压件国产化", "关键核心基础件", "船舶液压件与密封件的可靠性设计和国产化替代。"),
    ("工业互联网平台设备联网", "工业互联网", "面向石化企业的设备联网、边缘计算与数字孪生平台。"),
]


def demo_load(*, stdout: Any) -> None:
    with transaction.atomic():
        office = User.objects.filter(username="nb-office").first()
        if office is None:
            return
        experts = _experts(Access.system(channel=AuditEvent.Channel.COMMAND, user=office))
        _committees(office, experts)
        _studios(office, experts)
    _review_round()
    stdout.write(
        f"Expert pool: {Expert.objects.count()} experts, {ReviewRound.objects.count()} review rounds"
    )


def _experts(access: Access) -> list[Expert]:
    if Expert.objects.exists():
        return list(Expert.objects.select_related("person", "region").order_by("id"))
    fields = {f.name: f for f in Field.objects.all()}
    rng = random.Random(2026)
    created = []
    for code, count in EXPERTS_PER_CITY.items():
        region = Region.objects.get(code=code)
        persons = Person.objects.filter(
            home_region=region, status=Person.Status.ACTIVE, industry__in=list(KEYWORDS)
        )
        persons = persons.exclude(title="").exclude(title__in=["高级工", "技师"]).order_by("id")[:count]
        created += [_expert(p, region, fields, rng) for p in persons]
    talent = Person.objects.filter(account__username=registry_demo.first_talent().phone).first()
    if talent is not None and not Expert.objects.filter(person=talent).exists():
        # The demo talent's account is a petrochemical expert, so the demo round invites them.
        talent.industry, talent.title = "绿色石化", "正高级工程师"
        created.append(_expert(talent, talent.home_region, fields, rng))
    return created


def _expert(person: Person, region: Region, fields: dict[str, Field], rng: random.Random) -> Expert:
    field_name = person.industry if person.industry in KEYWORDS else rng.choice(list(KEYWORDS))
    words = rng.sample(KEYWORDS[field_name], 3)
    expert = Expert(
        person=person, region=region, source_key=f"EXP{person.pk:06d}", employer_name=person.employer_name,
        employer_credit_code=person.employer_credit_code, title=person.title or "高级工程师",
        keywords="、".join(words),
        biography=f"长期从事{field_name}领域研究与工程实践，主要方向为{words[0]}和{words[1]}，"
        f"主持或参与{rng.randint(2, 12)}项省市级科技项目。",
    )  # fmt: skip
    services.expert_reindex(expert, fields=[fields[field_name]])
    expert.save()
    expert.fields.set([fields[field_name]])
    return expert


def _committees(office: User, experts: list[Expert]) -> None:
    access = Access.system(channel=AuditEvent.Channel.COMMAND, user=office)
    for name, field_name, established in [
        ("甬舟绿色石化产业联合专家委员会", "绿色石化", dt.date(2020, 11, 18)),
        ("甬舟海洋生物产业联合专家委员会", "海洋生物", dt.date(2021, 6, 8)),
    ]:
        if _exists("committee", name):
            continue
        field = Field.objects.get(name=field_name)
        committee = services.committee_create(
            access=access, name=name, field=field, established_on=established
        )
        members = [e for e in experts if field in e.fields.all()][:8]
        for i, expert in enumerate(members):
            services.committee_member_add(
                access=access,
                committee=committee,
                expert=expert,
                role="chair" if i == 0 else "vice_chair" if i == 1 else "member",
            )


def _exists(kind: str, name: str) -> bool:
    from talentlink.experts.models import Committee

    return (Committee if kind == "committee" else Studio).objects.filter(name=name).exists()


def _studios(office: User, experts: list[Expert]) -> None:
    access = Access.system(channel=AuditEvent.Channel.COMMAND, user=office)
    rng = random.Random(7)
    zhoushan = Region.objects.get(code=ZHOUSHAN)
    for i, (host_name, kind, code) in enumerate(HOSTS):
        leader = experts[i * 7 % len(experts)]
        name = f"{leader.person.name}领军人才工作室"
        if _exists("studio", name):
            continue
        host, _created = Organisation.objects.get_or_create(
            name=host_name, defaults={"credit_code": registry_demo.credit_code(rng, code),
                                      "region": Region.objects.get(code=code), "kind": kind,
                                      "status": Organisation.Status.APPROVED},
        )  # fmt: skip
        studio = services.studio_create(
            access=access,
            name=name,
            leader=leader,
            host=host,
            established_on=dt.date(2020 + i % 3, 3 + i, 1),
            fields=leader.fields.all(),
        )
        for kind_code, title in [("project", "关键工艺联合攻关"), ("consultation", "产业发展专题咨询")][
            : 1 + i % 2
        ]:
            services.commission_add(access=access, studio=studio, kind=kind_code, title=f"{host_name}{title}",
                                    client_name="舟山市科技局", client_region=zhoushan,
                                    started_on=dt.date(2021 + i % 3, 5, 1))  # fmt: skip


def _review_round() -> None:
    organiser = User.objects.filter(username="zs-organiser").first()
    if organiser is None or ReviewRound.objects.filter(organiser=organiser).exists():
        return
    access = Access.system(channel=AuditEvent.Channel.COMMAND, user=organiser)
    deadline = timezone.localdate() + dt.timedelta(days=30)
    with transaction.atomic():
        rnd = review.round_create(
            access=access,
            name=f"{deadline.year}年度甬舟重点产业科技项目评审",
            deadline=deadline,
            experts_per_project=3,
            max_load=2,
            min_other_city=1,
            max_per_city=2,
        )
        zhoushan, ningbo = Region.objects.get(code=ZHOUSHAN), Region.objects.get(code=NINGBO)
        for i, (title, field_name, summary) in enumerate(PROJECTS):
            review.project_add(
                access=access,
                review_round=rnd,
                title=title,
                region=zhoushan if i % 2 else ningbo,
                applicant_organisation=HOSTS[i % len(HOSTS)][0],
                summary=summary,
                fields=[Field.objects.get(name=field_name)],
            )
        review.panel_propose(access=access, review_round=rnd)
        review.panel_invite(access=access, review_round=rnd)
