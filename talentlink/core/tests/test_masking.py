from __future__ import annotations

import pytest
from django.template import Context, Template

from talentlink.core.masking import mask_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张伟", "张*"),
        ("李海燕", "李**"),
        ("欧阳明", "欧阳*"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("上官婉儿", "上官**"),
    ],
)
def test_the_surname_is_kept_and_each_other_character_is_a_star(name, shown):
    assert mask_name(name) == shown


def test_a_two_character_name_that_spells_a_compound_surname_keeps_only_the_first():
    # 司马 alone is the surname 司 and the given name 马: the whole name must not show.
    assert mask_name("司马") == "司*"


def test_a_one_character_name_is_a_surname_alone_and_shows_as_it_is():
    assert mask_name("张") == "张"


def test_spaces_clerks_type_inside_a_chinese_name_are_dropped():
    assert mask_name(" 欧阳　明 ") == "欧阳*"
    assert mask_name("张 伟") == "张*"


def test_a_transcribed_name_keeps_its_middle_dot():
    assert mask_name("阿卜杜拉·买买提") == "阿***·***"


def test_a_latin_name_keeps_its_first_letter_and_its_spaces():
    assert mask_name("John Smith") == "J*** *****"
    assert mask_name("O'Neil  Mary-Ann") == "O'**** ****-***"


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_name_stays_empty(empty):
    assert mask_name(empty) == ""


def test_templates_mask_through_the_same_helper():
    page = Template("{% load masking %}{{ a|masked_name }}|{{ b|masked_name|default:'—' }}")
    assert page.render(Context({"a": "欧阳明", "b": None})) == "欧阳*|—"
