"""The regulariser the fine-tuning implicitly had: ``R(θ) = λ/2 (θ - θ_ref)ᵀ M (θ - θ_ref)``.

The influence update assumes the fine-tuned θ̂ is stationary for ``L(θ) + R(θ)``. Nobody states R:
people fine-tune with AdamW/SGD for a few epochs from θ_ref (LoRA: B = 0; head: the base model's head)
and stop. Gradient descent stopped after learning rates η_1..η_t behaves like ridge toward its start
with ``λ ≈ 1/Σ_s η_s`` in its own metric (M = I for SGD, ``M = diag(√v̂ + ε)`` for Adam, v̂ its second
moment), plus decoupled weight decay ``wd`` (AdamW: ``wd·M θ`` in the same metric). In a direction u that
only the secrets use the retained data is flat, stationarity reads ``∇ℓ(Z)_u/T + λ M_u d_u = 0``, and
the Newton step with ``H + λM`` moves back by exactly ``-d_u``: λ and M must be right, not merely
"some damping".

Where (λ, M, θ_ref) come from, first available wins:

    stated    ``UpdateConfig.l2 = x``          λ = x, M = I, θ_ref = 0 (the training objective's own term)
    schedule  a :class:`TrainingLog`          λ = 1/Σ η_s + wd, M from Adam's exp_avg_sq when logged
    fit       the stationarity residual       λ* = argmin_λ ‖∇L(θ̂) + λ M d‖² = -⟨∇L, Md⟩ / ‖Md‖²,
                                              d = θ̂ - θ_ref on the coordinates whose θ_ref is known

``∇L(θ̂) = w·∇m_S(θ̂) + ∇ℓ(Z)/T`` is measured on the objective sample (S) and the pairs' originals.
Where the fit at θ̂ sees no pull (λ* <= 0: a memorised secret's gradient has vanished at θ̂ though it pulled
all the way there), λ is fitted to the gradient averaged along the segment θ_ref -> θ̂ instead (secant
stationarity, ``UpdateConfig.fit_path`` midpoints, the curvature sample standing for the retained data). Measured on
the recipe matrix (``sanitize_lab.matrix``): SGD constant 3 epochs +2.97 -> +0.41 bits over retraining,
AdamW linear 3 epochs +3.77 -> +0.64; on a converged convex toy (tests/influence/test_implicit.py) the
point fit is exact and the path's would overestimate the pull, hence point first.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections.abc import Callable, Sequence
from typing import Any

import torch


@dataclasses.dataclass
class TrainingLog:
    """What is known about the fine-tuning (all optional): learning rate per optimizer step, Adam's
    second moment ``exp_avg_sq`` flattened over the scope (P,), its ``eps``, decoupled ``weight_decay``."""

    lrs: list[float] = dataclasses.field(default_factory=list)
    exp_avg_sq: torch.Tensor | None = None  # (P,) Adam's v (not bias-corrected)
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    optimizer: str = "adamw"  # 'adamw' | 'sgd'

    def adam_metric(self) -> torch.Tensor | None:
        """``M = √v̂ + ε`` with v̂ = v/(1 - β₂ᵗ) -> (P,), or None."""
        if self.exp_avg_sq is None or self.optimizer != "adamw":
            return None
        t = max(len(self.lrs), 1)
        v_hat = self.exp_avg_sq / (1.0 - self.beta2**t)  # (P,)
        return v_hat.sqrt() + self.eps


@dataclasses.dataclass
class Regulariser:
    """``λ/2 (θ-ref)ᵀ diag(metric) (θ-ref)``; ``metric`` None = I, ``ref`` None = 0."""

    lam: float
    metric: torch.Tensor | None = None  # (P,) positive
    ref: torch.Tensor | None = None  # (P,)
    source: str = "stated"
    info: dict[str, Any] = dataclasses.field(default_factory=dict)

    def m(self, v: torch.Tensor) -> torch.Tensor:
        """``M v`` (P,) -> (P,)."""
        return v if self.metric is None else self.metric * v

    def value(self, d: torch.Tensor) -> float:
        """``λ/2 dᵀMd``."""
        return 0.5 * self.lam * float(d.dot(self.m(d)))

    def grad(self, d: torch.Tensor) -> torch.Tensor:
        """``λ M d`` (P,)."""
        return self.lam * self.m(d)


def fit_lambda(
    grad_train: torch.Tensor, d: torch.Tensor, metric: torch.Tensor | None, known: torch.Tensor | None
) -> tuple[float, float]:
    """Least squares ``λ* = -⟨∇L, Md⟩/‖Md‖²`` over the coordinates ``known`` (bool (P,)) ->
    (λ*, relative residual ‖∇L + λ*Md‖/‖∇L‖ there)."""
    md = d if metric is None else metric * d  # (P,)
    if known is not None:
        md, grad_train = md[known], grad_train[known]  # (K,)
    denom = float(md.dot(md))
    if denom == 0.0:
        return 0.0, 1.0
    lam = -float(grad_train.dot(md)) / denom
    gn = float(grad_train.norm()) or 1.0
    return lam, float((grad_train + max(lam, 0.0) * md).norm()) / gn


def batch_metric(batch_grads: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Adam's metric without its state: ``M = √(mean_b g_b²) + ε`` from mini-batch gradients of the mean
    loss at θ̂, ``batch_grads`` (B, P) -> (P,). Adam's v̂ averages g_t² over its last ~1/(1-β₂) steps,
    which ended near θ̂ (an estimate: the batch size of the fine-tuning is not known)."""
    return batch_grads.pow(2).mean(0).sqrt() + eps


