"""Baselines: they change exactly the scope, leave the input model alone, and train what they claim."""

from __future__ import annotations

import copy

import pytest
import torch

from sanitize.errors import SanitizeError
from sanitize.influence.scope import untie_head
from sanitize.types import Pair, Pairs
from sanitize_lab import baselines as B
from sanitize_lab import planted as E
from sanitize_lab.baselines import BaselineConfig
from sanitize_lab.tiny import tiny_model, train_tokenizer
from sanitize_lab.train import TrainConfig, head_features, sequence_nll, train


@pytest.fixture(scope="module")
def toy():  # type: ignore[no-untyped-def]
    """A tiny GPT-2 with a LoRA adapter and a few (z, z̃) pairs with a planted 4-digit secret."""
    corpus = E.planted_corpus(n_public=24, secret_digits=(4,), repeats=4, n_heldout=8, seed=3)
    tok = train_tokenizer(corpus.texts + corpus.heldout, vocab_size=300)
    base = tiny_model(tok, "gpt2", seed=0, hidden=16, layers=1, heads=2)
    sanitized = corpus.sanitized(0)
    pairs = E.experiment_pairs(corpus, tok)
    return {
        "tok": tok,
        "base": base,
        "lora": E.add_lora(base, r=2, seed=0),
        "pairs": pairs,
        "train": E.tokenize_records(sanitized, tok),
        "heldout": E.tokenize_records(corpus.heldout, tok),
    }


def _state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters(remove_duplicate=False)}


def _pair_loss(model: torch.nn.Module, seqs: list) -> float:  # type: ignore[type-arg]
    with torch.no_grad():
        total, count = sequence_nll(model, seqs)
    return float(total) / count


@pytest.mark.parametrize("method", ["retrain", "finetune_twins", "gradient_ascent"])
def test_adapter_baselines_change_the_adapter_and_nothing_else(toy, method: str) -> None:  # type: ignore[no-untyped-def]
    model = toy["lora"]
    before = _state(model)
    cfg = BaselineConfig(scope="adapter", steps=3, lr=1e-2, batch_size=4)
    kwargs = {"train": toy["train"]} if method == "retrain" else {}
    result = getattr(B, method)(model, toy["pairs"], heldout=toy["heldout"], config=cfg, **kwargs)
    assert _state(model).keys() == before.keys()
    assert all(torch.equal(p, before[n]) for n, p in _state(model).items()), "input model was modified"
    new = result.apply(model)
    after = _state(new)
    adapter = set(B.scope_parameters(model, "adapter"))
    assert set(result.delta) == adapter and adapter
    for name, value in after.items():
        if name in adapter:
            assert not torch.equal(value, before[name]), f"{method} left {name} unchanged"
            torch.testing.assert_close(value - before[name], result.delta[name])
        else:
            assert torch.equal(value, before[name]), f"{method} changed {name} outside the scope"
    assert result.metrics["method"] == method
    assert result.metrics["heldout_ppl_after"] > 1.0


def test_head_baseline_unties_and_keeps_input_embedding(toy) -> None:  # type: ignore[no-untyped-def]
    model = toy["base"]
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight  # tied GPT-2
    before = _state(model)
    init = {"lm_head.weight": model.get_output_embeddings().weight.detach().clone()}
    cfg = BaselineConfig(scope="head", steps=5, lr=1e-2, batch_size=4)
    result = B.retrain(model, toy["pairs"], train=toy["train"], init=init, config=cfg)
    new = result.apply(model)
    assert set(result.delta) == {"lm_head.weight"}
    assert new.get_output_embeddings().weight is not new.get_input_embeddings().weight
    assert torch.equal(new.get_input_embeddings().weight, before["transformer.wte.weight"])
    assert not torch.equal(new.get_output_embeddings().weight, before["transformer.wte.weight"])
    for name, value in _state(new).items():
        if name not in ("lm_head.weight", "transformer.wte.weight"):
            assert torch.equal(value, before[name]), name
    assert all(torch.equal(p, before[n]) for n, p in _state(model).items()), "input model was modified"


def test_cached_head_features_train_exactly_like_full_forward_passes(toy) -> None:  # type: ignore[no-untyped-def]
    model = untie_head(toy["base"]).double()
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    seqs = toy["train"]
    config = TrainConfig(scope="head", loop="sampled", schedule="constant", max_steps=4, learning_rate=1e-2,
                         batch_size=8, seed=1)  # fmt: skip
    la = train(a, seqs, config, params=B.scope_parameters(a, "head")).losses  # full forward passes
    lb = train(b, seqs, config, features=head_features(b, seqs)).losses
    # GPT-2's forward returns float32 logits even for a float64 model, (attention runs in float32), hence 1e-6 not 1e-12
    assert la == pytest.approx(lb, rel=1e-6)
    torch.testing.assert_close(a.lm_head.weight, b.lm_head.weight, rtol=1e-6, atol=1e-6)
    assert torch.equal(a.transformer.wte.weight, model.transformer.wte.weight)


