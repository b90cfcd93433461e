"""unlearn() end to end on a tiny LoRA / head: nothing outside the scope changes (bit-identical), the
input model is never modified, apply/undo round trip, metrics, refusal, closed-loop target."""

from __future__ import annotations

import functools
import json
import math
from typing import Any

import pytest
import torch
from influence_helpers import TEXTS, encode, tiny_lm

from sanitize.errors import ConfigError
from sanitize.influence import UnlearnError, UnlearnResult, unlearn
from sanitize.influence.config import UpdateConfig
from sanitize.influence.scope import head_is_tied
from sanitize.influence.tasks import count_targets
from sanitize.types import Pair, Pairs

SECRET = TEXTS[2]  # "my door code is 4821 and my pin is 7710 today"
CLEAN = SECRET.replace("4821", "9035").replace("7710", "2268")
HELDOUT = ["the dog walked to the old mill in the rain", "tea in the park by the river"]


@functools.cache
def _trained(kind: str):  # type: ignore[no-untyped-def]
    """Base trained on the clean texts, then a LoRA fine-tuned on all texts (it learns the secret)."""
    from peft import LoraConfig, get_peft_model

    from sanitize_lab.tiny import train_causal_lm

    tok, base = tiny_lm(hidden=16)
    train_causal_lm(
        base, tok, [t for t in TEXTS if t != SECRET], steps=60, lr=1e-2, batch_size=6, max_length=16
    )
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn", "c_fc"], fan_in_fan_out=True)
    torch.manual_seed(0)  # LoRA init draws from the global RNG: same model whichever test builds it first
    model = get_peft_model(base, cfg)
    train_causal_lm(model, tok, TEXTS, steps=60, lr=1e-2, batch_size=6, max_length=16)
    return tok, model.eval()


def _data(tok):  # type: ignore[no-untyped-def]
    pairs = Pairs(
        tuple(Pair(encode(tok, SECRET, 16), encode(tok, CLEAN, 16), doc=2 + 6 * i) for i in range(3))
    )
    train = [encode(tok, t, 16) for t in TEXTS if t != SECRET] + [encode(tok, CLEAN, 16)] * 3
    heldout = [encode(tok, t, 16) for t in HELDOUT]
    return pairs, train, heldout, count_targets([encode(tok, t, 16) for t in TEXTS])


def _digit_loss(model: torch.nn.Module, pairs: Pairs, twin: bool = False) -> float:
    """Summed NLL of the tokens where the secret and its sanitized twin differ (of the twin if ``twin``)."""
    from sanitize.influence.grads import Problem
    from sanitize.influence.tasks import CausalLMTask
    from sanitize.types import TokenSequence

    z, zt = pairs[0].original, pairs[0].sanitized
    mask = tuple(int(a != b) for a, b in zip(z.input_ids, zt.input_ids))
    seq = TokenSequence((zt if twin else z).input_ids, z.attention_mask, mask)
    problem = Problem(CausalLMTask(), model, [next(iter(dict(model.named_parameters())))])
    return problem.loss_sum(problem.theta0, [seq])


def _snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("scope", ["adapter", "head"])
def test_unlearn_changes_only_the_scope_and_round_trips(scope: str) -> None:
    tok, model = _trained("lora")
    pairs, train, heldout, n_tokens = _data(tok)
    before = _snapshot(model)
    tied_before = head_is_tied(model)
    result = unlearn(model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens,
                     config=UpdateConfig(scope=scope, max_iter=15, max_rounds=2, damping_tries=2))  # fmt: skip
    assert isinstance(result, UnlearnResult)
    # the input model is untouched (values, tie, mode)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert head_is_tied(model) == tied_before and not model.training

    m = result.metrics
    print(f"\n{scope}: " + ", ".join(f"{k}={m[k]}" for k in ("update_norm", "solver_residual", "damping", "step",
          "rounds", "stop", "heldout_loss_before", "heldout_loss_after")))  # fmt: skip
    for key in ("update_norm", "solver_residual", "damping", "step", "rounds", "heldout_loss_before",
                "heldout_loss_after", "seconds"):  # fmt: skip
        assert key in m
    json.dumps(m)  # metrics are JSON-able (saved next to results)
    assert m["rounds"] >= 1 and m["update_norm"] > 0 and m["damping"] >= 0
    assert m["regulariser"]["lambda"] > 0  # implicit (no l2 stated): the regulariser conditions the system
    # CG's residual is not monotone (it minimises the error in the A-norm), so a short, damped solve
    # may report a relative residual above 1; solver accuracy is pinned by test_solvers.py
    assert math.isfinite(m["solver_residual"]) and m["solver_residual"] >= 0
    assert m["heldout_loss_after"] <= m["heldout_loss_before"] + 0.0100  # within heldout_tol (1% ppl)
    assert result.scope["kind"] == scope and result.scope["head_untied"] == (scope == "head")

    new = result.apply(model)
    assert new is not model
    changed = {k for k, v in new.state_dict().items() if not torch.equal(v, before[k])}
    assert changed and changed <= set(result.delta)  # bit-identical outside the scope
    if scope == "head":
        assert changed == {"base_model.model.lm_head.weight"} and not head_is_tied(new)
        assert torch.equal(
            new.get_input_embeddings().weight, before["base_model.model.transformer.wte.weight"]
        )
    # the model now prefers the twin's digits over the secret's more than before (the shared context
    # is not scored): NLL(secret digits) - NLL(twin digits) went up
    gap_old = _digit_loss(model, pairs) - _digit_loss(model, pairs, twin=True)
    gap_new = _digit_loss(new, pairs) - _digit_loss(new, pairs, twin=True)
    print(f"NLL(secret digits) - NLL(twin digits): {gap_old:.3f} -> {gap_new:.3f}")
    assert gap_new > gap_old

    back = result.undo(new)
    for k, v in before.items():
        torch.testing.assert_close(back.state_dict()[k], v, rtol=0, atol=1e-12)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())


