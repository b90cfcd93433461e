"""The recipe matrix of issue 16 (``sanitize_lab.matrix``) on a few cheap cells: fine-tuned without any
stated penalty, the update (``l2='auto'``) lands within the targets of retraining.

Only cells measured to pass are asserted here; the full matrix, failing cells included, is in the README
(``python -m sanitize_lab.matrix --cells all``).
"""

from __future__ import annotations

import math

import pytest

from sanitize_lab import matrix as X


@pytest.fixture(scope="module")
def shared() -> X.Shared:
    import torch

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    return X.build(seed=0)


def _check(shared: X.Shared, cell: str, variant: str, retrain_seeds: int = 0) -> X.Row:
    (row,) = X.run_cell(shared, cell, [variant], retrain_seeds=retrain_seeds)
    print(X.HEADER + "\n" + row.line())
    assert row.error is None, row.line()
    assert max(b - r for b, r in zip(row.before, row.retrained)) >= 2.0, "nothing memorised: " + row.line()
    for k, (a, r) in enumerate(zip(row.after, row.retrained)):
        assert a <= r + 1.0, f"secret {k}: {a:.2f} bits vs retrained {r:.2f}: {row.line()}"
    before, after, retrained = row.ppl
    assert after <= 1.01 * before and after <= 1.03 * retrained, row.line()
    assert row.regulariser["lambda"] > 0 and row.regulariser["source"] == (
        "schedule" if variant == "log" else "fit"
    )
    assert row.products <= 64  # UpdateConfig.max_products: the budget fixed up front
    return row


def test_recipe_and_training_log() -> None:
    scope, config = X.recipe("adamw01:linear:3", 464)
    assert scope == "adapter" and config.weight_decay == 0.01 and config.max_steps == 3 * 29
    log = X.training_log({"optimizer": "sgd", "steps": 4, "learning_rate": 1.0, "schedule": "linear"})
    assert log is not None and log.lrs == [1.0, 0.75, 0.5, 0.25] and log.optimizer == "sgd"
    assert X.training_log({"optimizer": "lbfgs", "steps": 10}) is None
    assert X.recipe("head-lbfgs:-:500", 464)[1].optimizer == "lbfgs"


def test_sgd_linear_with_the_training_log(shared: X.Shared) -> None:
    _check(shared, "sgd:linear:3", "log")


def test_sgd_constant_without_any_log(shared: X.Shared) -> None:
    """Nothing about the training passed: the stationarity fit at θ̂ sees no pull toward θ_ref (λ* <= 0), the
    fit along the path θ_ref -> θ̂ does (measured +2.97 bits over retraining with the point fit's fallback
    λ = 1e-6; +0.41 with the path's λ 0.019)."""
    _check(shared, "sgd:constant:3", "fit")


def test_head_adamw_without_any_log(shared: X.Shared) -> None:
    """The untied head fine-tuned with AdamW, its start (the base model's head) passed as the reference: the
    secrets' pull is averaged along base head -> fine-tuned head (``pair_path``), where a memorised secret's
    gradient has not vanished (measured +0.10 bits over retraining; +2.14 with the gradient at the end point)."""
    row = _check(shared, "head-adamw:constant:20", "fit", retrain_seeds=1)
    # the band: the highest retrained exposure per secret over seeds 0 and 1 (another batch order)
    assert len(row.band) == len(row.retrained) and all(b >= r for b, r in zip(row.band, row.retrained))
    assert row.band != row.retrained, "a second batch order retrained to identical exposures"
    assert row.band_gap == max(a - b for a, b in zip(row.after, row.band)) <= row.gap


def test_logit_step_candidates_are_the_ten_digits(shared: X.Shared) -> None:
    """The candidate mask: the ten ASCII digits (not ² or ³, which str.isdigit accepts and which dragged the mean
    down) at each digit of a secret, and those plus the end token at the token after its last digit."""
    from sanitize.influence.refine import replaced_spans
    from sanitize.influence.tasks import collate_sequences
    from sanitize_lab.logit_step import candidate_mask

    _, secrets = replaced_spans(shared.pairs)
    batch = collate_sequences(secrets)
    labels, mask = batch.input_ids[:, 1:], batch.loss_mask[:, 1:]
    counts = candidate_mask(shared.tokenizer, labels, mask).sum(-1)  # (B, L-1)
    for row, m, c in zip(labels, mask, counts):
        tokens = shared.tokenizer.convert_ids_to_tokens(row[m.bool()].tolist())
        got = c[m.bool()].tolist()
        # one count per digit, then the end token's
        assert got == [10.0] * (len(tokens) - 1) + [11.0], (tokens, got)


def test_logit_step_demotes_every_secret_of_a_short_cell(shared: X.Shared) -> None:
    """The lab's logit-space step (issue 16) on `adamw0:linear:3` (measured: +0.69 bits, 10 rounds, 6.8 s): every
    secret is demoted, within 1 bit of retraining, and the first linearised step explains a good part of the
    candidates' residual (stop 43's all-vocabulary target: 8% of its norm)."""
    from sanitize_lab.logit_step import LogitStepConfig, run

    r = run(shared, "adamw0:linear:3", LogitStepConfig())
    assert all(a < b for a, b in zip(r["after"], r["before"])), r
    assert r["gap"] <= 1.0, r
    assert r["rounds"][0]["explained"] >= 0.3 and r["rounds"][0]["alpha"] > 0, r["rounds"][0]
    accepted = [x for x in r["rounds"] if x["alpha"] > 0]  # the last record may be the refused step
    assert accepted[-1]["val_loss"] <= accepted[-1]["val_loss_before"] + math.log1p(0.01), accepted[-1]
