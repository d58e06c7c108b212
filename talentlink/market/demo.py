# ruff: noqa: E501 - the data tables of Chinese jobs read best one row per line.
"""Demo data of the talent market, on top of the registry's demo persons (safe to run again).

Employers of both cities (the demo's ``nb-employer`` organisation and ``zs-employer``, a Zhoushan
port company, with recruiter accounts; the others without) publish some forty jobs over the plans'
industries; a few hundred demo persons keep résumés (some with talent accounts, some new
graduates, some shown to the other city), the demo talent among them. The push runs once, and a
feedback history follows through the services: talents view and apply, the two recruiters
interview, offer, hire and reject, a few talents withdraw. The events are then spread over the
weeks since each job was published, so that the funnel and the report read like a season.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from talentlink.core.audit import Access
from talentlink.core.errors import DomainError
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.experts.models import Field
from talentlink.market import selectors, services
from talentlink.market.models import Application, District, Event, Job, Profile
from talentlink.registry import demo as registry_demo
from talentlink.registry.models import Person

NINGBO, ZHOUSHAN = registry_demo.NINGBO, registry_demo.ZHOUSHAN
PASSWORD = "Talent@2026"
# Résumés per city, and the share of their persons who get a talent account (only they receive
# suggestions and apply; the others are candidates employers see).
PROFILES = {NINGBO: 180, ZHOUSHAN: 120}
ACCOUNT_SHARE = 0.5
SEED = 2026


@dataclass(frozen=True)
class JobTemplate:
    field: str  # experts.Field code
    title: str  # a recruitment title the CSCO 2022 normaliser maps
    skills: tuple[str, ...]
    description: str
    salary: tuple[int, int]
    education: str = ""
    level: str = ""
    experience: int = 0


TEMPLATES = [
    JobTemplate("green-petrochemical", "化工工艺工程师", ("工艺优化", "催化裂化", "Aspen Plus", "HAZOP"), "负责炼化一体化装置的工艺运行与优化，参与催化裂化、乙烯裂解装置的节能降耗改造，编制操作规程与开停车方案。", (12000, 20000), "bachelor", "title_intermediate", 3),
    JobTemplate("green-petrochemical", "化工操作工", ("DCS操作", "巡检", "化工单元操作"), "负责装置DCS内操与现场巡检，执行开停车及应急处置方案，做好交接班记录。倒班，提供食宿。", (7000, 11000), "secondary", "skill_4", 1),
    JobTemplate("green-petrochemical", "设备工程师", ("设备维护", "检修", "PLC", "动设备"), "负责石化装置动静设备的维护与检修计划，组织大修及故障分析，熟悉催化裂化装置者优先。", (10000, 16000), "associate", "skill_3", 3),
    JobTemplate("green-petrochemical", "安全员", ("安全管理", "HAZOP", "应急预案"), "负责生产现场安全检查、作业票审核和隐患排查，组织应急演练与安全培训。", (8000, 12000), "associate", "", 2),
    JobTemplate("green-petrochemical", "化验员", ("色谱分析", "化学分析", "质量检验"), "负责原料及产品的化学分析与色谱检测，出具检验报告，维护化验仪器。", (6000, 9000), "associate"),
    JobTemplate("new-materials", "金属材料工程师", ("材料测试", "金相分析", "热处理"), "负责金属材料性能测试与失效分析，制定热处理工艺，支持新产品开发。", (11000, 18000), "master", "", 2),
    JobTemplate("new-materials", "新材料研发工程师", ("高分子材料", "碳纤维", "配方设计"), "从事高分子及碳纤维复合材料的配方设计与中试放大，跟踪行业技术动态。", (13000, 22000), "master", "title_intermediate", 3),
    JobTemplate("new-materials", "质检员", ("质量检验", "来料检验", "ISO9001"), "负责来料、过程及成品检验，记录质量数据，参与不合格品评审。", (6000, 8500), "secondary", "", 1),
    JobTemplate("industrial-internet", "软件开发工程师", ("Python", "Java", "数据库", "微服务"), "参与工业互联网平台后端开发，负责设备联网数据接入与微服务设计。", (14000, 25000), "bachelor", "", 2),
    JobTemplate("industrial-internet", "运维工程师", ("Linux", "网络", "监控运维"), "负责平台服务器、网络与数据库的日常运维和监控，处理线上故障。", (10000, 16000), "associate", "", 2),
    JobTemplate("industrial-internet", "网络安全工程师", ("渗透测试", "等级保护", "防火墙"), "负责工控系统与平台的网络安全防护、等级保护测评配合和安全事件响应。", (15000, 25000), "bachelor", "", 3),
    JobTemplate("industrial-internet", "数据分析师", ("SQL", "Python", "数据可视化"), "负责生产与运营数据分析，搭建指标体系和可视化看板，支持数字孪生项目。", (12000, 20000), "bachelor", "", 1),
    JobTemplate("core-components", "机械设计工程师", ("SolidWorks", "AutoCAD", "公差分析"), "负责液压件、轴承等核心基础件的结构设计与图纸绘制，配合试制验证。", (11000, 18000), "bachelor", "title_intermediate", 3),
    JobTemplate("core-components", "数控车工", ("数控编程", "车削加工", "图纸识读"), "操作数控车床完成精密零件加工，能独立编程与调试。", (7000, 12000), "secondary", "skill_4", 2),
    JobTemplate("core-components", "机修钳工", ("设备维修", "装配", "液压系统"), "负责生产设备的日常维修与保养，处理液压与机械故障。", (7500, 11000), "secondary", "skill_3", 3),
    JobTemplate("core-components", "模具工程师", ("模具设计", "UG", "注塑"), "负责注塑模具的设计、试模与改善，跟进模具制造进度。", (11000, 17000), "associate", "", 3),
    JobTemplate("port-shipping-logistics", "港口调度员", ("港口调度", "集装箱", "码头作业计划"), "负责码头船舶靠泊与集装箱装卸作业的调度，编制昼夜作业计划，协调多式联运。", (8000, 13000), "associate", "", 2),
    JobTemplate("port-shipping-logistics", "报关员", ("报关", "报检", "外贸单证"), "负责进出口货物报关报检及单证审核，对接海关与货代。", (7000, 11000), "associate", "", 1),
    JobTemplate("port-shipping-logistics", "仓储管理员", ("仓储管理", "WMS", "库存盘点"), "负责保税仓库收发存管理和库存盘点，维护WMS系统数据。", (6000, 9000), "secondary", "", 1),
    JobTemplate("port-shipping-logistics", "引航员", ("船舶引航", "航海", "英语"), "负责进出港船舶引航作业，保障大型油轮和集装箱船安全靠离泊。", (20000, 35000), "bachelor", "title_intermediate", 5),
    JobTemplate("port-shipping-logistics", "物流专员", ("多式联运", "运输调度", "供应链"), "负责海铁联运业务的运输计划与客户对接，跟踪货物在途状态。", (7000, 10000), "associate", "", 1),
    JobTemplate("port-shipping-logistics", "起重工", ("起重作业", "装卸作业", "安全操作"), "负责码头门机、桥吊配合的起重指挥与装卸作业，持证上岗。", (6500, 9000), "basic", "skill_5", 1),
    JobTemplate("integrated-circuits", "芯片设计工程师", ("Verilog", "数字电路", "芯片验证"), "负责数字芯片模块的RTL设计与验证，参与功率器件驱动芯片项目。", (20000, 35000), "master", "", 3),
    JobTemplate("integrated-circuits", "硬件工程师", ("电路设计", "PCB", "嵌入式"), "负责控制板卡的原理图与PCB设计、调试及测试。", (13000, 22000), "bachelor", "", 2),
    JobTemplate("integrated-circuits", "嵌入式软件工程师", ("C语言", "嵌入式", "RTOS"), "负责传感器与控制器的嵌入式软件开发和驱动调试。", (14000, 22000), "bachelor", "", 2),
    JobTemplate("biomedicine", "药物制剂工", ("GMP", "制剂生产", "无菌操作"), "按GMP要求完成口服固体及注射剂制剂生产操作，做好批记录。", (6500, 9500), "secondary", "skill_4", 1),
    JobTemplate("biomedicine", "生物工程师", ("细胞培养", "发酵工艺", "蛋白纯化"), "负责生物制剂的发酵工艺开发、蛋白纯化与中试放大。", (12000, 20000), "master", "", 2),
    JobTemplate("biomedicine", "药剂师", ("药学", "处方审核", "药品管理"), "负责药品质量管理、处方审核及药学服务，持执业药师证书者优先。", (9000, 14000), "bachelor", "title_junior", 2),
    JobTemplate("marine-biology", "海洋生物研究员", ("海洋生物", "分子生物学", "活性物质"), "从事海洋微生物与海藻活性物质的提取和评价研究，参与海洋药物中试。", (10000, 18000), "master", "", 2),
    JobTemplate("marine-biology", "水产养殖技术员", ("水产养殖", "育苗", "水质管理"), "负责大黄鱼等品种的育苗与养殖技术指导，监测水质和病害。", (7000, 11000), "associate", "", 1),
    JobTemplate("modern-services", "人力资源专员", ("招聘", "薪酬福利", "劳动法"), "负责招聘、入离职手续与薪酬福利核算，对接人才政策申报。", (6500, 10000), "bachelor", "", 1),
    JobTemplate("modern-services", "外贸业务员", ("外贸", "英语", "客户开发"), "负责海外客户开发与订单跟进，参加展会，熟悉航运与报关流程。", (7000, 15000), "bachelor", "", 1),
    JobTemplate("modern-services", "采购员", ("采购", "供应商管理", "成本控制"), "负责原辅料与备品备件采购，开发和评估供应商，控制采购成本。", (7000, 11000), "associate", "", 2),
    JobTemplate("automotive", "汽车工程师", ("整车开发", "CATIA", "试验验证"), "负责新能源汽车零部件的设计开发与试验验证，对接整车厂项目。", (14000, 24000), "bachelor", "title_intermediate", 3),
    JobTemplate("automotive", "汽车装调工", ("汽车装配", "调试", "扭矩控制"), "负责总成装配与下线调试，执行工艺文件和扭矩标准。", (6500, 9500), "secondary", "skill_4", 1),
    JobTemplate("smart-appliances", "电气工程师", ("电气设计", "PLC", "变频器"), "负责智能家电产线的电气设计、PLC编程与变频器调试。", (11000, 18000), "bachelor", "", 3),
    JobTemplate("smart-appliances", "质量工程师", ("质量体系", "SPC", "8D"), "负责产品质量策划与过程控制，主导客诉8D分析和改进。", (10000, 16000), "bachelor", "", 3),
    JobTemplate("modern-fisheries", "渔业船员", ("海上捕捞", "渔船作业", "安全操作"), "随远洋渔船出海作业，负责捕捞与渔获处理，提供船员培训。", (8000, 15000), "basic", "", 1),
    JobTemplate("modern-fisheries", "水产品加工工", ("水产品加工", "冷链", "食品安全"), "负责鱿鱼、带鱼等水产品的分拣、加工与包装，执行食品安全规范。", (5500, 8000), "basic"),
    JobTemplate("modern-fisheries", "冷藏工", ("冷库管理", "冷链物流"), "负责冷库货物进出库和温度监控，保障冷链运输衔接。", (6000, 8500), "secondary"),
    JobTemplate("shipbuilding", "焊工", ("船舶焊接", "二氧化碳保护焊", "焊接工艺"), "负责船体分段与管系焊接，持焊工证，能看懂焊接工艺卡。", (8000, 14000), "secondary", "skill_3", 3),
    JobTemplate("shipbuilding", "船舶电工", ("船舶电气", "电缆敷设", "电气调试"), "负责修造船舶的电缆敷设、电气设备安装与系泊调试。", (8000, 13000), "secondary", "skill_4", 2),
    JobTemplate("shipbuilding", "船舶装配工", ("船体装配", "分段制作", "图纸识读"), "负责船体分段制作与合拢装配，按图纸完成结构安装。", (7500, 12000), "secondary", "skill_4", 2),
]  # fmt: skip
BY_TITLE = {t.title: t for t in TEMPLATES}


@dataclass(frozen=True)
class Employer:
    name: str
    city: str
    district_code: str  # for its credit code
    district: str
    jobs: tuple[str, ...]  # template titles; the last ``drafts`` stay drafts
    recruiter: str = ""  # the demo account of its recruiter, if it has one
    drafts: int = 0


EMPLOYERS = [
    Employer("宁波海天新材料科技有限公司", NINGBO, "330206", "北仑区", ("新材料研发工程师", "金属材料工程师", "质检员", "设备工程师", "机械设计工程师", "数控车工", "电气工程师", "化工工艺工程师", "质量工程师"), "nb-employer", drafts=1),
    Employer("宁波甬江石化科技有限公司", NINGBO, "330211", "镇海区", ("化工工艺工程师", "化工操作工", "设备工程师", "安全员", "化验员")),
    Employer("宁波明州智造汽车零部件有限公司", NINGBO, "330212", "鄞州区", ("汽车工程师", "汽车装调工", "模具工程师", "机修钳工", "质量工程师"), drafts=1),
    Employer("宁波东方工业互联网科技有限公司", NINGBO, "330203", "海曙区", ("软件开发工程师", "运维工程师", "网络安全工程师", "数据分析师", "嵌入式软件工程师", "芯片设计工程师")),
    Employer("宁波港航物流集团有限公司", NINGBO, "330206", "北仑区", ("港口调度员", "报关员", "物流专员", "外贸业务员")),
    Employer("宁波恒信生物医药有限公司", NINGBO, "330282", "慈溪市", ("生物工程师", "药物制剂工", "药剂师", "硬件工程师"), drafts=1),
    Employer("舟山金塘港务有限公司", ZHOUSHAN, "330902", "定海区", ("港口调度员", "引航员", "起重工", "仓储管理员", "报关员", "物流专员", "人力资源专员", "设备工程师"), "zs-employer", drafts=1),
    Employer("舟山绿色石化基地管理公司", ZHOUSHAN, "330921", "岱山县", ("化工工艺工程师", "化工操作工", "安全员", "采购员")),
    Employer("舟山蓝海船舶修造有限公司", ZHOUSHAN, "330903", "普陀区", ("焊工", "船舶电工", "船舶装配工", "机修钳工")),
    Employer("舟山远洋渔业集团有限公司", ZHOUSHAN, "330903", "普陀区", ("渔业船员", "水产品加工工", "冷藏工", "水产养殖技术员")),
    Employer("舟山普陀海洋生物科技有限公司", ZHOUSHAN, "330903", "普陀区", ("海洋生物研究员", "生物工程师", "化验员"), drafts=1),
]  # fmt: skip
ZS_RECRUITER = ("zs-employer", "舟山金塘港务 周经理", "hr@jintang-port.example.cn")

# What a recognised or declared professional title or skill grade in the registry stands for.
TITLE_LEVELS = {
    "助理工程师": "title_junior", "工程师": "title_intermediate", "高级工程师": "title_associate_senior",
    "正高级工程师": "title_senior", "经济师": "title_intermediate", "高级经济师": "title_associate_senior",
    "会计师": "title_intermediate", "主治医师": "title_intermediate", "副主任医师": "title_associate_senior",
    "主任医师": "title_senior", "一级教师": "title_intermediate", "高级教师": "title_associate_senior",
    "高级工": "skill_3", "技师": "skill_2", "高级技师": "skill_1",
}  # fmt: skip
UNIVERSITIES = {
    "doctorate": ["浙江大学", "宁波大学", "中国科学院大学"],
    "master": ["宁波大学", "浙江海洋大学", "宁波诺丁汉大学", "浙江工业大学"],
    "bachelor": ["宁波大学", "浙江海洋大学", "浙大宁波理工学院", "宁波工程学院", "浙江万里学院"],
    "associate": ["宁波职业技术学院", "浙江国际海运职业技术学院", "浙江工商职业技术学院", "浙江舟山群岛新区旅游与健康职业学院"],
}  # fmt: skip
REJECTIONS = [
    "岗位要求的经验年限不足", "已有更合适的人选", "期望薪资高于岗位预算", "岗位已招满", "面试表现与岗位要求有差距",
]  # fmt: skip
NOTES = ["可随时到岗", "一个月内到岗", "希望了解倒班安排", "", "", "熟悉岗位要求，期待面谈"]


def demo_load(*, stdout: Any) -> None:
    recruiter = (
        User.objects.filter(username="nb-employer", role=Role.EMPLOYER).select_related("organisation").first()
    )
    if recruiter is None or recruiter.organisation is None:
        stdout.write("market: no demo employer account, demo skipped")
        return
    if Job.objects.exists():
        stdout.write("market: demo data already loaded")
        return
    rng = random.Random(SEED)
    now = timezone.now()
    with transaction.atomic():
        recruiters = {NINGBO: recruiter, ZHOUSHAN: _zs_recruiter()}
        jobs = _jobs(recruiters, rng, now)
        profiles = _profiles(rng)
    # The platform's first push, then what both sides did with it.
    outcome = services.matches_push(now=now)
    with transaction.atomic():
        _feedback(jobs, profiles, recruiters, rng)
        _spread(jobs, rng, now)
        _graduates(recruiters, rng, now)
    published = sum(j.status == Job.Status.PUBLISHED for j in jobs)
    stdout.write(
        f"market: {published} published jobs, {Profile.objects.count()} résumés, "
        f"{outcome.suggestions} suggestions, {Application.objects.count()} applications, "
        f"{Application.objects.filter(status=Application.Status.HIRED).count()} hires"
    )


def _zs_recruiter() -> User:
    """Zhoushan's demo recruiter, of a port company (the README's account list names it)."""
    username, full_name, email = ZS_RECRUITER
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    region = Region.objects.get(code=ZHOUSHAN)
    spec = next(e for e in EMPLOYERS if e.recruiter == username)
    organisation = _organisation(spec, random.Random(username), contact="周经理")
    user = User(username=username, full_name=full_name, role=Role.EMPLOYER, region=region,
                organisation=organisation, email=email)  # fmt: skip
    user.set_password(PASSWORD)
    user.save()
    return user


def _organisation(spec: Employer, rng: random.Random, contact: str = "") -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        name=spec.name,
        defaults={"credit_code": registry_demo.credit_code(rng, spec.district_code),
                  "region": Region.objects.get(code=spec.city), "status": Organisation.Status.APPROVED,
                  "contact_name": contact},
    )  # fmt: skip
    if organisation.status != Organisation.Status.APPROVED:
        organisation.status = Organisation.Status.APPROVED
        organisation.save(update_fields=["status"])
    return organisation


def _jobs(recruiters: dict[str, User], rng: random.Random, now: dt.datetime) -> list[Job]:
    """Each employer's jobs: published on days of the last six weeks, a few left as drafts."""
    fields = {f.code: f for f in Field.objects.all()}
    regions = {r.code: r for r in Region.objects.filter(code__in=[NINGBO, ZHOUSHAN])}
    districts = {d.code: d for d in District.objects.all()}
    by_recruiter = {u.username: u for u in recruiters.values()}
    jobs = []
    for spec in EMPLOYERS:
        account = by_recruiter.get(spec.recruiter)
        organisation = account.organisation if account else _organisation(spec, rng)
        assert organisation is not None
        for i, title in enumerate(spec.jobs):
            t = BY_TITLE[title]
            draft = i >= len(spec.jobs) - spec.drafts
            published = now - dt.timedelta(days=rng.randint(3, 42), hours=rng.randint(0, 9))
            low, high = t.salary
            shift = (
                rng.choice([0, 0, 500, 1000, -500]) if spec.city == NINGBO else rng.choice([0, -500, -1000])
            )
            job = Job(
                organisation=organisation, created_by=account, title=title, description=t.description,
                occupation=services.occupation_for_title(title), field=fields.get(t.field),
                region=regions[spec.city], district=districts.get(spec.district_code), education=t.education,
                required_level=t.level if rng.random() < 0.7 else "", skills=list(t.skills),
                experience_years=t.experience, salary_min=low + shift, salary_max=high + shift,
                headcount=rng.choice([1, 1, 2, 3, 5]),
                valid_until=(published + dt.timedelta(days=90)).date(),
                status=Job.Status.DRAFT if draft else Job.Status.PUBLISHED,
                published_at=None if draft else published,
            )  # fmt: skip
            job.save()
            jobs.append(job)
    return jobs