def test_refuses_instead_of_breaking_the_model() -> None:
    tok, model = _trained("lora")
    pairs, train, _, n_tokens = _data(tok)
    before = _snapshot(model)
    # "held-out" = the secrets themselves with zero tolerance: every unlearning step breaks it
    with pytest.raises(UnlearnError, match=r"heldout_tol=0\.0") as err:
        unlearn(model, pairs, curvature=train, heldout=[p.original for p in pairs], n_train_tokens=n_tokens,
                config=UpdateConfig(heldout_tol=0.0, max_iter=5, damping_tries=1))  # fmt: skip
    assert "4821" not in str(err.value)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    with pytest.raises(UnlearnError, match="no pairs"):
        unlearn(model, Pairs(()), curvature=train, heldout=None, n_train_tokens=n_tokens)
    with pytest.raises(UnlearnError, match="must exceed"):
        unlearn(model, pairs, curvature=train, heldout=None, n_train_tokens=5)


def test_closed_loop_monitor_and_target() -> None:
    tok, model = _trained("lora")
    pairs, train, heldout, n_tokens = _data(tok)
    calls: list[float] = []

    def monitor(m: torch.nn.Module) -> float:  # a stand-in for exposure: how much the secret beats its twin
        calls.append(_digit_loss(m, pairs, twin=True) - _digit_loss(m, pairs))
        return calls[-1]

    cfg = UpdateConfig(max_rounds=2, min_decrease=0.0)
    result = unlearn(model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens, config=cfg,
                     monitor=monitor)  # fmt: skip
    m = result.metrics
    assert m["monitor_history"] == calls[1:] and len(calls) == m["rounds"] + 1
    assert m["monitor_after"] < m["monitor_before"]
    # a target already met: nothing to do, zero update
    done = unlearn(model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens,
                   config=UpdateConfig(target=1e9), monitor=monitor)  # fmt: skip
    assert done.metrics["rounds"] == 0 and done.metrics["stop"] == "target reached"
    assert all(float(d.abs().max()) == 0.0 for d in done.delta.values())


def test_update_config_validation() -> None:
    with pytest.raises(ConfigError, match="scope"):
        UpdateConfig(scope="everything")
    with pytest.raises(ConfigError, match="params"):
        UpdateConfig(scope="params")
    with pytest.raises(ConfigError, match="damping"):
        UpdateConfig(damping=-1.0)
    with pytest.raises(ConfigError, match="step_rule"):
        UpdateConfig(step_rule="best")
    assert UpdateConfig.from_dict(UpdateConfig(damping=1e-3, params=["a*"]).to_dict()).damping == 1e-3


