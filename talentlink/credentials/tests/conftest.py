"""Fixtures of the credential tests: linked talents, an employer, the registry's certificates."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import make_user
from talentlink.core import crypto, idnumbers
from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.credentials.models import CertificateKind, IssuingAuthority, RegistryCertificate
from talentlink.registry.models import Person

ZHANG_ID = "330203199003074513"
ZHANG = "张伟"
LI_ID = "33020519780515106X"
LI = "李海燕"
EMPLOYER_CODE = "91330200144069621H"
ISSUED = dt.date(2021, 6, 30)


def person(name: str, id_number: str, region: Region, **extra) -> Person:
    value = idnumbers.parse(id_number).value
    token, index = crypto.id_number_seal(value)
    return Person.objects.create(
        name=name, id_number_encrypted=token, id_number_index=index,
        id_number_masked=idnumbers.mask(value), home_region=region, **extra,
    )  # fmt: skip


@pytest.fixture
def zs_hr(zhoushan) -> User:
    return make_user("zs-hr", Role.HR_REVIEWER, zhoushan, email="zs-hr@example.cn")


@pytest.fixture
def talent(ningbo) -> User:
    user = make_user("13805740001", Role.TALENT, email="zw@example.cn", link_status=User.LinkStatus.LINKED)
    person(ZHANG, ZHANG_ID, ningbo, account=user, employer_credit_code=EMPLOYER_CODE, title="技师")
    return user


@pytest.fixture
def employer(ningbo) -> User:
    organisation = Organisation.objects.create(
        name="宁波海天石化有限公司", credit_code=EMPLOYER_CODE, region=ningbo,
        status=Organisation.Status.APPROVED,
    )  # fmt: skip
    return make_user("nb-employer", Role.EMPLOYER, ningbo, organisation=organisation, email="hr@haitian.cn")


@pytest.fixture
def colleague(ningbo) -> Person:
    """An employee of the employer without an account of their own."""
    return person(LI, LI_ID, ningbo, employer_credit_code=EMPLOYER_CODE)


@pytest.fixture
def in_registry(db) -> Callable[..., RegistryCertificate]:
    """Put a certificate into the local registry (as an import of the province's list would)."""

    def add(number: str = "ZJ2021JS000123", *, kind: str = "skill-2", name: str = ZHANG,
            id_number: str = ZHANG_ID, issued_on: dt.date = ISSUED, authority: str = "zj-skills",
            **extra) -> RegistryCertificate:  # fmt: skip
        token, index = crypto.id_number_seal(id_number)
        return RegistryCertificate.objects.create(
            number=number, kind=CertificateKind.objects.get(code=kind), holder_name=name,
            id_number_encrypted=token, id_number_index=index, id_number_masked=idnumbers.mask(id_number),
            issued_on=issued_on, authority=IssuingAuthority.objects.get(code=authority), **extra,
        )  # fmt: skip

    return add


def access_of(user: User | None, channel: str = AuditEvent.Channel.PAGE) -> Access:
    return Access(user=user, channel=channel, path="/test/")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_upload(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def jpeg_upload(name: str = "certificate.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")
