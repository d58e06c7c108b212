"""What the expert pool's pages show a reader in Chinese: headings and options in the language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_round_list_heads_the_rounds_column_as_rounds_not_as_a_persons_name(nb_office, client_of):
    page = client_of(nb_office).get("/experts/rounds/").content.decode()
    header = page.split('<table id="rounds">')[1].split("</tr>")[0]
    assert "<th>评审批次</th>" in header and "姓名" not in header


def test_the_title_filter_offers_its_levels_in_chinese(nb_office, client_of):
    page = client_of(nb_office).get("/experts/").content.decode()
    options = page.split('name="title_level_min"')[1].split("</select>")[0]
    assert ">初级<" in options and ">副高级<" in options and "Junior" not in options
