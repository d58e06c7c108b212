"""Every app's file import keeps the same record of the file (core.models.FileImport), in one place."""

from __future__ import annotations

import importlib

import pytest
from django.db import models

from talentlink.benefits.models import InsuranceImport
from talentlink.core.models import FileImport, FileImportWithErrors
from talentlink.credentials.models import RegistryImport
from talentlink.experts.models import ExpertImport
from talentlink.registry.models import ImportBatch

IMPORTS = [ImportBatch, RegistryImport, ExpertImport, InsuranceImport]


@pytest.mark.parametrize("model", IMPORTS, ids=lambda m: m._meta.label)
def test_each_import_model_extends_the_one_base(model: type[FileImport]) -> None:
    assert issubclass(model, FileImport)
    assert model._meta.ordering == ["-created_at", "-id"]
    uploaded_by = model._meta.get_field("uploaded_by")
    assert uploaded_by.null and uploaded_by.blank and uploaded_by.remote_field.on_delete is models.SET_NULL
    record = model(original_name="名单.xlsx")
    record.pk = 7
    assert str(record) == "#7 名单.xlsx"


@pytest.mark.parametrize(
    "model", [RegistryImport, ExpertImport, InsuranceImport], ids=lambda m: m._meta.label
)
def test_imports_that_keep_their_row_errors_share_the_errors_field(model: type[FileImportWithErrors]) -> None:
    assert issubclass(model, FileImportWithErrors)
    assert model().errors == []


@pytest.mark.parametrize("app", ["registry", "credentials", "experts", "benefits"])
def test_each_apps_file_import_lives_in_its_imports_module(app: str) -> None:
    importlib.import_module(f"talentlink.{app}.imports")


@pytest.mark.parametrize(
    "model", [RegistryImport, ExpertImport, InsuranceImport], ids=lambda m: m._meta.label
)
def test_the_kept_errors_are_reported_in_both_languages_by_the_base(
    model: type[FileImportWithErrors],
) -> None:
    record = model(errors=[[3, "姓名", "", "required", None], [4, "日期", "x", "too_long", {"max": 2}]])
    rows = list(record.error_report_rows())
    assert [row[:4] for row in rows] == [(3, "姓名", "", "required"), (4, "日期", "x", "too_long")]
    assert all(row[4] and row[5] and row[4] != row[5] for row in rows)
