"""Label unlearning on the tiny poisoned topic classifier: the update restores clean accuracy to
within a stated margin of retraining, clearly above the poisoned model, and the attack stops working.
Margins are those of the README at this (test-sized) scale: 400 training sentences, 10 epochs."""

from __future__ import annotations

import pytest

from sanitize.influence.classification import LabelUnlearnConfig
from sanitize_lab.labels import LabelExperimentConfig, make_corpus, poison, run, setup


def _rows(attack: str, update: LabelUnlearnConfig, fraction: float) -> dict[str, dict]:  # type: ignore[type-arg]
    cfg = LabelExperimentConfig(
        attack=attack, l2=1e-2, poison_fraction=fraction, n_train=400, n_test=400, epochs=10
    )
    return {r["method"]: r for r in run(setup(cfg), methods=["retrain", "second_order"], update=update)}


def test_flipped_labels_head_update_restores_accuracy() -> None:
    rows = _rows("flip", LabelUnlearnConfig(scope="head", l2=1e-2, rounds=5, line_search=True), 0.15)
    bad, fixed, ref = rows["poisoned"], rows["second_order"], rows["retrain"]
    assert fixed["clean_accuracy"] >= bad["clean_accuracy"] + 0.05  # clearly above the poisoned model
    assert fixed["clean_accuracy"] >= ref["clean_accuracy"] - 0.1  # within 0.1 of retraining
    assert fixed["attack_success"] <= 0.5 * bad["attack_success"]


def test_backdoor_update_over_all_weights_removes_the_trigger() -> None:
    update = LabelUnlearnConfig(scope="params", params=["*"], solver="cg", max_iter=20, damping=1e-3, l2=1e-2,
                                line_search=True)  # fmt: skip
    rows = _rows("backdoor", update, 0.05)
    bad, fixed, ref = rows["poisoned"], rows["second_order"], rows["retrain"]
    assert bad["attack_success"] > 0.4  # the backdoor works on the poisoned model
    assert fixed["attack_success"] <= 0.5 * bad["attack_success"]
    assert fixed["clean_accuracy"] >= ref["clean_accuracy"] - 0.08


def test_poison_is_seeded_and_touches_the_stated_share() -> None:
    clean = make_corpus(200, seed=3)
    assert clean == make_corpus(200, seed=3)
    for attack in ("flip", "backdoor"):
        cfg = LabelExperimentConfig(attack=attack, poison_fraction=0.1, n_train=200, seed=3)
        bad = poison(clean, cfg)
        assert len(bad.indices) == 20 and all(bad.train[i][1] == cfg.target for i in bad.indices)
        assert all(y != cfg.target for y in bad.correct)
        assert ("cf" in bad.train[bad.indices[0]][0].split()) == (attack == "backdoor")
    with pytest.raises(ValueError):
        poison(clean, LabelExperimentConfig(attack="flip", poison_fraction=0.5, n_train=200))