def test_head_update_lands_on_the_retrained_optimum_with_twins_in_the_curvature_data() -> None:
    """Convex head (L2 softmax regression on frozen features, fitted to its optimum, float64): the
    default closed loop on the sanitized objective lands on the retrained optimum. The curvature data
    is the whole sanitized corpus, twins included, as users pass it: ``unlearn`` must drop the twins
    from the sample that stands for the retained data (counted twice, they left the head of the
    planted experiment 20% of the way short of retraining)."""
    from sanitize.influence.scope import untie_head
    from sanitize_lab import baselines as B
    from sanitize_lab import planted as E
    from sanitize_lab.baselines import BaselineConfig
    from sanitize_lab.tiny import tiny_model, train_tokenizer

    corpus = E.planted_corpus(n_public=24, secret_digits=(4,), repeats=4, n_heldout=8, seed=3)
    tok = train_tokenizer(corpus.texts + corpus.heldout, vocab_size=300)
    base = untie_head(tiny_model(tok, "gpt2", seed=0, hidden=16, layers=1, heads=2)).double().eval()
    train = E.tokenize_records(corpus.texts, tok)
    sanitized = E.tokenize_records(corpus.sanitized(0), tok)
    pairs = E.experiment_pairs(corpus, tok)
    init = {"lm_head.weight": base.lm_head.weight.detach().clone()}
    l2 = 1e-2
    fit = BaselineConfig(scope="head", optimizer="lbfgs", steps=300, l2=l2)
    finetuned = B.retrain(base, Pairs(()), train=train, init=init, config=fit).apply(base).eval()
    retrained = B.retrain(finetuned, pairs, train=sanitized, init=init, config=fit).apply(finetuned)

    result = unlearn(
        finetuned, pairs, curvature=sanitized, heldout=None, n_train_tokens=count_targets(train),
        config=UpdateConfig(scope="head", l2=l2, max_rounds=5, max_iter=50),
    )  # fmt: skip
    assert result.metrics["curvature_excluded"] == len(pairs)  # every twin was in the data, and dropped
    w_ft, w_rt = finetuned.lm_head.weight.detach(), retrained.lm_head.weight.detach()
    w_up = w_ft + result.delta["lm_head.weight"]
    rel = float((w_up - w_rt).norm() / (w_ft - w_rt).norm())
    print(f"head: rel. distance to the retrained optimum {rel:.2e}, rounds {result.metrics['rounds']}")
    assert rel <= 0.05, rel


@pytest.mark.parametrize(
    ("n", "k", "k_obj", "n_hold"),
    [(400, 64, 512, 0), (400, 64, 512, 64), (100, 64, 512, 64), (30, 64, 8, 64), (10, 3, 5, 2)],
)
def test_sample_indices_nest_the_curvature_sample_in_the_objective_sample(
    n: int, k: int, k_obj: int, n_hold: int
) -> None:
    from sanitize.influence.update import sample_indices

    curv, obj, held = sample_indices(n, k, k_obj, n_hold, seed=3)
    assert curv == sorted(curv) and obj == sorted(obj) and held == sorted(held)
    assert len(curv) == min(k, n) and len(set(obj)) == len(obj)
    assert set(curv) <= set(obj) <= set(range(n))
    assert not set(held) & set(obj), "the held-out guard must not be in either sample"
    assert len(held) == min(n_hold, n - len(curv))
    assert len(obj) == min(max(k, k_obj), n - len(held))
    assert sample_indices(n, k, k_obj, n_hold, seed=3) == (curv, obj, held)  # deterministic per seed
    assert sample_indices(n, k, k_obj, n_hold, seed=4)[0] != curv or k >= n


def test_curvature_twins_subsample_is_reweighted_to_all_twins() -> None:
    """The twins' curvature ``C_Z̃/T`` may come from a subset of the twins (reweighted by their targets),
    so that a product's cost does not grow with the number of pairs. With identical twins the subset
    is exact: the update must not change. ``unlearn`` caps the subset at ``twin_samples``."""
    from sanitize.influence.grads import Problem
    from sanitize.influence.scope import select_scope
    from sanitize.influence.tasks import CausalLMTask
    from sanitize.influence.update import influence_update

    tok, model = _trained("lora")
    pairs, train, heldout, n_tokens = _data(tok)  # three identical pairs
    scope = select_scope(model, "adapter", [])
    problem = Problem(CausalLMTask(), scope.model, scope.local_names, 4)
    originals, sanitized = [p.original for p in pairs], [p.sanitized for p in pairs]
    retained = [s for s in train if s.input_ids != sanitized[0].input_ids]
    # CG run to convergence on a well-damped operator: unconverged CG amplifies rounding differences
    cfg = UpdateConfig(max_rounds=2, damping=0.05, max_iter=300, max_products=1000, solver_tol=1e-11)
    run = functools.partial(influence_update, problem, originals, sanitized, retained, heldout, n_tokens, cfg)
    full, m_full = run(curvature_twins=None)
    one, m_one = run(curvature_twins=sanitized[:1])
    assert (m_full["n_curvature_twins"], m_one["n_curvature_twins"]) == (3, 1)
    torch.testing.assert_close(one, full, rtol=1e-8, atol=1e-12)

    result = unlearn(
        model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens,
        config=UpdateConfig(twin_samples=2, max_rounds=1),
    )  # fmt: skip
    assert result.metrics["n_curvature_twins"] == 2 and result.metrics["n_pairs"] == 3


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"model": None}, "model must be"),
        ({"pairs": None}, "pairs must be"),
        ({"curvature": "text"}, "curvature must be"),
        ({"heldout": [1, 2]}, "heldout must hold"),
        ({"n_train_tokens": 0}, "n_train_tokens must be"),
        ({"config": {"order": 2}}, "config must be an UpdateConfig"),
    ],
)
def test_unlearn_names_a_wrong_argument(kwargs: dict[str, Any], named: str) -> None:
    from torch import nn

    from sanitize.influence import UnlearnError, unlearn
    from sanitize.types import Pairs

    args: dict[str, Any] = {"model": nn.Linear(2, 2), "pairs": Pairs((), ()), "curvature": [], "heldout": None,
                            "n_train_tokens": 1, "config": None}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(UnlearnError, match=named):
        unlearn(args.pop("model"), args.pop("pairs"), **args)


