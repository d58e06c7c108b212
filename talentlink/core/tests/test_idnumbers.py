from __future__ import annotations

import datetime as dt

import pytest

from talentlink.core import idnumbers


@pytest.mark.parametrize(
    ("raw", "value", "born", "sex"),
    [
        ("330203199003074513", "330203199003074513", dt.date(1990, 3, 7), "M"),
        ("330212198511230027", "330212198511230027", dt.date(1985, 11, 23), "F"),
        ("33020519780515106x", "33020519780515106X", dt.date(1978, 5, 15), "F"),
        (" 11010519491231002X ", "11010519491231002X", dt.date(1949, 12, 31), "F"),
    ],
)
def test_valid_numbers_are_normalised_and_decoded(raw, value, born, sex):
    parsed = idnumbers.parse(raw)
    assert (parsed.value, parsed.birth_date, parsed.sex) == (value, born, sex)


def test_a_fifteen_digit_number_is_converted_to_eighteen():
    parsed = idnumbers.parse("330203900307451")
    assert parsed.value == "330203199003074513"
    assert parsed.converted_from_15


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("3302031990030745", "length"),
        ("33020319900307451A", "characters"),
        ("990203199003074513", "region"),
        ("330203199002304513", "birth_date"),
        ("330203209903074513", "birth_date"),
        ("330203199003074512", "checksum"),
    ],
)
def test_invalid_numbers_are_refused_with_their_reason(raw, code):
    with pytest.raises(idnumbers.IdNumberError) as caught:
        idnumbers.parse(raw)
    assert caught.value.code == code


def test_masking_keeps_the_region_and_the_last_four_characters():
    assert idnumbers.mask("330203199003074513") == "330203********4513"