def _age(person: Person, today: dt.date) -> int:
    born = person.birth_date
    return today.year - born.year if born else 35


def _profiles(rng: random.Random) -> list[Profile]:
    """Résumés of demo persons of both cities, the demo talent's among them."""
    today = timezone.localdate()
    fields_by_name = {f.name: f for f in Field.objects.all()}
    templates: dict[str, list[JobTemplate]] = defaultdict(list)
    for t in TEMPLATES:
        templates[t.field].append(t)
    regions = {r.code: r for r in Region.objects.filter(code__in=[NINGBO, ZHOUSHAN])}
    other = {NINGBO: regions[ZHOUSHAN], ZHOUSHAN: regions[NINGBO]}
    talent = Person.objects.filter(account__username=registry_demo.first_talent().phone).first()
    districts: dict[int, list[District]] = defaultdict(list)
    for district in District.objects.filter(is_active=True):
        districts[district.region_id].append(district)
    taken = set(User.objects.values_list("username", flat=True))
    unusable = make_password(None)
    profiles = []
    if talent is not None:
        profiles.append(_demo_talent_profile(talent, fields_by_name, regions))
    for code, count in PROFILES.items():
        persons = (
            Person.objects.filter(home_region__code=code, status=Person.Status.ACTIVE, industry__in=list(fields_by_name))
            .exclude(pk__in=[talent.pk] if talent else [])
            .select_related("home_region")
            .order_by("pk")[:count]
        )  # fmt: skip
        for person in persons:
            field = fields_by_name[person.industry]
            options = templates.get(field.code) or TEMPLATES
            t = rng.choice(options)
            age = _age(person, today)
            graduate = age <= 24 or rng.random() < 0.08
            education = person.education or rng.choice(["associate", "bachelor", "secondary"])
            if graduate and education in ("basic", "secondary"):
                education = "associate"
            years = 0 if graduate else max(1, min(30, age - 22 - rng.randint(0, 4)))
            skills = list(rng.sample(t.skills, k=min(len(t.skills), rng.randint(2, 3))))
            extra = rng.choice([s for o in options for s in o.skills])
            if extra not in skills:
                skills.append(extra)
            shared = rng.random() < 0.3
            level = TITLE_LEVELS.get(person.title, "")
            low, high = t.salary
            salary = None if rng.random() < 0.2 else round(rng.uniform(low * 0.8, high * 0.9) / 500) * 500
            profile = Profile.objects.create(
                person=person,
                district=_district_of(person, districts),
                headline=f"{t.title}（应届）" if graduate else f"{t.title} · {years}年经验",
                summary=f"{'应届毕业生，在校期间' if graduate else f'{years}年{field.name}行业从业经验，'}"
                f"熟悉{'、'.join(skills)}。{'持' + person.title + '资格。' if person.title else ''}",
                education=education,
                university=rng.choice(UNIVERSITIES.get(education, [""])),
                graduation_year=today.year if graduate else None,
                is_graduate=graduate,
                experience_years=years,
                skills=skills,
                declared_levels=[level] if level else [],
                desired_salary=salary,
                open_to_offers=rng.random() < 0.93,
                suggestions=rng.random() < 0.9,
                shared_with_other_city=shared,
            )  # fmt: skip
            profile.desired_regions.set([person.home_region, other[code]] if shared else [person.home_region])
            wanted = [field] + ([rng.choice(list(fields_by_name.values()))] if rng.random() < 0.3 else [])
            profile.desired_fields.set(wanted)
            if (
                person.account_id is None
                and person.phone
                and person.phone not in taken
                and rng.random() < ACCOUNT_SHARE
            ):
                _account(person, unusable)
                taken.add(person.phone)
            profiles.append(profile)
    return profiles


