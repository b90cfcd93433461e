"""Certified feature unlearning on the synthetic corpus: the Newton step's gradient residual is below the
data-independent bound and far below the original model's, the noise follows Guo et al.'s formula, and
the step lands next to the retrained optimum."""

from __future__ import annotations

import math

import pytest

from sanitize_lab.features import FeatureExperimentConfig, replacement_bound, run


def test_newton_removal_of_a_word_is_certified_and_close_to_retraining() -> None:
    result = run(FeatureExperimentConfig(l2=1e-2, eps=0.5, delta=1e-5))
    rows = {r["method"]: r for r in result["rows"]}
    assert result["affected"] > 10 and result["word_in_vocabulary"]
    assert result["residual"] <= result["bound"]
    assert rows["second_order"]["residual"] < 0.1 * rows["original"]["residual"]
    assert rows["second_order"]["distance_to_retrain"] < 0.1 * rows["original"]["distance_to_retrain"]
    c = math.sqrt(2 * math.log(1.5 / 1e-5))
    assert result["sigma"] == pytest.approx(c * result["residual"] / 0.5)
    assert result["sigma_bound"] == pytest.approx(c * result["bound"] / 0.5)
    assert rows["second_order"]["test_accuracy"] >= rows["retrain"]["test_accuracy"] - 0.02


def test_bound_formula() -> None:
    assert replacement_bound(100, 1, 0.1) == pytest.approx(4 * 0.25 / (0.01 * 100))
    assert replacement_bound(100, 3, 0.1) == pytest.approx(9 * replacement_bound(100, 1, 0.1))
    with pytest.raises(ValueError):
        replacement_bound(100, 1, 0.0)
