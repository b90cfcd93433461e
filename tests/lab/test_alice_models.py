"""The from-scratch models of the Alice experiment: the paper's L2 penalty is trained with and stated."""

from __future__ import annotations

import torch
from support import TINY_TEXTS

from sanitize.influence.config import UpdateConfig
from sanitize_lab.alice import update_config
from sanitize_lab.alice_models import BaseModelConfig, make_tokenizer, train_scratch


def test_the_training_penalty_shrinks_the_weights_and_is_stated_to_the_update() -> None:
    plain = BaseModelConfig(vocab_size=300, hidden=16, layers=1, heads=2, pretrain_steps=30, max_length=24)
    penalised = BaseModelConfig(**{**plain.to_dict(), "l2": 0.5})
    tok = make_tokenizer(TINY_TEXTS, plain)
    norms = []
    for config in (plain, penalised):
        model, _ = train_scratch(TINY_TEXTS, tok, config, seed=0)
        norms.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]).norm().item())
    assert norms[1] < 0.9 * norms[0], norms  # same seed and batches: only the penalty differs
    assert update_config(UpdateConfig(), penalised, 3).l2 == 0.5
    assert update_config(UpdateConfig(), plain, 3).l2 == "auto"
    assert update_config(UpdateConfig(l2=1e-2), penalised, 3).l2 == 1e-2  # a stated value wins
    cfg = update_config(UpdateConfig(), penalised, 3)
    assert (cfg.scope, cfg.params, cfg.seed) == ("params", ["*"], 3)
