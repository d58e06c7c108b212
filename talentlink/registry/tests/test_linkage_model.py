"""The linkage model: the review queue names each field's level from its match weight."""

from __future__ import annotations

import math

from talentlink.registry.linkage import model


def test_each_levels_weight_names_that_level_and_a_missing_value_weighs_nothing():
    parameters = model.DEFAULT_PARAMETERS
    for column in model.COMPARISONS:
        labels = list(reversed(model.level_labels(column)))
        for label, (m, u) in zip(labels, parameters["comparisons"][column], strict=True):
            assert model.level_of(column, math.log2(m / u), parameters) == label, (column, label)
        assert model.level_of(column, 0.0, parameters) == "null"


def test_trained_parameters_override_the_defaults_for_naming_levels():
    trained = {"lambda": 0.1, "comparisons": {"phone": [[0.5, 0.25], [0.5, 0.75]]}}
    assert model.level_of("phone", 1.0, trained) == "exact"
    assert model.level_of("phone", math.log2(0.5 / 0.75), trained) == "else"
    assert model.level_of("name", 16.5, trained) == "exact", "other comparisons keep the defaults"