def _district_of(person: Person, districts: dict[int, list[District]]) -> District | None:
    """Where the talent lives or works now: a district of their home city, drawn from their own
    seed (the demo's other draws stay as they were); one in ten left unsaid."""
    draw = random.Random(f"district-{person.pk}")
    options = districts.get(person.home_region_id or 0)
    return draw.choice(options) if options and draw.random() < 0.9 else None


def _demo_talent_profile(person: Person, fields: dict[str, Field], regions: dict[str, Region]) -> Profile:
    """The demo talent: a petrochemical equipment technician who would work in either city."""
    profile = Profile.objects.create(
        person=person, headline="石化装置设备工程师 · 8年经验", district=District.objects.filter(code="330211").first(),
        summary="8年石化装置设备维护与检修经验，参与过催化裂化装置大修和设备国产化改造，熟悉PLC控制。",
        education="bachelor", university="宁波工程学院", experience_years=8,
        skills=["设备维护", "检修", "PLC", "催化裂化", "动设备"], declared_levels=["title_intermediate"],
        desired_salary=10000, shared_with_other_city=True,
    )  # fmt: skip
    profile.desired_regions.set(list(regions.values()))
    profile.desired_fields.set([fields["绿色石化"], fields["关键核心基础件"]])
    return profile


def _account(person: Person, password: str) -> User:
    """A linked talent account for a demo person (no password to log in with, no e-mail)."""
    user = User.objects.create(
        username=person.phone, full_name=person.name, phone=person.phone, role=Role.TALENT,
        region=person.home_region, link_status=User.LinkStatus.LINKED, password=password,
    )  # fmt: skip
    Person.objects.filter(pk=person.pk).update(account=user)
    return user


