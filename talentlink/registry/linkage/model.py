"""The linkage model, kept in Python and built for each backend.

A Splink model saved as JSON carries SQL of the dialect it was trained on, so a
model trained on DuckDB does not run on Spark. The platform therefore keeps the
*definition* here (comparisons and blocking rules, written only with functions
both dialects have) and stores only the trained *parameters* (m and u of each
comparison level, and λ), which :func:`settings_for` applies to whichever
backend runs next.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator

# Comparisons as (output column, label, [(level label, creator)]). Labels are
# stable codes the review page translates; order matters (first match wins).
# The name levels compare the pinyin key and the character set, never raw
# Chinese with an edit distance (DuckDB counts bytes, not characters).
_SWAPPED_DAY_MONTH = (
    "substr(birth_l, 1, 4) = substr(birth_r, 1, 4) AND substr(birth_l, 5, 2) = substr(birth_r, 7, 2) "
    "AND substr(birth_l, 7, 2) = substr(birth_r, 5, 2)"
)


def _levels(term_frequencies: bool = True) -> dict[str, list[tuple[str, Any]]]:
    return {
        "id_number": [
            ("null", cll.NullLevel("id18")),
            ("exact", cll.ExactMatchLevel("id18")),
            # The body without its check character: a transposition the clerk's system gave a
            # fresh check character is one edit here (two on the whole number).
            ("one_edit", cll.DamerauLevenshteinLevel("id_body", 1)),
            ("else", cll.ElseLevel()),
        ],
        "name": [
            ("null", cll.NullLevel("name_clean")),
            # Weighed by how common the name is: 王波 agreeing says far less than 欧阳娜 agreeing
            # (term-frequency adjustment; the trained m/u stay those of an average name).
            ("exact", cll.ExactMatchLevel("name_clean", term_frequency_adjustments=term_frequencies)),
            ("same_pinyin", cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=term_frequencies)),
            ("two_characters", cll.ArrayIntersectLevel("name_chars", 2)),
            ("one_character", cll.ArrayIntersectLevel("name_chars", 1)),
            # No character in common: never merged without a person's review (see AUTOMATIC_VETO).
            ("else", cll.ElseLevel()),
        ],
        "birth_date": [
            ("null", cll.NullLevel("birth")),
            ("exact", cll.ExactMatchLevel("birth")),
            ("day_month_swapped", cll.CustomLevel(_SWAPPED_DAY_MONTH)),
            ("one_edit", cll.LevenshteinLevel("birth", 1)),
            ("else", cll.ElseLevel()),
        ],
        "sex": [
            ("null", cll.NullLevel("sex")),
            ("exact", cll.ExactMatchLevel("sex")),
            ("else", cll.ElseLevel()),
        ],
        "phone": [
            ("null", cll.NullLevel("phone")),
            ("exact", cll.ExactMatchLevel("phone")),
            ("else", cll.ElseLevel()),
        ],
        "employer": [
            ("null", cll.NullLevel("employer_core")),
            ("exact", cll.Or(cll.ExactMatchLevel("credit_code"), cll.ExactMatchLevel("employer_core"))),
            ("else", cll.ElseLevel()),
        ],
        "title": [
            ("null", cll.NullLevel("title")),
            ("exact", cll.ExactMatchLevel("title")),
            ("else", cll.ElseLevel()),
        ],
        "industry": [
            ("null", cll.NullLevel("industry")),
            ("exact", cll.ExactMatchLevel("industry")),
            ("else", cll.ElseLevel()),
        ],
    }


COMPARISONS = tuple(_levels())
# A pair at this level of a comparison goes to review whatever its probability: two records with
# one ID number and birth date but names without a character in common are a clerk's error (a
# valid number of someone else), not one person, far more often than the model's weights say.
AUTOMATIC_VETO = ("name", "else")
# Comparisons whose weight Splink adjusts by the frequency of the agreeing value (``mw_tf_adj_*``).
TF_ADJUSTED = ("name",)
TF_COLUMNS = ("name_clean", "name_pinyin")

# Each true pair agrees on at least one of these; together they keep recall high on the realistic
# error model (bench/linkage.py prints the blocking recall) while every block stays small. The
# last one reaches the records real registries leave thinnest: no ID number, no birth date, a
# changed phone, but the same name (or its sound) at the same employer.
BLOCKING_RULES = (
    ("id18",),
    ("phone",),
    ("name_pinyin", "birth_year"),
    ("surname", "birth"),
    ("name_pinyin", "employer_core"),
    ("name_clean", "sex"),
)
# A rule's further condition: the same name and sex alone would pair every 王伟 with every other
# (millions of pairs at two million records); only a record that has no ID number needs it.
BLOCKING_CONDITIONS: dict[tuple[str, ...], str] = {
    ("name_clean", "sex"): "(l.id18 IS NULL OR r.id18 IS NULL)"
}


def blocking_rule(rule: tuple[str, ...]) -> Any:
    """A blocking rule in Splink's terms, with its further condition if it has one."""
    condition = BLOCKING_CONDITIONS.get(rule)
    if condition is None:
        return block_on(*rule)
    # Plain identifiers: DuckDB and Spark SQL agree on them (Spark reads "x" as a string).
    agree = " AND ".join(f"l.{column} = r.{column}" for column in rule)
    return f"{agree} AND {condition}"


