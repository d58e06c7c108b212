"""Normalisation before linkage: ID numbers, names, phones and employers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from talentlink.registry.linkage import normalise


def test_a_fifteen_digit_id_number_becomes_its_eighteen_digit_form_with_birth_date_and_sex():
    facts = normalise.id_number("330203900307451")
    assert facts.value == "330203199003074513"
    assert (facts.valid, facts.birth_date, facts.sex) == (True, dt.date(1990, 3, 7), "M")


def test_a_lower_case_x_is_upper_cased_and_an_invalid_number_says_nothing_about_the_person():
    assert normalise.id_number("33020519780515106x").value == "33020519780515106X"
    broken = normalise.id_number("330203199003074512")
    assert (broken.valid, broken.birth_date, broken.sex) == (False, None, "")


def test_names_lose_spaces_and_middle_dots_and_keep_compound_surnames_whole():
    assert normalise.name("李 海 燕").clean == "李海燕"
    assert normalise.name("阿卜杜拉·买买提").clean == "阿卜杜拉买买提"
    ouyang = normalise.name("欧阳明")
    assert (ouyang.surname, ouyang.given, ouyang.pinyin) == ("欧阳", "明", "ouyang ming")


def test_surnames_are_read_as_surnames_in_the_pinyin_key():
    assert normalise.name("曾国藩").pinyin == "zeng guo fan"
    assert normalise.name("单雄信").pinyin.startswith("shan ")
    assert normalise.name("解缙").pinyin.startswith("xie ")
    assert normalise.name("区志明").pinyin.startswith("ou ")
    assert normalise.name("朴正").pinyin.startswith("piao ")
    assert normalise.name("仇英").pinyin.startswith("qiu ")
    assert normalise.name("查良镛").pinyin.startswith("zha ")


def test_homophones_share_the_pinyin_key_and_the_character_set_counts_shared_characters():
    assert normalise.name("张明华").pinyin == normalise.name("张铭华").pinyin
    assert set(normalise.name("张明华").characters) & set(normalise.name("张铭华").characters) == {"张", "华"}


def test_phones_keep_their_digits_without_the_country_code():
    assert normalise.phone("+86 138-0574-0001") == "13805740001"
    assert normalise.phone("0086 13805740001") == "13805740001"
    assert normalise.phone("n/a") == ""


def test_employer_names_are_reduced_to_their_core_and_abbreviations_expanded():
    assert normalise.employer_core("宁波海天石化股份有限公司") == "海天石化"
    assert normalise.employer_core("舟山海天石化有限公司（普陀分公司）") == "海天石化"
    assert normalise.employer_core("中石化镇海炼化分公司") == normalise.employer_core(
        "中国石油化工镇海炼化分公司"
    )
    assert normalise.employer_core("宁波港集团") == normalise.employer_core("舟山港集团有限公司")


ID_NUMBERS = [
    "330203900307451", "33020519780515106x", "330203199003074512", "３３０２０３１９９００３０７４５１３",
    " 330203 19900307 4513 ", "330203199002304513", "990203199003074513", "330000199003074513",
    "33020319900307451", "ABC", "", None, "330203990230451", "330203188001014518", "330203209901014513",
]  # fmt: skip


def test_whole_id_number_columns_agree_with_the_number_by_number_rules():
    columns = normalise.id_numbers(pa.array(ID_NUMBERS, pa.string()), today=dt.date(2026, 1, 1))
    for raw, value, birth, sex in zip(ID_NUMBERS, *(columns[k].to_pylist() for k in ("value", "birth", "sex")),
                                      strict=True):  # fmt: skip
        facts = normalise.id_number(raw)
        assert (value or "", birth, sex or "") == (
            facts.value,
            facts.birth_date.strftime("%Y%m%d") if facts.birth_date else None,
            facts.sex,
        ), raw


def test_whole_name_phone_and_employer_columns_agree_with_the_value_by_value_rules():
    raw_names = [
        "李 海 燕",
        "欧阳明",
        "欧阳",
        "王",
        "曾国藩",
        "阿卜杜拉·买买提",
        "John Smith",
        "",
        None,
        "李 海 燕",
        "单于2号",
    ]
    found = normalise.names(pa.array(raw_names, pa.string()))
    for raw, clean, pinyin, chars in zip(raw_names, *(found[k].to_pylist() for k in ("clean", "pinyin", "characters")),
                                         strict=True):  # fmt: skip
        expected = normalise.name(raw or "")
        assert (clean or "", pinyin or "", tuple(chars or ())) == (
            expected.clean,
            expected.pinyin,
            expected.characters,
        )
    raw_phones = [
        "+86 138-0574-0001",
        "0086 13805740001",
        "n/a",
        "0574-8765 4321",
        "１３８０５７４０００１",
        None,
    ]
    assert [p or "" for p in normalise.phones(pa.array(raw_phones, pa.string())).to_pylist()] == [
        normalise.phone(p) for p in raw_phones
    ]


def test_a_linkage_frame_has_one_row_per_record_with_the_derived_birth_date_and_sex():
    from talentlink.registry.linkage import engine

    records = [
        engine.RawRecord(1, "330200", "曾国藩", "330203900307451", "", None, "13805740001", "宁波海天石化股份有限公司",
                         "", "工程师", "制造业"),
        engine.RawRecord(2, "330900", "曾 国藩", "", "F", dt.date(1990, 3, 7), "", "", "", "", ""),
    ]  # fmt: skip
    frames = engine.prepare(records)
    ningbo, zhoushan = frames["330200"].to_pylist(), frames["330900"].to_pylist()
    assert ningbo[0]["id18"] == "330203199003074513" and ningbo[0]["id_body"] == "33020319900307451"
    assert (ningbo[0]["birth"], ningbo[0]["sex"], ningbo[0]["employer_core"]) == ("19900307", "M", "海天石化")
    assert (zhoushan[0]["id18"], zhoushan[0]["birth"], zhoushan[0]["sex"]) == (None, "19900307", "F")
    assert zhoushan[0]["name_pinyin"] == ningbo[0]["name_pinyin"] == "zeng guo fan"