def _feedback(
    jobs: list[Job], profiles: list[Profile], recruiters: dict[str, User], rng: random.Random
) -> None:
    """Talents view what they were suggested and apply to some of it; the recruiters take their
    applications on (interview, offer, hire) or end them with a reason; a few withdraw."""
    accounts = dict(
        Person.objects.filter(market_profile__in=profiles, account__isnull=False).values_list(
            "market_profile", "account"
        )
    )
    users = User.objects.in_bulk(list(accounts.values()))
    open_jobs = {j.pk: j for j in jobs if j.status == Job.Status.PUBLISHED}
    pushed = Event.objects.filter(kind=Event.Kind.PUSHED, to=Event.Side.TALENT, job_id__in=open_jobs)
    pairs = sorted(pushed.values_list("job_id", "profile_id"))
    talent_phone = registry_demo.first_talent().phone
    for job_id, profile_id in pairs:
        user = users.get(accounts.get(profile_id, 0))
        if user is None:
            continue
        job = open_jobs[job_id]
        if user.username != talent_phone and rng.random() < 0.7:
            services.job_viewed(user=user, job=job)
            if rng.random() < 0.5:
                _apply(user, job, rng)
    # A third of them also find jobs on the board, beyond what was suggested.
    browsing = Profile.objects.filter(pk__in=list(accounts)).exclude(person__account__username=talent_phone)
    for profile in browsing.select_related("person").order_by("pk")[::3]:
        user = users[accounts[profile.pk]]
        for job, _match in selectors.jobs_for_profile(profile=profile, limit=4):
            if rng.random() < 0.4:
                services.job_viewed(user=user, job=job)
                if rng.random() < 0.4:
                    _apply(user, job, rng)
    _demo_talent_applies()
    by_org = {u.organisation_id: u for u in recruiters.values()}
    applications = Application.objects.filter(job__organisation_id__in=list(by_org)).exclude(
        profile__person__account__username=talent_phone
    )  # the demo talent's own application is answered above
    for application in applications.select_related("job", "profile__person").order_by("pk"):
        _answer(application, by_org[application.job.organisation_id], rng)
    for application in Application.objects.filter(status=Application.Status.APPLIED).order_by("pk"):
        if rng.random() < 0.05:
            account = users[accounts[application.profile_id]]
            services.application_withdraw(access=_as(account), application=application)


