"""Fixtures of the registry's tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from talentlink.registry import demo
from talentlink.registry.tests.test_imports import run_import

SIZE = 150  # records per city; 45 people in both cities


@pytest.fixture
def linked(nb_office, zs_office, tmp_path, django_capture_on_commit_callbacks):
    """Both cities' demo exports imported (each import links itself); returns the truth."""
    paths = demo.write_exports(out_dir=tmp_path, size=SIZE, overlap=0.3, seed=7)
    with django_capture_on_commit_callbacks(execute=True):
        run_import(nb_office, paths["ningbo-talent-db"])
    with django_capture_on_commit_callbacks(execute=True):
        run_import(zs_office, paths["zhoushan-talent-info"], source="zhoushan-talent-info")
    return truth_of(paths["truth"])


def truth_of(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8") as handle:
        return {(row["region"], row["source_key"]): row["person_uid"] for row in csv.DictReader(handle)}
