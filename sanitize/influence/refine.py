"""Refinement after the closed loop: Adam steps on the twins' replacements, anchored to the fine-tuned model.

Why: a secret memorised over many epochs saturates the softmax at its tokens, so the Newton model at θ̂
sees almost no curvature there and the line search keeps a few percent of each Newton step (the issue-16
matrix's 20-epoch cells, see the README's Status). First-order steps in Adam's per-parameter metric do
not need that curvature. Maths (θ̂ the fine-tuned point, θ the current point, Z̃ₛ the twins with targets
only where they differ from their originals -- the replacement's tokens and the one after it --, A a
mini-batch of the retained objective sample S, β = ``refine_anchor``)::

    R(θ) = ℓ(Z̃ₛ, θ) / T(Z̃ₛ)  +  γ · Σ_{t ∈ targets(Zₛ)} -log(1 - p_θ(x_t|x<t)) / T(Zₛ)
                              +  β · Σ_{t ∈ targets(A)} KL(p_θ̂(·|x<t) ‖ p_θ(·|x<t)) / T(A)

minimised by Adam (``refine_lr``) for at most ``refine_steps`` mini-batch steps (fixed up front). Zₛ are
the originals with targets only on the secret's tokens (and the one after), γ = ``refine_unlearn`` (0: the
term is off): the unlikelihood -log(1 - p) is large where a memorised token is certain, where the NLL's
gradient vanishes. Each twin is trained while its replacement is less likely (mean NLL) than its secret
was at θ̂, each secret pushed while it is more likely than its twin's replacement was at θ̂ (an unseen
value of its format in the same place: what retraining without it leaves). The KL
term keeps the retained data's whole next-token distribution where the fine-tuned model had it (a
function-space trust region), not only the labels. Every ``refine_check`` steps the held-out guard is
evaluated: a point whose held-out perplexity exceeds ``heldout_tol`` over the model before the update is
never returned; the refinement goes on (Adam's first steps overshoot, the anchor pulls back) until three
looks in a row fail, and returns the last point that passed; with a ``monitor`` and a ``target`` it also
stops once ``monitor(θ) <= target``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..types import Pairs, TokenSequence
from .config import UpdateConfig
from .grads import Problem

_PATIENCE = 3  # consecutive looks over the held-out guard that end the refinement


def replaced_spans(pairs: Pairs) -> tuple[list[TokenSequence], list[TokenSequence]]:
    """(twins, secrets): each twin z̃ and each original z with targets only where the two differ (common prefix
    and suffix removed) -- the replacement's (the secret's) tokens and the token after them --, aligned pair by
    pair. Pairs whose two sides are identical, or where either side has no target left, are left out."""
    twins, secrets = [], []
    for pair in pairs:
        a, b = pair.original.input_ids, pair.sanitized.input_ids
        n = min(len(a), len(b))
        i = 0
        while i < n and a[i] == b[i]:
            i += 1
        if i == len(a) == len(b):
            continue
        j = 0
        while j < n - i and a[-1 - j] == b[-1 - j]:
            j += 1
        z, zt = (  # the differing tokens [i, len - j) and the one after them
            TokenSequence(
                s.input_ids,
                s.attention_mask,
                tuple(m if i <= t < min(len(s) - j + 1, len(s)) else 0 for t, m in enumerate(s.loss_mask)),
            )
            for s in (pair.original, pair.sanitized)
        )
        if any(z.loss_mask[1:]) and any(zt.loss_mask[1:]):
            twins.append(zt)
            secrets.append(z)
    return twins, secrets


def refine(
    problem: Problem,
    spans: Sequence[Any],
    secrets: Sequence[Any],
    anchor: Sequence[Any],
    theta: torch.Tensor,
    cfg: UpdateConfig,
    heldout_at: Callable[[torch.Tensor], float | None],
    h0: float | None,
    monitor: Callable[[torch.Tensor], float] | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Adam on R(θ) from ``theta`` (P,) -> (the last point that passed the guard (P,), metrics).

    ``spans``, ``secrets``: the two lists of :func:`replaced_spans` (head scope: their features; ``secrets``
    empty: no goal, every twin trained for ``refine_steps``);
    ``anchor``: retained items whose predictions at θ̂ (``problem.theta0``) the KL term keeps. A twin is
    trained only while its replacement is less likely (mean NLL per target) than its secret was at θ̂ --
    retraining learns the surrogate from the same occurrences with the same recipe, so about as well as
    the fine-tuning learned the secret --, and the refinement stops when every twin is there."""
    clock = time.perf_counter()
    task, k = problem.task, cfg.batch_size
    teacher = problem.theta0  # θ̂, the fine-tuned point

    def nll(params: Sequence[torch.Tensor], items: Sequence[Any]) -> list[float]:  # mean NLL per item
        return [problem.loss_sum(params, [x]) / max(problem.n_targets([x]), 1) for x in items]

    goals = nll(teacher, secrets) if secrets else None  # how well θ̂ knows each secret
    # how unlikely an unseen value of the secret's format is in its context: its twin's replacement at θ̂
    floors = nll(teacher, spans) if secrets and cfg.refine_unlearn > 0 else None

    def unmet(point: torch.Tensor) -> list[int]:  # the twins whose replacement is not yet that well known
        return [
            i for i, v in enumerate(nll(problem.params_at(point), spans)) if goals is None or v > goals[i]
        ]

    def known(point: torch.Tensor) -> list[int]:  # the secrets still more likely than an unseen value
        if floors is None:
            return []
        return [i for i, v in enumerate(nll(problem.params_at(point), secrets)) if v < floors[i]]

    point = theta.detach().clone().requires_grad_(True)  # (P,) the Adam variable
    opt = torch.optim.Adam([point], lr=cfg.refine_lr)
    gen = torch.Generator().manual_seed(cfg.seed + 3)

    def draw(items: Sequence[Any], pool: Sequence[int]) -> list[Any]:
        """A mini-batch of ``items[pool]`` (at most ``batch_size``, drawn with repeats)."""
        return [
            items[pool[i]] for i in torch.randint(len(pool), (min(k, len(pool)),), generator=gen).tolist()
        ]

    good, taken, stop, losses, fails = theta.detach().clone(), 0, "refine_steps", [], 0
    tol = math.log1p(cfg.heldout_tol)
    active = unmet(good) if goals is not None else list(range(len(spans)))  # the twins still trained
    hot = known(good)  # the secrets still pushed down (refine_unlearn)
    for step in range(cfg.refine_steps if active or hot else 0):
        params = problem.params_at(point)  # views of `point`: gradients flow to it
        loss = torch.zeros((), dtype=problem.dtype, device=problem.device)
        if active:
            twins = draw(spans, active)
            batch = task.collate(twins, problem.device)
            loss = task.loss(problem.call(params, batch), batch) / max(problem.n_targets(twins), 1)  # ()
        if hot:
            told = draw(secrets, hot)
            batch = task.collate(told, problem.device)
            ul = task.unlikelihood(problem.call(params, batch), batch)  # () -log(1 - p), the secret's tokens
            loss = loss + cfg.refine_unlearn * ul / max(problem.n_targets(told), 1)
        if cfg.refine_anchor > 0 and anchor:
            kept = draw(anchor, range(len(anchor)))
            held = task.collate(kept, problem.device)
            with torch.no_grad():
                before = problem.call(teacher, held)  # (B, L-1, V) or (N, C): the fine-tuned outputs
            kl = task.divergence(before, problem.call(params, held), held)  # () summed over targets
            loss = loss + cfg.refine_anchor * kl / max(problem.n_targets(kept), 1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if (step + 1) % cfg.refine_check and step + 1 < cfg.refine_steps:
            continue
        now = point.detach().clone()  # (P,)
        h = heldout_at(now)
        if h is not None and h0 is not None and h - h0 > tol:
            fails += 1  # Adam's first steps overshoot and the anchor pulls back: a few looks may fail
            if fails >= _PATIENCE:
                stop = "held-out guard"
                break
            continue
        good, taken, fails = now, step + 1, 0
        if monitor is not None and cfg.target is not None and monitor(good) <= cfg.target:
            stop = "target reached"
            break
        if goals is not None:
            active, hot = unmet(good), known(good)
            if not (active or hot):
                break
    if goals is not None and not (active or hot):
        stop = "replacements learned" if floors is None else "replacements learned, secrets unlearned"
    metrics = {
        "steps": taken, "stop": stop, "first_loss": losses[0] if losses else None,
        "last_loss": losses[taken - 1] if taken else None, "seconds": time.perf_counter() - clock,
        "twins_left": len(active) if goals is not None else None,
        "secrets_left": len(hot) if floors is not None else None,
    }  # fmt: skip
    return good, metrics