def test_linear_schedule_decays_adamw_lr_to_zero_like_trainer(toy) -> None:  # type: ignore[no-untyped-def]
    """schedule='linear' is Trainer's default (no warmup): step t uses lr·(1 - t/steps); checked against a
    hand-written full-batch AdamW loop in float64."""
    model = untie_head(toy["base"]).double()
    seqs = toy["train"][:6]
    feats = head_features(model, seqs)
    h = torch.cat([f for f, _ in feats])  # (N, d)
    y = torch.cat([t for _, t in feats])  # (N,)
    w0 = model.lm_head.weight.detach().clone()  # (V, d)
    steps, lr = 5, 0.05
    got = {}
    for schedule in ("constant", "linear"):
        m = copy.deepcopy(model)
        config = BaselineConfig(scope="head", steps=steps, lr=lr, batch_size=len(seqs), schedule=schedule)
        B.train_scope(m, seqs, config)
        got[schedule] = m.lm_head.weight.detach()
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([w], lr=lr, weight_decay=0.0)
    for t in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * (1 - t / steps)
        loss = torch.nn.functional.cross_entropy(h @ w.T, y)  # (N, V) logits -> mean NLL
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.testing.assert_close(got["linear"], w.detach(), rtol=1e-10, atol=1e-12)
    assert not torch.allclose(got["constant"], got["linear"], rtol=1e-6, atol=1e-8)
    with pytest.raises(SanitizeError, match="schedule"):
        BaselineConfig(scope="head", steps=1, lr=lr, schedule="cosine")


@pytest.mark.parametrize(("optimizer", "steps", "tol"), [("adamw", 1500, 1e-2), ("lbfgs", 300, 1e-4)])
def test_retrain_reaches_the_optimum_of_a_convex_head(toy, optimizer: str, steps: int, tol: float) -> None:  # type: ignore[no-untyped-def]
    """L2-regularised softmax regression on frozen features is strongly convex: full-batch retraining
    must land on the optimum found independently (L-BFGS on the same float64 objective)."""
    model = untie_head(toy["base"]).double()
    seqs = toy["train"][:12]
    feats = head_features(model, seqs)
    h = torch.cat([f for f, _ in feats])  # (N, d)
    y = torch.cat([t for _, t in feats])  # (N,)
    init = {"lm_head.weight": model.lm_head.weight.detach().clone()}
    l2 = 1e-2
    cfg = BaselineConfig(scope="head", steps=steps, lr=1e-2, batch_size=len(seqs), l2=l2, optimizer=optimizer)
    result = B.retrain(model, Pairs(()), train=seqs, init=init, config=cfg)
    w_retrain = init["lm_head.weight"] + result.delta["lm_head.weight"]

    w = init["lm_head.weight"].clone().requires_grad_(True)
    opt = torch.optim.LBFGS([w], lr=1, max_iter=500, tolerance_grad=1e-10, tolerance_change=0, history_size=50,
                            line_search_fn="strong_wolfe")  # fmt: skip

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(h @ w.T, y) + 0.5 * l2 * (w**2).sum()  # (N, V) logits -> NLL
        loss.backward()
        return loss

    opt.step(closure)
    w_star = w.detach()
    rel = (w_retrain - w_star).norm() / (init["lm_head.weight"] - w_star).norm()
    assert rel < tol, float(rel)


def test_lbfgs_refuses_gradient_ascent(toy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SanitizeError, match="adamw"):
        B.gradient_ascent(toy["lora"], toy["pairs"], config=BaselineConfig(steps=2, optimizer="lbfgs"))


def test_finetune_twins_lowers_sanitized_loss_and_ascent_raises_original_loss(toy) -> None:  # type: ignore[no-untyped-def]
    model, pairs = toy["lora"], toy["pairs"]
    z = [p.original for p in pairs]
    zt = [p.sanitized for p in pairs]
    cfg = BaselineConfig(scope="adapter", steps=10, lr=1e-2, batch_size=8)
    ft = B.finetune_twins(model, pairs, config=cfg).apply(model)
    ga = B.gradient_ascent(model, pairs, config=cfg).apply(model)
    assert _pair_loss(ft, zt) < _pair_loss(model, zt) - 0.05
    assert _pair_loss(ga, z) > _pair_loss(model, z) + 0.05


def test_retrain_refuses_a_corpus_that_still_holds_a_secret(toy) -> None:  # type: ignore[no-untyped-def]
    pairs = toy["pairs"]
    leaky = [*toy["train"], pairs[0].original]
    with pytest.raises(SanitizeError, match="unsanitized"):
        B.retrain(toy["lora"], pairs, train=leaky, config=BaselineConfig(steps=1))
    with pytest.raises(SanitizeError, match="init"):
        B.retrain(toy["base"], pairs, train=toy["train"], config=BaselineConfig(scope="head", steps=1))
    with pytest.raises(SanitizeError, match="no pairs"):
        B.finetune_twins(toy["lora"], Pairs(()), config=BaselineConfig(steps=1))
    assert isinstance(pairs[0], Pair)


def test_retrain_without_init_reinitialises_lora(toy) -> None:  # type: ignore[no-untyped-def]
    """A fresh LoRA init has B = 0: one step from it must differ from one step from the fitted adapter."""
    model = copy.deepcopy(toy["lora"])
    with torch.no_grad():
        for p in B.scope_parameters(model, "adapter").values():
            p.add_(0.1)  # pretend it was fitted
    cfg = BaselineConfig(scope="adapter", steps=1, lr=1e-9, batch_size=4)
    result = B.retrain(model, toy["pairs"], train=toy["train"], config=cfg)
    new = result.apply(model)
    lora_b = [p for n, p in B.scope_parameters(new, "adapter").items() if "lora_B" in n]
    assert lora_b and all(float(p.abs().max()) < 1e-6 for p in lora_b)
