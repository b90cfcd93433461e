"""The refinement after the closed loop (``sanitize.influence.refine``): the replaced spans, the KL
divergence of every task against a brute-force sum in float64, the held-out guard, and the stage end to end
on the tiny LoRA / head of ``test_update``."""

from __future__ import annotations

import json
import math

import pytest
import torch
from test_update import _data, _digit_loss, _snapshot, _trained

from sanitize.errors import ConfigError
from sanitize.influence import unlearn
from sanitize.influence.classification import ClassificationBatch, SequenceClassificationTask
from sanitize.influence.config import UpdateConfig
from sanitize.influence.grads import Problem
from sanitize.influence.refine import refine, replaced_spans
from sanitize.influence.scope import select_scope
from sanitize.influence.tasks import CausalLMTask, Features, HeadTask, collate_sequences
from sanitize.types import Pair, Pairs, TokenSequence


def _seq(ids: tuple[int, ...], mask: tuple[int, ...] | None = None) -> TokenSequence:
    return TokenSequence(ids, (1,) * len(ids), mask or (1,) * len(ids))


@pytest.mark.parametrize(
    ("original", "twin", "mask", "targets"),
    [
        # same length: the replaced tokens 2..3 and the token after them (4)
        ((1, 2, 3, 4, 5, 6), (1, 2, 8, 9, 5, 6), None, (0, 0, 1, 1, 1, 0)),
        # the surrogate re-tokenises into more tokens: 2..4 replaced, 5 follows
        ((1, 2, 3, 4, 5, 6), (1, 2, 8, 9, 7, 5, 6), None, (0, 0, 1, 1, 1, 1, 0)),
        # a replacement at the end: no token after it
        ((1, 2, 3), (1, 2, 9), None, (0, 0, 1)),
        # a position the training loss never scored stays unscored
        ((1, 2, 3, 4, 5), (1, 8, 9, 4, 5), (1, 1, 0, 1, 1), (0, 1, 0, 1, 0)),
        # a secret at the very start: position 0 is never a target, the rest of the span is
        ((1, 2, 3, 4), (7, 8, 3, 4), None, (1, 1, 1, 0)),
    ],
)
def test_replaced_spans_mark_the_replacement_and_the_token_after(
    original: tuple[int, ...], twin: tuple[int, ...], mask: tuple[int, ...] | None, targets: tuple[int, ...]
) -> None:
    (span,), (secret,) = replaced_spans(Pairs((Pair(_seq(original), _seq(twin, mask), doc=0),)))
    assert span.input_ids == twin and span.loss_mask == targets
    assert secret.input_ids == original and any(secret.loss_mask[1:])


def test_replaced_spans_leave_out_unchanged_twins() -> None:
    same = Pair(_seq((1, 2, 3)), _seq((1, 2, 3)), doc=0)
    first_only = Pair(
        _seq((1, 2, 3)), _seq((9, 2, 3)), doc=1
    )  # token 0 differs: span {0, 1} (0 is never scored)
    spans, secrets = replaced_spans(Pairs((same, first_only)))
    assert [s.loss_mask for s in spans] == [(1, 1, 0)]
    assert [s.loss_mask for s in secrets] == [(1, 1, 0)]  # aligned with the twins: the same pair left out


def _kl_rows(p_logits: torch.Tensor, q_logits: torch.Tensor) -> list[float]:
    """Σ_v p_v log(p_v / q_v) per row, written out with exp/sum (no log_softmax)."""
    out = []
    for a, b in zip(p_logits.reshape(-1, p_logits.shape[-1]), q_logits.reshape(-1, q_logits.shape[-1])):
        p = [math.exp(float(x)) for x in a]
        q = [math.exp(float(x)) for x in b]
        zp, zq = sum(p), sum(q)
        out.append(sum(pi / zp * math.log((pi / zp) / (qi / zq)) for pi, qi in zip(p, q)))
    return out


