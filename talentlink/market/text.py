"""Chinese text for the market's search: segmented with rjieba (the Rust jieba; Python jieba does
~600 profiles/s here, rjieba ~6,000/s) in its search mode, with the occupational classification's
names and recruitment titles (CSCO 2022, market/data/csco22.csv) as a user dictionary, so that a
title is one word beside its parts (化工工艺工程师 and 化工, 工艺, 工程师); lower-cased, punctuation
dropped."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import rjieba

_WORD = re.compile(r"\w", re.UNICODE)


@functools.cache
def _segmenter() -> rjieba.Jieba:
    from talentlink.market.occupations import catalogue_rows

    jieba = rjieba.Jieba()
    for row in catalogue_rows():
        for title in (row.name, *row.aliases):
            title = unicodedata.normalize("NFKC", title).lower().strip()
            if 3 <= len(title) <= 12 and not any(c.isspace() for c in title):
                jieba.add_word(title, None, None)
    return jieba


def tokens(text: str) -> list[str]:
    """The words of ``text`` for BM25: segmented, lower-cased, without punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return [t for t in (w.strip() for w in _segmenter().cut_for_search(text)) if t and _WORD.search(t)]


def skill_key(skill: str) -> str:
    """A skill as compared between a job and a profile: NFKC, lower-case, no inner spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", skill or "").lower())


def skills_parse(text: str | Iterable[str]) -> list[str]:
    """Skills typed as one line ("Python、催化；港口调度, 英语") or given as a list: trimmed, each once."""
    parts = re.split(r"[,，、;；/\n]+", text) if isinstance(text, str) else list(text)
    seen: dict[str, str] = {}
    for part in parts:
        skill = unicodedata.normalize("NFKC", part).strip()
        if skill and skill_key(skill) not in seen:
            seen[skill_key(skill)] = skill[:40]
    return list(seen.values())[:30]