def _as(user: User) -> Access:
    return Access.system(channel=AuditEvent.Channel.COMMAND, user=user)


def _apply(user: User, job: Job, rng: random.Random) -> None:
    if not Application.objects.filter(job=job, profile__person__account=user).exists():
        services.application_create(access=_as(user), job=job, note=rng.choice(NOTES))


def _demo_talent_applies() -> None:
    """The demo talent opened a few of their matches and applied to the best Ningbo one, which
    its recruiter invited to an interview (so "My job applications" has something to show)."""
    talent = User.objects.filter(username=registry_demo.first_talent().phone).first()
    profile = selectors.profile_own(user=talent)
    if talent is None or profile is None:
        return
    matches = selectors.jobs_for_profile(profile=profile, limit=5)
    for job, _match in matches:
        services.job_viewed(user=talent, job=job)
    recruiter = User.objects.get(username="nb-employer")
    own = [job for job, _match in matches if job.organisation_id == recruiter.organisation_id]
    if own:
        application = services.application_create(access=_as(talent), job=own[0], note="可随时到岗")
        services.application_move(
            access=_as(recruiter), application=application, status=Application.Status.INTERVIEW
        )


def _answer(application: Application, recruiter: User, rng: random.Random) -> None:
    """The recruiter takes one application along a plausible path."""
    access = _as(recruiter)
    roll = rng.random()
    S = Application.Status
    if roll < 0.25:
        path = [S.REJECTED]
    elif roll < 0.45:
        path = [S.INTERVIEW, S.INTERVIEWED, S.OFFERED, S.HIRED]
    elif roll < 0.55:
        path = [S.OFFERED, S.HIRED]
    elif roll < 0.65:
        path = [S.INTERVIEW, S.INTERVIEWED, S.REJECTED]
    elif roll < 0.8:
        path = [S.INTERVIEW]
    else:
        path = []  # not answered yet
    for status in path:
        reason = rng.choice(REJECTIONS) if status == S.REJECTED else ""
        try:
            services.application_move(access=access, application=application, status=status, reason=reason)
        except DomainError:  # pragma: no cover - the paths follow services.NEXT
            break


