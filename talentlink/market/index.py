"""The candidate indexes of the matching, built once and queried many times (pure: no database).

A :class:`TalentIndex` holds every open profile's facts as columns (numpy arrays and sparse
matrices) beside a BM25 index of their text (``bm25s``); a :class:`JobIndex` does the same for
open jobs. A query applies :func:`matching.admits`' hard filters to the whole column at once,
then takes the union of the best :data:`SHORTLIST` by BM25 (query words found in more than
:data:`matching.COMMON_SHARE` of the documents dropped), the best by shared skills (an inverted
index: a documents × skills matrix) and, once there is feedback, the best by the log's liking
(ALS, ``ranker.Signals``), and ranks only those with :func:`matching.parts` and the learned or
hand-weighted score. Where the filters admit no more than the shortlist, every admitted document
is ranked: the result is then the exhaustive one.

``market/selectors.py`` builds an index per request over a small pool, or loads the one
``market_index`` saved (``save``/``load``: bm25s' own files, memory-mapped, beside numpy arrays).
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import scipy.sparse as sp

from talentlink.market import matching

logging.getLogger("bm25s").setLevel(logging.WARNING)

SHORTLIST = 150  # from each source of candidates
# Of the saved files: an index saved in another format is not read (the pool is indexed per request
# until `manage.py market_index` builds it again, which a deployment that changes it runs).
FORMAT = 5
_NONE = -1


class _Bits:
    """Ids (regions, industries, levels) given bit positions, up to 63 of each."""

    def __init__(self, keys: Iterable[Any] = ()) -> None:
        self.bit: dict[Any, int] = {}
        for key in keys:
            self.of(key)

    def of(self, key: Any) -> int:
        if key not in self.bit:
            if len(self.bit) >= 63:
                raise ValueError("more than 63 distinct values in one bit set")
            self.bit[key] = len(self.bit)
        return self.bit[key]

    def mask(self, keys: Iterable[Any]) -> int:
        return sum(1 << self.of(k) for k in set(keys))

    def known(self, keys: Iterable[Any]) -> int:
        """The mask of those keys already given a bit (a query's keys no document has)."""
        return sum(1 << self.bit[k] for k in set(keys) if k in self.bit)

    def keys(self, mask: int) -> frozenset[Any]:
        return frozenset(k for k, b in self.bit.items() if mask >> b & 1)


class TextIndex:
    """Segmented text and skills of the documents: BM25 and the skills' inverted index."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.docs: list[list[int]] = []
        self.skill_vocab: dict[str, int] = {}
        self.skill_rows: list[int] = []
        self.skill_cols: list[int] = []
        self.bm25: bm25s.BM25 | None = None
        self.df: np.ndarray = np.zeros(0)
        self.skills: sp.csr_matrix | None = None  # documents × skills: a document's skills
        self.holders: sp.csc_matrix | None = None  # the same by skill: who has a skill
        self.skill_names: list[str] = []
        self.avgdl = 1.0

    def add(self, tokens: Sequence[str], skills: Iterable[str]) -> None:
        row = len(self.docs)
        vocab = self.vocab
        self.docs.append([vocab.setdefault(t, len(vocab)) for t in tokens])
        for skill in skills:
            self.skill_rows.append(row)
            self.skill_cols.append(self.skill_vocab.setdefault(skill, len(self.skill_vocab)))

    def finish(self) -> None:
        n = len(self.docs)
        empty = self.vocab.setdefault("", len(self.vocab))
        docs = [doc or [empty] for doc in self.docs]
        self.avgdl = float(np.mean([len(doc) for doc in docs])) if docs else 1.0
        self.bm25 = bm25s.BM25()
        with warnings.catch_warnings():  # an index of no documents has no mean length to warn of
            warnings.simplefilter("ignore", RuntimeWarning)
            self.bm25.index((docs, self.vocab), show_progress=False)
        self.docs = []
        self.df = np.diff(np.asarray(self.bm25.scores["indptr"]))
        self.skills = sp.csr_matrix(
            (np.ones(len(self.skill_rows), dtype=np.float32), (self.skill_rows, self.skill_cols)),
            shape=(n, max(1, len(self.skill_vocab))),
        )
        self.skills.sum_duplicates()
        self.skills.data[:] = 1.0
        self.holders = self.skills.tocsc()
        self.skill_rows, self.skill_cols = [], []
        self.skill_names = sorted(self.skill_vocab, key=self.skill_vocab.__getitem__)

    @property
    def size(self) -> int:
        return int(self.bm25.scores["num_docs"]) if self.bm25 is not None else 0

    def text(self, query: Sequence[str]) -> np.ndarray:
        """BM25 of every document for the query, the words found in more than the common share
        of the documents dropped (from 20 documents on); unscaled."""
        assert self.bm25 is not None
        ids = sorted({self.vocab[w] for w in query if w in self.vocab and w})
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        if self.size >= 20:
            rare = [i for i in ids if self.df[i] <= matching.COMMON_SHARE * self.size]
            ids = rare or ids
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    def text_new(self, query: Sequence[str], documents: Sequence[Sequence[str]]) -> np.ndarray:
        """BM25 of documents not in the index (résumés saved since it was built) for the query, as
        if they were: the index's document frequencies, length and parameters (bm25s' Lucene
        variant); comparable with :meth:`text`."""
        assert self.bm25 is not None
        n, k1, b = self.size, self.bm25.k1, self.bm25.b
        words = {w for w in query if w in self.vocab and w}
        if n >= 20:
            words = {w for w in words if self.df[self.vocab[w]] <= matching.COMMON_SHARE * n} or words
        idf = {
            w: np.log(1 + (n - self.df[self.vocab[w]] + 0.5) / (self.df[self.vocab[w]] + 0.5)) for w in words
        }
        scores = np.zeros(len(documents), dtype=np.float32)
        for i, doc in enumerate(documents):
            norm = k1 * (1 - b + b * max(len(doc), 1) / self.avgdl)
            for word, idf_w in idf.items():
                tf = doc.count(word)
                if tf:
                    scores[i] += idf_w * tf / (tf + norm)
        return scores

    def shared(self, skills: Iterable[str]) -> np.ndarray:
        """How many of these skills each document has."""
        assert self.holders is not None
        shared = np.zeros(self.size, dtype=np.float32)
        for skill in set(skills):  # the skill's column of the inverted index: who has it
            if skill in self.skill_vocab:
                col = self.skill_vocab[skill]
                shared[self.holders.indices[self.holders.indptr[col] : self.holders.indptr[col + 1]]] += 1
        return shared

    def skills_of(self, row: int) -> frozenset[str]:
        assert self.skills is not None
        start, end = self.skills.indptr[row], self.skills.indptr[row + 1]
        return frozenset(self.skill_names[c] for c in self.skills.indices[start:end])

    def save(self, folder: Path) -> None:
        assert self.bm25 is not None and self.skills is not None
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        sp.save_npz(folder / "skills.npz", self.skills)
        saved = {"skills": self.skill_names, "avgdl": self.avgdl}
        (folder / "text.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TextIndex:
        self = cls()
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        self.vocab = self.bm25.vocab_dict
        self.df = np.diff(np.asarray(self.bm25.scores["indptr"]))
        self.skills = sp.load_npz(folder / "skills.npz").tocsr()
        self.holders = self.skills.tocsc()
        saved = json.loads((folder / "text.json").read_text(encoding="utf-8"))
        self.skill_names, self.avgdl = saved["skills"], saved["avgdl"]
        self.skill_vocab = {name: i for i, name in enumerate(self.skill_names)}
        return self


def _shortlist(admitted: np.ndarray, *signals: np.ndarray) -> np.ndarray:
    """The admitted rows worth ranking: all of them when few, else the union of the best
    :data:`SHORTLIST` by each signal (rows with a zero signal are not among its best)."""
    if len(admitted) <= SHORTLIST:
        return admitted
    chosen = []
    for signal in signals:
        values = signal[admitted]
        positive = np.flatnonzero(values > 0)
        if len(positive) > SHORTLIST:
            positive = positive[np.argpartition(-values[positive], SHORTLIST)[:SHORTLIST]]
        chosen.append(admitted[positive])
    rows = np.unique(np.concatenate(chosen)) if chosen else admitted[:0]
    if len(rows) < SHORTLIST:  # nothing in common in text or skills: fill with the first admitted
        rows = np.union1d(rows, admitted[: SHORTLIST - len(rows)])
    return rows


def _without(admitted: np.ndarray, ids: np.ndarray, exclude: Iterable[int]) -> np.ndarray:
    """The admitted rows less those whose ids are excluded (changed since the index was built)."""
    left_out = np.fromiter(exclude, dtype=np.int64)
    return admitted[~np.isin(ids[admitted], left_out)] if len(left_out) else admitted


def _scaled(text: np.ndarray, admitted: np.ndarray, rows: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """The BM25 of the shortlisted rows, then of the fresh documents, scaled to [0, 1] by the best
    of all admitted ones and the fresh."""
    best = max(float(text[admitted].max()) if len(admitted) else 0.0, float(fresh.max(initial=0.0)))
    return np.concatenate([text[rows], fresh]) / (best or 1.0)


# --- Talents ----------------------------------------------------------------------------------


@dataclass
class _TalentColumns:
    ids: np.ndarray
    home: np.ndarray
    desired: np.ndarray  # region bits
    shared: np.ndarray
    education: np.ndarray
    verified: np.ndarray  # level bits
    declared: np.ndarray
    fields: np.ndarray  # industry bits
    salary: np.ndarray  # -1: none given
    experience: np.ndarray
    occupation: np.ndarray  # position in the index's list of occupation codes
    district: np.ndarray  # -1: none given
    updated: np.ndarray  # days since 1970


class TalentIndex:
    """Every open profile, for the best candidates of a job."""

    def __init__(self, text: TextIndex, columns: _TalentColumns, regions: _Bits, fields: _Bits, levels: _Bits,
                 occupations: list[str], built_at: str = "") -> None:  # fmt: skip
        self.text, self.columns = text, columns
        self.regions, self.fields, self.levels = regions, fields, levels
        self.occupations = occupations
        self.built_at = built_at
        self._row = {int(pk): row for row, pk in enumerate(columns.ids)}
        self.cache: dict[str, Any] = {}  # what callers derive from the index once (selectors)

    @classmethod
    def build(cls, talents: Iterable[matching.TalentFacts], *, built_at: str = "") -> TalentIndex:
        text, regions, fields, levels = TextIndex(), _Bits(), _Bits(), _Bits()
        occupations: dict[str, int] = {"": 0}
        cols: dict[str, list[float]] = {name: [] for name in _TalentColumns.__dataclass_fields__}
        for t in talents:
            cols["occupation"].append(occupations.setdefault(t.occupation, len(occupations)))
            cols["district"].append(_NONE if t.district_id is None else t.district_id)
            cols["updated"].append(t.updated)
            text.add(t.tokens, t.skills)
            cols["ids"].append(t.id)
            cols["home"].append(t.home_region_id)
            cols["desired"].append(regions.mask(t.desired_region_ids))
            cols["shared"].append(t.shared_with_other_city)
            cols["education"].append(t.education_rank)
            cols["verified"].append(levels.mask(t.verified_levels))
            cols["declared"].append(levels.mask(t.declared_levels))
            cols["fields"].append(fields.mask(t.desired_field_ids))
            cols["salary"].append(_NONE if t.desired_salary is None else t.desired_salary)
            cols["experience"].append(t.experience_years)
        text.finish()
        dtypes = {"ids": np.int64, "home": np.int64, "desired": np.uint64, "shared": np.bool_,
                  "education": np.int8, "verified": np.uint64, "declared": np.uint64, "fields": np.uint64,
                  "salary": np.int64, "experience": np.int16, "occupation": np.int32, "district": np.int64,
                  "updated": np.float64}  # fmt: skip
        columns = _TalentColumns(**{k: np.asarray(v, dtype=dtypes[k]) for k, v in cols.items()})
        return cls(text, columns, regions, fields, levels, list(occupations), built_at)

    def __len__(self) -> int:
        return len(self.columns.ids)

    def admitted(self, job: matching.JobFacts, *, satisfies: matching.Satisfies) -> np.ndarray:
        """The rows :func:`matching.admits` lets through for this job, all at once."""
        c = self.columns
        if job.region_id not in self.regions.bit:
            return np.zeros(0, dtype=np.int64)
        mask = (c.desired & np.uint64(1 << self.regions.bit[job.region_id])) != 0
        mask &= (c.home == job.employer_region_id) | c.shared
        if job.education_rank:
            mask &= c.education >= job.education_rank
        if job.required_level:
            enough = self.levels.known(
                lv for lv in self.levels.bit if satisfies({lv}, job.required_level)
            )  # any one level held that satisfies the requirement is enough
            mask &= ((c.verified | c.declared) & np.uint64(enough)) != 0
        mask &= (c.salary < 0) | (c.salary <= job.salary_max)
        return np.flatnonzero(mask)

    def facts(self, row: int) -> matching.TalentFacts:
        c = self.columns
        return matching.TalentFacts(
            id=int(c.ids[row]), tokens=[], skills=self.text.skills_of(row), home_region_id=int(c.home[row]),
            desired_region_ids=self.regions.keys(int(c.desired[row])),
            shared_with_other_city=bool(c.shared[row]),
            education_rank=int(c.education[row]), verified_levels=self.levels.keys(int(c.verified[row])),
            declared_levels=self.levels.keys(int(c.declared[row])),
            desired_field_ids=self.fields.keys(int(c.fields[row])),
            desired_salary=None if c.salary[row] < 0 else int(c.salary[row]),
            experience_years=int(c.experience[row]), occupation=self.occupations[int(c.occupation[row])],
            district_id=None if c.district[row] < 0 else int(c.district[row]), updated=float(c.updated[row]),
        )  # fmt: skip

    def rank(self, job: matching.JobFacts, *, satisfies: matching.Satisfies, limit: int,
             model: matching.Model | None = None, exclude: Iterable[int] = (),
             extra: Sequence[matching.TalentFacts] = (),
             signals: matching.PairSignals | None = None,
             liking: np.ndarray | None = None) -> list[matching.Match]:  # fmt: skip
        """The best ``limit`` talents for a job. ``exclude``: profiles changed since the index was
        built, left out; ``extra``: their facts as they are now (and new ones), ranked beside;
        ``liking``: each row's affinity to the job's employer from the log (``ranker.Signals``),
        a third source of candidates once there is feedback."""
        admitted = _without(self.admitted(job, satisfies=satisfies), self.columns.ids, exclude)
        text = self.text.text(job.tokens)
        rows = _shortlist(
            admitted, text, self.text.shared(job.skills), *([liking] if liking is not None else [])
        )
        fresh = [t for t in extra if matching.admits(job, t, satisfies=satisfies)]
        texts = _scaled(text, admitted, rows, self.text.text_new(job.tokens, [t.tokens for t in fresh]))
        pairs = [(job, self.facts(int(r))) for r in rows] + [(job, t) for t in fresh]
        matches = matching.ranked(pairs, texts, satisfies, model, signals)
        return sorted(matches, key=lambda m: (-m.score, m.talent_id))[:limit]

    def features(self, job: matching.JobFacts, ids: Sequence[int], *, satisfies: matching.Satisfies,
                 signals: matching.PairSignals | None = None) -> list[dict[str, float]]:  # fmt: skip
        """The features (:data:`matching.FEATURES`) of the job paired with these profiles, as the
        ranking computes them (the ranker trains on them)."""
        rows = [self._row[i] for i in ids]
        text = self.text.text(job.tokens)[rows]
        best = float(text.max(initial=0.0)) or 1.0
        facts = [self.facts(r) for r in rows]
        return [
            matching.parts(
                job,
                talent,
                text=float(t) / best,
                satisfies=satisfies,
                signals=signals(job, talent) if signals else None,
            )[0]
            for talent, t in zip(facts, text, strict=True)
        ]

    def baseline(
        self, job: matching.JobFacts, *, satisfies: matching.Satisfies
    ) -> tuple[np.ndarray, np.ndarray]:
        """The admitted profiles' ids and their BM25 for the job, unranked (bench/matching.py
        compares BM25 alone with the ranking)."""
        admitted = self.admitted(job, satisfies=satisfies)
        return self.columns.ids[admitted], self.text.text(job.tokens)[admitted]

    def save(self, folder: Path) -> None:
        meta = {"regions": list(self.regions.bit), "fields": list(self.fields.bit),
                "levels": list(self.levels.bit), "occupations": self.occupations}  # fmt: skip
        _save(folder, self.text, self.columns.__dict__, self.built_at, meta)

    @classmethod
    def load(cls, folder: Path) -> TalentIndex | None:
        """The index saved in ``folder``; None where there is none or it is of an older format."""
        saved = _load(folder)
        if saved is None:
            return None
        text, arrays, meta = saved
        columns = _TalentColumns(**{k: arrays[k] for k in _TalentColumns.__dataclass_fields__})
        return cls(text, columns, _Bits(meta["regions"]), _Bits(meta["fields"]), _Bits(meta["levels"]),
                   meta["occupations"], meta["built_at"])  # fmt: skip


# --- Jobs -------------------------------------------------------------------------------------


class JobIndex:
    """Every open job, for the best jobs of a talent."""

    def __init__(
        self,
        text: TextIndex,
        jobs: dict[str, np.ndarray],
        levels: list[str],
        occupations: list[str],
        built_at: str = "",
    ) -> None:
        self.text, self.jobs, self.level_codes, self.built_at = text, jobs, levels, built_at
        self.occupations = occupations
        self.cache: dict[str, Any] = {}

    @classmethod
    def build(cls, jobs: Iterable[matching.JobFacts], *, built_at: str = "") -> JobIndex:
        text = TextIndex()
        levels: dict[str, int] = {"": 0}
        cols: dict[str, list[float]] = {k: [] for k in (
            "ids", "region", "employer_region", "education", "level", "field", "salary_min", "salary_max",
            "experience", "skills_n", "occupation", "employer", "district", "published")}  # fmt: skip
        occupations: dict[str, int] = {"": 0}
        for j in jobs:
            cols["occupation"].append(occupations.setdefault(j.occupation, len(occupations)))
            text.add(j.tokens, j.skills)
            cols["ids"].append(j.id)
            cols["region"].append(j.region_id)
            cols["employer_region"].append(j.employer_region_id)
            cols["education"].append(j.education_rank)
            cols["level"].append(levels.setdefault(j.required_level, len(levels)))
            cols["field"].append(_NONE if j.field_id is None else j.field_id)
            cols["salary_min"].append(j.salary_min)
            cols["salary_max"].append(j.salary_max)
            cols["experience"].append(j.experience_years)
            cols["skills_n"].append(len(j.skills))
            cols["employer"].append(j.employer_id)
            cols["district"].append(_NONE if j.district_id is None else j.district_id)
            cols["published"].append(j.published)
        text.finish()
        columns = {
            k: np.asarray(v, dtype=np.float64 if k == "published" else np.int64) for k, v in cols.items()
        }
        return cls(text, columns, list(levels), list(occupations), built_at)

    def __len__(self) -> int:
        return len(self.jobs["ids"])

    def admitted(self, talent: matching.TalentFacts, *, satisfies: matching.Satisfies) -> np.ndarray:
        j = self.jobs
        mask = np.isin(j["region"], list(talent.desired_region_ids))
        if not talent.shared_with_other_city:
            mask &= j["employer_region"] == talent.home_region_id
        mask &= talent.education_rank >= j["education"]
        held = set(talent.verified_levels | talent.declared_levels)
        met = [i for i, code in enumerate(self.level_codes) if not code or satisfies(held, code)]
        mask &= np.isin(j["level"], met)
        if talent.desired_salary is not None:
            mask &= j["salary_max"] >= talent.desired_salary
        return np.flatnonzero(mask)

    def facts(self, row: int) -> matching.JobFacts:
        j = self.jobs
        return matching.JobFacts(
            id=int(j["ids"][row]), tokens=[], skills=self.text.skills_of(row),
            region_id=int(j["region"][row]),
            employer_region_id=int(j["employer_region"][row]), education_rank=int(j["education"][row]),
            required_level=self.level_codes[int(j["level"][row])],
            field_id=None if j["field"][row] < 0 else int(j["field"][row]),
            salary_min=int(j["salary_min"][row]), salary_max=int(j["salary_max"][row]),
            experience_years=int(j["experience"][row]),
            occupation=self.occupations[int(j["occupation"][row])], employer_id=int(j["employer"][row]),
            district_id=None if j["district"][row] < 0 else int(j["district"][row]),
            published=float(j["published"][row]),
        )  # fmt: skip

    def rank(self, talent: matching.TalentFacts, *, satisfies: matching.Satisfies, limit: int,
             model: matching.Model | None = None, exclude: Iterable[int] = (),
             extra: Sequence[matching.JobFacts] = (),
             signals: matching.PairSignals | None = None,
             liking: np.ndarray | None = None) -> list[matching.Match]:  # fmt: skip
        """The best ``limit`` jobs for a talent (``exclude``, ``extra`` and ``liking``, the
        talent's affinity to each job's employer, as for talents)."""
        admitted = _without(self.admitted(talent, satisfies=satisfies), self.jobs["ids"], exclude)
        text = self.text.text(talent.tokens)
        coverage = self.text.shared(talent.skills) / np.maximum(self.jobs["skills_n"], 1)
        rows = _shortlist(admitted, text, coverage, *([liking] if liking is not None else []))
        fresh = [j for j in extra if matching.admits(j, talent, satisfies=satisfies)]
        texts = _scaled(text, admitted, rows, self.text.text_new(talent.tokens, [j.tokens for j in fresh]))
        pairs = [(self.facts(int(r)), talent) for r in rows] + [(j, talent) for j in fresh]
        matches = matching.ranked(pairs, texts, satisfies, model, signals)
        return sorted(matches, key=lambda m: (-m.score, m.job_id))[:limit]

    def baseline(
        self, talent: matching.TalentFacts, *, satisfies: matching.Satisfies
    ) -> tuple[np.ndarray, np.ndarray]:
        admitted = self.admitted(talent, satisfies=satisfies)
        return self.jobs["ids"][admitted], self.text.text(talent.tokens)[admitted]

    def save(self, folder: Path) -> None:
        _save(
            folder,
            self.text,
            self.jobs,
            self.built_at,
            {"levels": self.level_codes, "occupations": self.occupations},
        )

    @classmethod
    def load(cls, folder: Path) -> JobIndex | None:
        saved = _load(folder)
        if saved is None:
            return None
        text, jobs, meta = saved
        return cls(text, jobs, meta["levels"], meta["occupations"], meta["built_at"])


def _save(
    folder: Path, text: TextIndex, columns: dict[str, Any], built_at: str, meta: dict[str, Any]
) -> None:
    """An index's files: bm25s' own, the skills, the columns, and what names their codes."""
    folder.mkdir(parents=True, exist_ok=True)
    text.save(folder)
    np.savez(folder / "columns.npz", **columns)
    (folder / "meta.json").write_text(
        json.dumps({"format": FORMAT, "built_at": built_at, **meta}), encoding="utf-8"
    )


def _load(folder: Path) -> tuple[TextIndex, dict[str, np.ndarray], dict[str, Any]] | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT:
        return None
    with np.load(folder / "columns.npz") as arrays:
        columns = {k: arrays[k] for k in arrays.files}
    return TextIndex.load(folder), columns, meta