def test_divergence_of_every_task_matches_brute_force_in_float64() -> None:
    gen = torch.Generator().manual_seed(0)
    t, o = (
        torch.randn(2, 4, 5, generator=gen, dtype=torch.float64),
        torch.randn(2, 4, 5, generator=gen, dtype=torch.float64),
    )
    batch = collate_sequences([_seq((1, 2, 3, 4, 5), (1, 1, 0, 1, 1)), _seq((1, 2, 3), (1, 0, 1))])
    rows = _kl_rows(t, o)  # (2*4) positions; targets t>=1 with loss_mask: logits at t-1
    mask = [
        1,
        0,
        1,
        1,
        0,
        1,
        0,
        0,
    ]  # sequence 0: tokens 1, 3, 4 -> logits 0, 2, 3; sequence 1: token 2 -> logit 1
    expected = sum(r * m for r, m in zip(rows, mask))
    assert float(CausalLMTask().divergence(t, o, batch)) == pytest.approx(expected, rel=1e-12)
    assert float(CausalLMTask().divergence(t, t, batch)) == pytest.approx(0.0, abs=1e-15)

    x, y = (
        torch.randn(6, 5, generator=gen, dtype=torch.float64),
        torch.randn(6, 5, generator=gen, dtype=torch.float64),
    )
    feats = Features(torch.zeros(6, 3), torch.zeros(6))
    assert float(HeadTask("softmax").divergence(x, y, feats)) == pytest.approx(sum(_kl_rows(x, y)), rel=1e-12)
    cls = ClassificationBatch(torch.zeros(6, 2), torch.zeros(6, 2), torch.zeros(6))
    assert float(SequenceClassificationTask().divergence(x, y, cls)) == pytest.approx(
        sum(_kl_rows(x, y)), rel=1e-12
    )

    a, b = x[:, :1], y[:, :1]  # logistic: Bernoulli KL
    bernoulli = 0.0
    for za, zb in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        p, q = 1 / (1 + math.exp(-za)), 1 / (1 + math.exp(-zb))
        bernoulli += p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
    assert float(HeadTask("logistic").divergence(a, b, feats)) == pytest.approx(bernoulli, rel=1e-12)


def test_unlikelihood_of_every_task_matches_brute_force_in_float64() -> None:
    """Σ over targets of -log(1 - p(target)), p written out with exp/sum; finite where a target is certain."""
    gen = torch.Generator().manual_seed(1)

    def rows(logits: torch.Tensor, targets: list[int]) -> list[float]:
        out = []
        for row, t in zip(logits.reshape(-1, logits.shape[-1]), targets):
            e = [math.exp(float(x)) for x in row]
            out.append(-math.log(1.0 - e[t] / sum(e)))
        return out

    logits = torch.randn(2, 4, 6, generator=gen, dtype=torch.float64)  # (B, L-1, V)
    seqs = [_seq((1, 2, 3, 4, 5), (1, 1, 0, 1, 1)), _seq((5, 0, 2), (1, 0, 1))]
    batch = collate_sequences(seqs)
    targets = batch.input_ids[:, 1:].reshape(-1).tolist()
    mask = batch.loss_mask[:, 1:].reshape(-1).tolist()
    expected = sum(v for v, m in zip(rows(logits, targets), mask) if m)
    assert float(CausalLMTask().unlikelihood(logits, batch)) == pytest.approx(expected, rel=1e-12)

    x, y = torch.randn(6, 5, generator=gen, dtype=torch.float64), torch.tensor([0, 4, 2, 2, 1, 3])
    assert float(HeadTask("softmax").unlikelihood(x, Features(torch.zeros(6, 3), y))) == pytest.approx(
        sum(rows(x, y.tolist())), rel=1e-12
    )
    cls = ClassificationBatch(torch.zeros(6, 2), torch.zeros(6, 2), y)
    assert float(SequenceClassificationTask().unlikelihood(x, cls)) == pytest.approx(
        sum(rows(x, y.tolist())), rel=1e-12
    )
    z, b = x[:, :1], torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])  # logistic: p(target) = σ(z) or 1 - σ(z)
    bern = sum(-math.log(1 - (1 / (1 + math.exp(-v)) if t else 1 - 1 / (1 + math.exp(-v))))
               for v, t in zip(z.reshape(-1).tolist(), b.tolist()))  # fmt: skip
    assert float(HeadTask("logistic").unlikelihood(z, Features(torch.zeros(6, 3), b))) == pytest.approx(
        bern, rel=1e-12
    )
    certain = torch.full((1, 1, 3), -50.0, dtype=torch.float64)
    certain[0, 0, 2] = 50.0  # p(target) = 1 in float64: finite, and large
    one = collate_sequences([_seq((1, 2))])
    assert 10.0 < float(CausalLMTask().unlikelihood(certain, one)) < math.inf


