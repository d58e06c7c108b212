"""Chinese text: word segmentation (rjieba), keywords, title seniority and TF-IDF similarity."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import rjieba
from scipy import sparse

_KEYWORD_SEPARATORS = re.compile(r"[,，、;；/|\s]+")
# Words that carry no meaning for matching experts to projects.
_STOP = frozenset(
    [
        "的", "了", "和", "与", "及", "或", "在", "是", "等", "对",
        "为", "从", "于", "并", "其", "中", "上", "下", "以", "及其",
        "以及", "一个", "一种", "我们", "研究", "开展", "相关", "进行", "基于", "有限公司",
        "公司",
    ]
)  # fmt: skip
_WORD = re.compile(r"\w", re.UNICODE)


def split_keywords(text: str) -> list[str]:
    """Keywords as typed by people: separated by commas, 、, semicolons or spaces."""
    return [k for k in _KEYWORD_SEPARATORS.split(text or "") if k]


def words(text: str) -> list[str]:
    """The meaningful words of a text, segmented precisely (for queries and similarity)."""
    return [w.lower() for w in rjieba.cut(text or "") if _WORD.search(w) and w not in _STOP]


def index_words(text: str) -> list[str]:
    """Words for the full-text index: the search mode also yields the parts of long words,
    so that 海洋生物 is found by 海洋 and by 生物."""
    return [w.lower() for w in rjieba.cut_for_search(text or "") if _WORD.search(w) and w not in _STOP]


def search_document(*parts: str) -> str:
    """Pre-segmented text, words separated by spaces, for FTS5 and PostgreSQL's 'simple' parser."""
    return " ".join(w for part in parts for w in index_words(part))


# Titles name their level in many ways: 正高级工程师, 教授, 研究员, 主任医师 … (checked in order).
_TITLE_LEVELS = [
    (4, ("正高", "教授级", "研究员", "主任医师", "主任药师", "主任护师", "编审", "正教授")),
    (3, ("副高", "副教授", "副研究员", "副主任", "高级")),
    (2, ("中级", "讲师", "助理研究员", "主治", "主管", "工程师", "经济师", "会计师", "一级教师", "技师")),
    (1, ("初级", "助理", "员级", "医师", "技术员", "二级教师")),
]
_SENIOR_EXACT = {"教授": 4}


def title_level(title: str) -> int:
    """The seniority (0–4) of a professional title as written in the registries."""
    title = (title or "").strip()
    if title in _SENIOR_EXACT:
        return _SENIOR_EXACT[title]
    for level, marks in _TITLE_LEVELS:
        if any(mark in title for mark in marks):
            return level
    return 0


def tfidf_cosine(left: Sequence[Iterable[str]], right: Sequence[Iterable[str]]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors (sublinear term frequency, smoothed IDF over both
    sides), left documents × right documents, from their words; sparse all the way."""
    counts = [Counter(doc) for doc in (*left, *right)]
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, document in enumerate(counts):
        for word, count in document.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
            values.append(1.0 + math.log(count))
    if not vocabulary:
        return np.zeros((len(left), len(right)))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(counts), len(vocabulary)))
    frequency = np.bincount(cols, minlength=len(vocabulary))
    matrix = matrix @ sparse.diags(np.log((1 + len(counts)) / (1 + frequency)) + 1.0)
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    matrix = sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ matrix
    similarity = (matrix[: len(left)] @ matrix[len(left) :].T).toarray()
    return np.clip(similarity, 0.0, 1.0)
