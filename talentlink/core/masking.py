"""Masked forms of personal data, for readers who may see that a person is there but not who.

Names follow what government platforms show: the surname kept, every other character of the name
a ``*`` (张伟 → 张*, 欧阳明 → 欧阳*, 李海燕 → 李**). ID numbers keep their region and last four
characters (:func:`talentlink.core.idnumbers.mask`, 330203********1234).
"""

from __future__ import annotations

import re
import unicodedata

# Two-character surnames: 欧阳明's surname is 欧阳, not 欧. The registry's linkage splits names by
# this list too (registry/linkage/normalise.py).
_COMPOUND = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 长孙 宇文 司徒 轩辕 端木 独孤 南宫 西门 "
    "百里 呼延 申屠 太史 闻人 万俟 澹台 公冶 宗政 濮阳 淳于 单于 钟离 赫连 东郭 左丘 公羊 拓跋 "
    "第五 梁丘 闾丘 亓官 司空 司寇 子车 颛孙 巫马 公西 漆雕 乐正 壤驷 谷梁 段干 太叔 仲孙"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())
# What separates the parts of a name (阿卜杜拉·买买提, John Smith): shown as it is, never masked.
_SEPARATORS = frozenset(" ·•・‧∙.-'")
# A space beside a Chinese character is a typing slip (欧阳 明), one between Latin words is not.
_CJK_SPACE = re.compile(r"\s+(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])\s+")


def mask_name(name: str | None) -> str:
    """A person's name with the surname kept and each other character a ``*``: 张伟 → 张*,
    欧阳明 → 欧阳*, John Smith → J*** *****; a one-character name is a surname alone and stays."""
    text = _CJK_SPACE.sub("", " ".join(unicodedata.normalize("NFKC", name or "").split()))
    if not text:
        return ""
    # A compound surname counts only before a given name: 司马 alone is 司 with the given name 马.
    kept = 2 if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else 1
    return text[:kept] + "".join(c if c in _SEPARATORS else "*" for c in text[kept:])
