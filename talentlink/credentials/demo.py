"""Demo data of credential recognition, built through the services on top of the registry demo.

The province's certificate list holds certificates of demo persons whose registry record names
a title or skill level; the demo talent then applies in both cities, so that every state appears: recognised
automatically, refused by the registry, waiting in the review queue (one overdue), more material
requested, rejected, approved after review, and revoked when a second list withdraws a certificate.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db.models import Q
from django.utils import timezone

from talentlink.core import crypto
from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Region, User
from talentlink.credentials import imports, services
from talentlink.credentials.models import Application, CertificateKind, RegistryImport
from talentlink.registry.models import Person

NINGBO, ZHOUSHAN = "330200", "330900"
SKILL_TITLES = {"技师": "skill-2", "高级技师": "skill-1", "高级工": "skill-3"}
HEADER = [
    "证书编号",
    "姓名",
    "公民身份号码",
    "证书名称",
    "发证日期",
    "发证机关",
    "有效期至",
    "状态",
    "撤销日期",
]


def demo_load(*, stdout: Any) -> None:
    if RegistryImport.objects.exists() or Application.objects.exists():
        stdout.write("credentials: demo data already loaded")
        return
    hr = {
        code: reviewer
        for code in (NINGBO, ZHOUSHAN)
        if (reviewer := User.objects.filter(role="hr_reviewer", region__code=code).first())
    }
    if len(hr) < 2:
        stdout.write("credentials: no HR reviewer accounts, demo skipped")
        return
    talent = Person.objects.filter(account__isnull=False, home_region__code=NINGBO).first()
    rows = _registry_rows(exclude={talent.pk} if talent else set())
    rows += _talent_rows(talent)
    _import(hr[ZHOUSHAN], rows, "浙江省职称与技能等级证书库-2025-06.csv")
    if talent:
        _to_zhoushan(talent, hr[ZHOUSHAN])
        _to_ningbo(talent, hr[NINGBO])
    withdrawn = [_row(talent, "ZJ2019G3000517", "skill-3", "2019-11-20", status="已撤销")] if talent else []
    if withdrawn:
        withdrawn[0][-1] = timezone.localdate().isoformat()
        _import(hr[ZHOUSHAN], withdrawn, "浙江省证书撤销清单-2025-07.csv")
    stdout.write(f"credentials: {Application.objects.count()} recognition applications in every state")


def _kind_for(title: str) -> str | None:
    if title in SKILL_TITLES:
        return SKILL_TITLES[title]
    kind = CertificateKind.objects.filter(name=title).first()
    return kind.code if kind else None


def _row(
    person: Person, number: str, kind: str, issued: str, *, authority: str = "", status: str = "有效"
) -> list[str]:
    if not authority:
        authority = (
            "zj-skills"
            if kind.startswith("skill")
            else ("nb-hrss" if person.home_region.code == NINGBO else "zs-hrss")
        )
    id_number = crypto.id_number_open(person.id_number_encrypted)
    return [number, person.name, id_number, kind, issued, authority, "", status, ""]


def _registry_rows(*, exclude: set[int]) -> list[list[str]]:
    """Certificates of persons whose registry record names a title or skill level."""
    rows = []
    persons = Person.objects.select_related("home_region").exclude(Q(title="") | Q(id_number_encrypted=""))
    for person in persons.exclude(pk__in=exclude)[:80]:
        kind = _kind_for(person.title)
        if kind:
            issued = dt.date(2012 + person.pk % 12, 1 + person.pk % 12, 1 + person.pk % 28).isoformat()
            rows.append(_row(person, f"ZJ{issued[:4]}{person.pk:07d}", kind, issued))
    return rows


def _talent_rows(nb: Person | None) -> list[list[str]]:
    rows = []
    if nb:
        rows += [
            _row(nb, "ZJ2018JS000731", "skill-2", "2018-09-15"),
            _row(nb, "ZJ2017GJ000245", "eng-assistant", "2017-05-10", authority="nb-hrss"),
            _row(nb, "ZJ2019G3000517", "skill-3", "2019-11-20"),
        ]
        rows.append(_row(nb, "ZJ2020GC001962", "eng-senior", "2020-12-28", authority="zs-hrss"))
    return rows


def _import(reviewer: User, rows: list[list[str]], name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        with open(path, "rb") as handle:
            imports.registry_list_import(access=_access(reviewer), upload=File(handle, name=name))


def _access(user: User) -> Access:
    return Access.system(channel=AuditEvent.Channel.COMMAND, user=user)


def _apply(person: Person, target: str, number: str, kind: str, issued: str, authority: str) -> Application:
    assert person.account is not None  # the demo talent is picked among persons with an account
    return services.application_submit(
        access=_access(person.account), kind_code=kind, certificate_number=number, holder_name=person.name,
        id_number=crypto.id_number_open(person.id_number_encrypted), issued_on=dt.date.fromisoformat(issued),
        authority_code=authority, target_region=Region.objects.get(code=target),
    )  # fmt: skip


def _to_zhoushan(person: Person, reviewer: User) -> None:
    """The Ningbo talent asks Zhoushan to recognise six certificates."""
    _apply(person, ZHOUSHAN, "ZJ2018JS000731", "skill-2", "2018-09-15", "zj-skills")  # automatic
    _apply(person, ZHOUSHAN, "ZJ2017GJ000245", "eng-assistant", "2016-05-10", "nb-hrss")  # refused: date
    _apply(person, ZHOUSHAN, "ZJ2019G3000517", "skill-3", "2019-11-20", "zj-skills")  # revoked later
    overdue = _apply(person, ZHOUSHAN, "NB2021GC003318", "eng-engineer", "2021-08-01", "nb-hrss")
    ago = timezone.now() - dt.timedelta(days=21)
    Application.objects.filter(pk=overdue.pk).update(
        submitted_at=ago, due_on=timezone.localdate() - dt.timedelta(days=5)
    )
    asked = _apply(person, ZHOUSHAN, "NB2015KJ000871", "acct-assistant", "2015-10-12", "mof")
    services.application_decide(
        access=_access(reviewer), application=asked, decision="more_info",
        reason="请上传证书原件扫描件（含发证机关印章页）。",
    )  # fmt: skip
    refused = _apply(person, ZHOUSHAN, "NB2014JJ000266", "econ-assistant", "2014-11-02", "nb-hrss")
    services.application_decide(
        access=_access(reviewer), application=refused, decision="reject",
        reason="发证机关出具的查询结果显示该证书编号不存在，请核对后重新申请。",
    )  # fmt: skip


def _to_ningbo(person: Person, reviewer: User) -> None:
    """Certificates the talent earned while working in Zhoushan, for Ningbo: one automatic, one
    approved after review, one waiting."""
    _apply(person, NINGBO, "ZJ2020GC001962", "eng-senior", "2020-12-28", "zs-hrss")
    approved = _apply(person, NINGBO, "ZS2016JJ000412", "econ-economist", "2016-03-18", "zs-hrss")
    services.application_decide(access=_access(reviewer), application=approved, decision="approve")
    _apply(person, NINGBO, "ZS2022KJ000093", "acct-accountant", "2022-06-30", "zs-hrss")