# Rules for EM: each leaves the comparisons it does not block on free to be estimated.
TRAINING_RULES = (("name_pinyin", "birth"), ("id18",))
# Rules whose agreement almost always means the same person, for estimating λ.
DETERMINISTIC_RULES = ("l.id18 = r.id18", "l.phone = r.phone AND l.name_pinyin = r.name_pinyin")

# Starting parameters (m, u per non-null level), measured on 2 × 50,000 demo records.
# A run trains its own once there are enough records; small registries use these.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "lambda": 0.12,
    "comparisons": {
        "id_number": [[0.9, 2e-7], [0.05, 1e-5], [0.05, 0.99999]],
        "name": [[0.9, 1e-5], [0.08, 1e-5], [0.01, 0.002], [0.005, 0.03], [0.005, 0.968]],
        "birth_date": [[0.95, 5e-5], [0.01, 1e-7], [0.03, 0.0005], [0.01, 0.9995]],
        "sex": [[0.999, 0.5], [0.001, 0.5]],
        "phone": [[0.85, 1e-6], [0.15, 0.999999]],
        "employer": [[0.75, 0.003], [0.25, 0.997]],
        "title": [[0.95, 0.12], [0.05, 0.88]],
        "industry": [[0.95, 0.08], [0.05, 0.92]],
    },
}


def settings_for(
    parameters: dict[str, Any] | None = None, *, sources: int = 2, term_frequencies: bool = True
) -> SettingsCreator:
    """Splink settings with the given parameters (the defaults when None).

    Built anew for every run, so the SQL is generated in the running backend's dialect. Name
    frequencies (``term_frequencies``) only weigh in a registry large enough to measure them: in
    a few thousand records every name is at least 1 in a few thousand, far commoner than the u
    of an exact name, and all names would count against a match.
    """
    parameters = parameters or DEFAULT_PARAMETERS
    comparisons: list[ComparisonCreator | dict[str, Any]] = []
    for column, levels in _levels(term_frequencies).items():
        trained = trained_levels(column, parameters)
        configured = [levels[0][1]]  # the null level has no parameters
        for (label, level), (m, u) in zip(levels[1:], trained, strict=True):
            configured.append(level.configure(m_probability=m, u_probability=u, label_for_charts=label))
        comparisons.append(cl.CustomComparison(comparison_levels=configured, output_column_name=column))
    return SettingsCreator(
        link_type="link_and_dedupe" if sources > 1 else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[blocking_rule(rule) for rule in BLOCKING_RULES],
        probability_two_random_records_match=parameters["lambda"],
        # Scored pairs keep each comparison's weight (mw_*), which the review queue shows and
        # names the level by (:func:`level_of`); the compared values are read from the database
        # for the few pairs shown, so millions of pairs do not carry two copies of every field.
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        unique_id_column_name="unique_id",
    )


def trained_levels(column: str, parameters: dict[str, Any] | None) -> list[list[float]]:
    """(m, u) of each non-null level of a comparison; the defaults where the parameters have none,
    or were trained when the comparison had other levels."""
    trained = (parameters or DEFAULT_PARAMETERS)["comparisons"].get(column)
    if not trained or len(trained) != len(_levels()[column]) - 1:
        return DEFAULT_PARAMETERS["comparisons"][column]
    return trained


def weight_of(column: str, label: str, parameters: dict[str, Any] | None) -> float:
    """The match weight, log2(m / u), of a comparison's level."""
    labels = [name for name, _ in _levels()[column][1:]]
    m, u = trained_levels(column, parameters)[labels.index(label)]
    return math.log2(m / u)


def level_labels(column: str) -> list[str]:
    """Level codes of a comparison, indexed by Splink's gamma value (null = -1 is not listed)."""
    return [label for label, _ in reversed(_levels()[column][1:])]


def level_of(column: str, weight: float, parameters: dict[str, Any] | None) -> str:
    """The level a comparison's match weight comes from.

    Splink's weight of a level is log2(m / u), and the null level weighs exactly 0, so
    the weight names the level without the comparison vector (``gamma_*``), which Splink
    keeps only together with every compared value.
    """
    if weight == 0:
        return "null"
    trained = trained_levels(column, parameters)
    labels = [label for label, _ in _levels()[column][1:]]
    distances = [abs(weight - math.log2(m / u)) for m, u in trained]
    return labels[distances.index(min(distances))]


def parameters_of(model: dict[str, Any]) -> dict[str, Any]:
    """The trained parameters of a Splink model dictionary (``save_model_to_json``)."""
    found: dict[str, Any] = {"lambda": model["probability_two_random_records_match"], "comparisons": {}}
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        found["comparisons"][comparison["output_column_name"]] = [
            [_probability(lv.get("m_probability")), _probability(lv.get("u_probability"))] for lv in levels
        ]
    return found


def _probability(value: Any) -> float:
    # An untrained level (no pair fell into it) keeps a neutral, tiny value.
    return float(value) if isinstance(value, int | float) and value > 0 else 1e-6