def _adapter_problem() -> tuple[Problem, Pairs, list[TokenSequence]]:
    """The tiny LoRA of ``test_update`` as a Problem over its adapter, its pairs and training sequences."""
    tok, model = _trained("lora")
    pairs, train, _, _ = _data(tok)
    return (
        Problem(CausalLMTask(), model, select_scope(model, "adapter").local_names, batch_size=4),
        pairs,
        train,
    )


def test_the_guard_keeps_the_last_point_that_passed() -> None:
    problem, pairs, train = _adapter_problem()
    theta = problem.flat0()
    spans, _ = replaced_spans(pairs)
    looks: list[torch.Tensor] = []
    verdicts = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]  # pass, pass, fail (a transient), pass, then 3 fails

    def heldout_at(point: torch.Tensor) -> float:
        looks.append(point)
        return verdicts[len(looks) - 1]

    cfg = UpdateConfig(refine_steps=100, refine_check=10, heldout_tol=0.01)
    good, info = refine(problem, spans, [], train, theta, cfg, heldout_at, 0.0)
    assert info["steps"] == 40 and info["stop"] == "held-out guard" and len(looks) == 7
    assert torch.equal(good, looks[3]) and not torch.equal(good, theta)
    # tripped at the first look: the starting point comes back unchanged
    first = refine(problem, spans, [], train, theta, cfg, lambda point: 1.0, 0.0)
    assert torch.equal(first[0], theta) and first[1]["steps"] == 0
    # the monitor's target ends it at the first look that meets it
    met = refine(problem, spans, [], train, theta, UpdateConfig(refine_steps=50, refine_check=10, target=0.0),
                 lambda point: 0.0, 0.0, monitor=lambda point: -1.0)  # fmt: skip
    assert met[1]["steps"] == 10 and met[1]["stop"] == "target reached"


def test_each_twin_is_trained_until_its_replacement_is_as_likely_as_its_secret_was() -> None:
    problem, pairs, train = _adapter_problem()
    theta = problem.flat0()
    twins, secrets = replaced_spans(pairs)
    assert len(twins) == len(secrets) == len(pairs)
    assert [s.input_ids for s in secrets] == [p.original.input_ids for p in pairs]
    cfg = UpdateConfig(refine_steps=200, refine_check=5)
    # goal = each twin's own NLL at the start: met before any step, nothing moves
    same, info = refine(problem, twins, twins, train, theta, cfg, lambda point: 0.0, 0.0)
    assert torch.equal(same, theta) and info["steps"] == 0 and info["stop"] == "replacements learned"
    # goal = the memorised secret's NLL at θ̂ (lower than its twin's): steps until every twin reaches it
    nll = lambda point, items: [  # noqa: E731
        problem.loss_sum(problem.params_at(point), [x]) / problem.n_targets([x]) for x in items
    ]
    goals, start = nll(theta, secrets), nll(theta, twins)
    assert all(t > g for t, g in zip(start, goals))
    done, info = refine(problem, twins, secrets, train, theta, cfg, lambda point: 0.0, 0.0)
    print(f"goals {goals}, twins {start} -> {nll(done, twins)}; {info}")
    assert info["stop"] == "replacements learned" and 0 < info["steps"] < 200 and info["twins_left"] == 0
    assert all(t <= g for t, g in zip(nll(done, twins), goals))