def _spread(jobs: list[Job], rng: random.Random, now: dt.datetime) -> None:
    """Date each pair's events (and its application) over the days after the job was published,
    in the order they happened, instead of all at the moment of loading."""
    published = {j.pk: j.published_at for j in jobs if j.published_at is not None}
    events = Event.objects.filter(job_id__in=list(published)).order_by("job_id", "profile_id", "id")
    chains: dict[tuple[int, int, bool], list[Event]] = defaultdict(list)
    for event in events.only("id", "job_id", "profile_id", "kind", "to"):
        chains[(event.job_id, event.profile_id, event.to == Event.Side.EMPLOYER)].append(event)
    updates = []
    applied: dict[tuple[int, int], dt.datetime] = {}
    last: dict[tuple[int, int], dt.datetime] = {}
    for (job_id, profile_id, _shortlist), chain in chains.items():
        at = published[job_id] + dt.timedelta(hours=rng.randint(1, 20))
        for event in chain:
            event.at = min(at, now - dt.timedelta(minutes=5))
            updates.append(event)
            if event.kind == Event.Kind.APPLIED:
                applied[(job_id, profile_id)] = event.at
            last[(job_id, profile_id)] = event.at
            at += dt.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 12))
    Event.objects.bulk_update(updates, ["at"], batch_size=500)
    applications = list(Application.objects.filter(job_id__in=list(published)))
    for application in applications:
        key = (application.job_id, application.profile_id)
        application.created_at = applied.get(key, application.created_at)
        application.updated_at = last.get(key, application.updated_at)
    Application.objects.bulk_update(applications, ["created_at", "updated_at"], batch_size=500)