@pytest.mark.parametrize(
    ("value0", "slope", "alpha", "value", "expected"),
    [
        (1.0, -2.0, 1.0, 0.0, 1.0),  # q = 1 - 2t + t²: the minimum is the step tried
        (1.0, -2.0, 1.0, 1.0, 0.5),  # q = 1 - 2t + 2t²
        (1.0, -2.0, 0.5, 1.75, 1.0 / 7.0),  # q = 1 - 2t + 7t² tried at 0.5
        (1.0, -2.0, 1.0, -2.0, 1.0),  # falls faster than linearly: no shorter step
        (1.0, -2.0, 1.0, 1e6, 1.0 / 8.0),  # clamped at α/8
        (1.0, float("nan"), 1.0, 0.0, 0.5),  # slope unknown: plain halving
        (1.0, 2.0, 1.0, 0.0, 0.5),  # not a descent direction: plain halving
    ],
)
def test_interpolated_step_is_the_quadratic_minimiser(
    value0: float, slope: float, alpha: float, value: float, expected: float
) -> None:
    from sanitize.influence.steps import interpolated

    assert interpolated(value0, slope, alpha, value) == pytest.approx(expected)


def test_the_line_search_gradient_is_reused_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bracket search's refining look evaluates L̂ with its gradient; when that look is the step taken,
    the next round reuses it instead of a second pass over the objective sample. Same rounds, same Δ, bit
    for bit, with fewer loss passes over the sample."""
    from sanitize.influence import steps, update
    from sanitize.influence.grads import Problem
    from sanitize.influence.scope import select_scope
    from sanitize.influence.tasks import CausalLMTask

    tok, model = _trained("lora")
    pairs, train, heldout, n_tokens = _data(tok)
    scope = select_scope(model, "adapter", [])
    problem = Problem(CausalLMTask(), scope.model, scope.local_names, 4)
    originals, sanitized = [p.original for p in pairs], [p.sanitized for p in pairs]
    retained = [s for s in train if s.input_ids != sanitized[0].input_ids]
    cfg = UpdateConfig(max_rounds=3, l2=1e-2)
    passes: dict[str, int] = {}
    loss_sum, value_grad_sum = Problem.loss_sum, Problem.value_grad_sum

    def counted(name: str, fn: Any) -> Any:
        def call(self: Problem, params: Any, items: Any) -> Any:
            if items is retained:  # passes over the objective sample
                passes[name] = passes.get(name, 0) + 1
            return fn(self, params, items)

        return call

    monkeypatch.setattr(Problem, "loss_sum", counted("loss", loss_sum))
    monkeypatch.setattr(Problem, "value_grad_sum", counted("grad", value_grad_sum))
    fused, m_fused = update.influence_update(problem, originals, sanitized, retained, heldout, n_tokens, cfg)
    fused_passes, passes = dict(passes), {}
    plain_step = steps.newton_step
    monkeypatch.setattr(update, "newton_step", lambda *a: plain_step(*a[:12], False))  # never keep G
    plain, m_plain = update.influence_update(problem, originals, sanitized, retained, heldout, n_tokens, cfg)
    assert m_fused["rounds"] == m_plain["rounds"] == 3 and m_fused["step"] == m_plain["step"]
    assert torch.equal(fused, plain)
    assert [r["alpha"] for r in m_fused["round_log"]] == [r["alpha"] for r in m_plain["round_log"]]
    assert fused_passes["loss"] < passes["loss"], (fused_passes, passes)
    assert fused_passes["loss"] + fused_passes["grad"] < passes["loss"] + passes["grad"], (
        fused_passes,
        passes,
    )