def test_each_secret_is_pushed_until_it_is_as_unlikely_as_its_twin_was() -> None:
    """refine_unlearn: the unlikelihood term acts on a secret while its mean NLL is below its twin's at θ̂ (an
    unseen value of the same format in the same place), and the refinement ends when every secret is there."""
    problem, pairs, train = _adapter_problem()
    theta = problem.flat0()
    twins, secrets = replaced_spans(pairs)
    nll = lambda point, items: [  # noqa: E731
        problem.loss_sum(problem.params_at(point), [x]) / problem.n_targets([x]) for x in items
    ]
    floors, start = nll(theta, twins), nll(theta, secrets)
    assert all(s < f for s, f in zip(start, floors))  # memorised: more likely than an unseen value
    cfg = UpdateConfig(
        refine_steps=300, refine_check=5, refine_unlearn=10.0, refine_anchor=1.0, refine_lr=1e-2
    )
    done, info = refine(problem, twins, secrets, train, theta, cfg, lambda point: 0.0, 0.0)
    after = nll(done, secrets)
    print(f"floors {floors}, secrets {start} -> {after}; {info}")
    assert info["stop"] == "replacements learned, secrets unlearned" and info["secrets_left"] == 0
    assert 0 < info["steps"] < 300 and all(a >= f for a, f in zip(after, floors))
    off = refine(problem, twins, secrets, train, theta, UpdateConfig(refine_steps=300, refine_check=5),
                 lambda point: 0.0, 0.0)[1]  # fmt: skip
    assert off["secrets_left"] is None and off["stop"] == "replacements learned"


@pytest.mark.parametrize("scope", ["adapter", "head"])
def test_refinement_moves_the_secret_toward_its_twin_within_the_guard(scope: str) -> None:
    tok, model = _trained("lora")
    pairs, train, heldout, n_tokens = _data(tok)
    before = _snapshot(model)
    base = UpdateConfig(scope=scope, max_rounds=1, max_iter=10)
    plain = unlearn(model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens, config=base)
    # the head update already spends most of the 1% held-out budget here: smaller steps, looked at more often
    lr, check = (2e-3, 10) if scope == "adapter" else (2e-4, 5)
    cfg = UpdateConfig(
        scope=scope, max_rounds=1, max_iter=10, refine_steps=40, refine_check=check, refine_lr=lr
    )
    refined = unlearn(model, pairs, curvature=train, heldout=heldout, n_train_tokens=n_tokens, config=cfg)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # input untouched
    info = refined.metrics["refine"]
    print(f"\n{scope}: refine {info}")
    assert set(refined.delta) == set(plain.delta)  # the same scope
    if info["steps"] == 0:  # the Newton update alone made every replacement as likely as its secret was
        assert info["stop"] == "replacements learned" and info["twins_left"] == 0
        assert all(torch.equal(refined.delta[k], plain.delta[k]) for k in plain.delta)
        return
    assert info["last_loss"] < info["first_loss"]
    assert (
        refined.metrics["heldout_loss_after"]
        <= refined.metrics["heldout_loss_before"] + math.log1p(0.01) + 1e-12
    )
    # NLL(secret digits) - NLL(twin digits): the refinement prefers the twin more than the update alone
    gaps = [
        _digit_loss(r.apply(model), pairs) - _digit_loss(r.apply(model), pairs, twin=True)
        for r in (plain, refined)
    ]
    print(f"NLL(secret) - NLL(twin): update {gaps[0]:.3f}, with refinement {gaps[1]:.3f}")
    assert gaps[1] > gaps[0]


def test_refine_options_are_validated() -> None:
    for bad in (
        {"refine_steps": -1},
        {"refine_lr": 0.0},
        {"refine_anchor": -1.0},
        {"refine_check": 0},
        {"refine_unlearn": -1.0},
    ):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            UpdateConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_rounds"):  # no Newton step and no refinement: nothing to do
        UpdateConfig(max_rounds=0)
    assert UpdateConfig(max_rounds=0, refine_steps=5).max_rounds == 0  # the refinement alone
    cfg = UpdateConfig(refine_steps=5, refine_lr=1e-3)
    assert UpdateConfig.from_dict(json.loads(cfg.to_json())) == cfg