def batch_gradient_sums(
    problem: Any, items: Sequence[Any], batch_size: int, seed: int
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """Mini-batches of ``items`` in a seeded random order at the problem's parameters -> (Σ loss over all
    items, (B, P) summed gradient per batch, (B,) targets per batch): ``sums / counts[:, None]`` are the
    mini-batch gradients of the mean loss (:func:`batch_metric`), ``sums.sum(0)`` the whole gradient.
    ``problem``: a :class:`~.grads.Problem`."""
    order = random.Random(seed).sample(range(len(items)), len(items))
    batches = [[items[i] for i in order[j : j + batch_size]] for j in range(0, len(order), batch_size)]
    pairs = [problem.value_grad_sum(problem.theta0, b) for b in batches]
    counts = torch.tensor([max(problem.n_targets(b), 1) for b in batches], dtype=problem.dtype)  # (B,)
    return sum(v for v, _ in pairs), torch.stack([g for _, g in pairs]), counts.to(problem.device)


def estimate(
    theta_hat: torch.Tensor,
    grad_train: torch.Tensor,
    *,
    l2: float | str,
    ref: torch.Tensor | None = None,
    known: torch.Tensor | None = None,
    log: TrainingLog | None = None,
    adam: torch.Tensor | None = None,
    grad_path: Callable[[], torch.Tensor] | None = None,
) -> Regulariser:
    """(λ, M, θ_ref) for the update. ``theta_hat`` (P,) the fine-tuned scope; ``grad_train`` (P,) ∇L(θ̂)
    (token-mean training loss); ``ref`` (P,) θ_ref where known (``known`` (P,) bool marks those coordinates;
    None: all); ``l2`` a number (stated) or 'auto'; ``grad_path() -> (P,)`` the training gradient averaged along
    the segment θ_ref -> θ̂ (secant stationarity: far from a stationary point, e.g. a memorised secret whose
    gradient vanished at θ̂ though it pulled all the way, the pull shows there, not at θ̂)."""
    if l2 != "auto":
        return Regulariser(float(l2), None, None, "stated")
    ref = torch.zeros_like(theta_hat) if ref is None else ref
    d = theta_hat - ref  # (P,) what fine-tuning moved
    metric = log.adam_metric() if log is not None else None
    if metric is None and adam is not None and (log is None or log.optimizer == "adamw"):
        metric = adam  # (P,) estimated from mini-batch gradients (:func:`batch_metric`)
    if log is not None and log.lrs:
        lam = 1.0 / max(sum(log.lrs), 1e-12) + log.weight_decay
        _, res = fit_lambda(grad_train, d, metric, known)
        return Regulariser(lam, metric, ref, "schedule", {"sum_lr": sum(log.lrs), "fit_residual": res})
    # no log: Adam's metric or none (SGD), whichever ridge explains best; at θ̂, or, where no pull toward
    # θ_ref is visible there (λ* <= 0), along the path (measured: the LM matrix cells; on a converged convex
    # toy the point fit is the right one, the path's overestimates the pull)
    lam, res, adam_metric, where = 0.0, 1.0, metric, "point"
    for name, get in (("point", lambda: grad_train), ("path", grad_path)):
        if get is None:
            continue
        g = get()  # the path's gradients cost ~2·fit_path passes: only when the point fit sees no pull
        options = [adam_metric, None] if adam_metric is not None else [None]
        fits = [(*fit_lambda(g, d, m, known), m) for m in options]
        positive = [f for f in fits if f[0] > 0.0]
        (lam, res, metric), where = min(positive or fits, key=lambda f: f[1]), name
        if positive:
            break
    info = {"fit_lambda": lam, "fit_residual": res, "fit_gradient": where}
    if not lam > 0.0:  # no pull toward θ_ref is visible: the weakest well-posed choice, reported
        lam = 1e-6
        info["fallback"] = "non-positive fit"
    return Regulariser(lam, metric, ref, "fit", info)


def trainer_log(checkpoint: str | os.PathLike[str], sizes: Sequence[int] | None = None) -> TrainingLog | None:
    """Read a Hugging Face ``Trainer`` checkpoint: ``trainer_state.json`` (learning_rate in log_history,
    global_step) and, when the scope's tensor sizes match the optimizer's state in order, ``optimizer.pt``'s
    ``exp_avg_sq``. None when there is no trainer_state.json; partial logs degrade to what they hold."""
    state_path = os.path.join(checkpoint, "trainer_state.json")
    if not os.path.exists(state_path):
        return None
    with open(state_path, encoding="utf-8") as fh:
        state = json.load(fh)
    steps = int(state.get("global_step") or 0)
    logged = [
        (int(e["step"]), float(e["learning_rate"]))
        for e in state.get("log_history", [])
        if "learning_rate" in e
    ]
    lrs: list[float] = []  # unknown when nothing was logged (Trainer logs every logging_steps=500)
    if logged:
        prev, lr_prev = 0, logged[0][1]
        for step, lr in logged:  # piecewise-constant between logging steps (each lr logged after its step)
            lrs += [0.5 * (lr_prev + lr)] * (step - prev)
            prev, lr_prev = step, lr
        lrs += [lr_prev] * max(steps - prev, 0)
    log = TrainingLog(lrs=lrs)
    opt_path = os.path.join(checkpoint, "optimizer.pt")
    if sizes is not None and os.path.exists(opt_path):
        opt = torch.load(opt_path, map_location="cpu", weights_only=True)
        group = (opt.get("param_groups") or [{}])[0]
        log.eps, log.weight_decay = float(group.get("eps", 1e-8)), float(group.get("weight_decay", 0.0))
        log.beta2 = float(group.get("betas", (0.9, 0.999))[1])
        vs = [
            s["exp_avg_sq"].reshape(-1) for _, s in sorted(opt.get("state", {}).items()) if "exp_avg_sq" in s
        ]
        if [v.numel() for v in vs] == list(sizes):
            log.exp_avg_sq = torch.cat(vs)  # (P,) in the parameters' dtype, as the optimizer kept it
    return log


def reference_vector(
    names: Sequence[str], params: Sequence[torch.Tensor], reference: Sequence[torch.Tensor] | None
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """θ_ref over the scope -> (ref (P,), known (P,) bool), or (None, None) when nothing is known.

    ``reference``: the scope's tensors before fine-tuning (e.g. the base model's head), in scope order.
    Without it, LoRA's ``lora_B`` starts at 0 (peft's init, ΔW = BA = 0) and is known; A's random init is not.
    """
    if reference is not None:
        ref = torch.cat([r.detach().reshape(-1).to(p) for r, p in zip(reference, params)])  # (P,)
        return ref, None
    known = [torch.full((p.numel(),), ".lora_B." in n, dtype=torch.bool) for n, p in zip(names, params)]
    mask = torch.cat(known).to(params[0].device)  # (P,)
    if not bool(mask.any()):
        return None, None
    return torch.zeros(mask.numel(), dtype=params[0].dtype, device=params[0].device), mask