# --- Graduates (毕业生就业市场): where they studied, and last year's graduate hires -------------------

# What graduates write as their university, weighted: mostly the two cities' own, some from
# elsewhere in China, a few by a short name (宁大 is 宁波大学) or a school not in the ministry's list.
GRADUATE_UNIVERSITIES = (
    ("宁波大学", 8), ("浙江海洋大学", 5), ("宁大", 1), ("浙大宁波理工学院", 3), ("宁波诺丁汉大学", 2),
    ("宁波工程学院", 3), ("浙江万里学院", 2), ("宁波职业技术学院", 3), ("浙江国际海运职业技术学院", 2),
    ("浙江大学", 2), ("浙江工业大学", 2), ("中国石油大学（华东）", 1), ("华东理工大学", 1), ("武汉理工大学", 1),
    ("大连海事大学", 1), ("四川大学", 1), ("郑州大学", 1), ("安徽大学", 1), ("南昌大学", 1), ("湖南大学", 1),
    ("宁波市海曙区职业技能培训中心", 1),
)  # fmt: skip
# Graduates of last year hired by the two demo recruiters, most of them more than a year ago.
LAST_YEAR_HIRES = 16


def _graduates(recruiters: dict[str, User], rng: random.Random, now: dt.datetime) -> None:
    """New graduates name their universities (matched to the ministry's list), and some graduates
    of last year were hired last year by the demo recruiters, so that the graduates' page has
    origins and a staying rate to show."""
    names, weights = zip(*GRADUATE_UNIVERSITIES, strict=True)
    talent_phone = registry_demo.first_talent().phone
    graduates = list(
        Profile.objects.filter(is_graduate=True)
        .exclude(person__account__username=talent_phone)
        .order_by("pk")
    )
    for profile in graduates:
        profile.university = rng.choices(names, weights)[0]
        profile.graduation_year = now.year - (1 if rng.random() < 0.4 else 0)
    Profile.objects.bulk_update(graduates, ["university", "graduation_year"], batch_size=500)
    services.profiles_universities_match()
    hired = [p for p in graduates if p.graduation_year == now.year - 1][:LAST_YEAR_HIRES]
    jobs = [_last_year_job(recruiter, now) for recruiter in recruiters.values()]
    start = dt.datetime(now.year - 1, 6, 1, 10, tzinfo=now.tzinfo)
    for i, profile in enumerate(hired):
        job = jobs[i % len(jobs)]
        # Most hires a year or more ago (their staying is counted); the last few within the year.
        latest = now - dt.timedelta(days=370) if i < len(hired) - 3 else now - dt.timedelta(days=30)
        hired_at = start + (max(latest, start) - start) * rng.random()
        applied_at = hired_at - dt.timedelta(days=rng.randint(10, 40))
        application = Application.objects.create(job=job, profile=profile, status=Application.Status.HIRED)
        Application.objects.filter(pk=application.pk).update(created_at=applied_at, updated_at=hired_at)
        for kind, side, at in (
            (Event.Kind.APPLIED, Event.Side.TALENT, applied_at),
            (Event.Kind.OFFERED, Event.Side.EMPLOYER, hired_at - dt.timedelta(days=5)),
            (Event.Kind.HIRED, Event.Side.EMPLOYER, hired_at),
        ):
            event = Event.objects.create(job=job, profile=profile, kind=kind, side=side)
            Event.objects.filter(pk=event.pk).update(at=at)


def _last_year_job(recruiter: User, now: dt.datetime) -> Job:
    """A graduate trainee job the recruiter's organisation published last spring, closed since."""
    assert recruiter.organisation is not None
    title = "管理培训生"
    job = Job.objects.create(
        organisation=recruiter.organisation, created_by=recruiter, title=title,
        description=f"面向{now.year - 1}届高校毕业生的管理培训生项目：轮岗培养一年，定岗后参与生产运营管理。",
        occupation=services.occupation_for_title(title), region=recruiter.organisation.region,
        education="bachelor", skills=["沟通协调", "数据分析"], salary_min=6500, salary_max=9000, headcount=10,
        valid_until=dt.date(now.year - 1, 12, 31), status=Job.Status.CLOSED,
        published_at=dt.datetime(now.year - 1, 3, 1, 9, tzinfo=now.tzinfo),
    )  # fmt: skip
    return job
