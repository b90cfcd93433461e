"""Label unlearning for sequence classifiers: the loss seam and the closed-form influence update.

Warnecke et al. (NDSS 2023) replace the affected training points ``Z = {(x_i, y_i)}`` by
``Z̃ = {(x_i, ỹ_i)}`` (corrected labels) or by nothing (removal). With the mean-form objective over
the ``n`` training points (``ℓ`` = cross-entropy of one example, summed over its one target)

    L(θ)  = (1/n) Σ_{z∈D} ℓ(z, θ) + (λ/2)‖θ‖²
    L̃(θ) = (1/n) Σ_{z∈D \\ Z ∪ Z̃} ℓ(z, θ) + (λ/2)‖θ‖²          (n kept for a removal too)

the gradient of the sanitized objective at the trained ``θ₀`` (where ``∇L(θ₀) = 0``) is

    g = (Σ_{z̃∈Z̃} ∇ℓ(z̃, θ₀) - Σ_{z∈Z} ∇ℓ(z, θ₀)) / n                  (P,)

and the update is ``Δ = -(H̃ + δI)⁻¹ g`` (order 2; ``H̃`` the curvature of ``L̃`` including ``λI``,
``δ`` the damping) or ``Δ = -τ g`` (order 1). With ``rounds > 1`` the next Newton steps use the
exact gradient ``∇L̃(θ) - ∇L(θ₀)`` (equal to ``g`` at ``θ₀``): on a convex head trained to its optimum
they converge to the retrained optimum of ``L̃``.

Scopes: ``head`` (the classification head ``score``/``classifier``; its inputs are computed once
with the body frozen, so the problem is the convex softmax regression of :class:`HeadTask`, solved
in float64), ``adapter`` (the active PEFT adapter, via :func:`select_scope`) or ``params`` (globs).
The caller's model is never modified: :func:`unlearn_labels` returns a new one.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..config import BaseConfig, option, seed_option
from .curvature import Curvature
from .grads import Problem
from .scope import ScopeError, select_scope
from .solvers import solve
from .tasks import Features, HeadTask, softmax_kl, unlikely

HEAD_NAMES = ("score", "classifier")  # GPT-2/Llama/Qwen-style and BERT-style classification heads


# -- the loss seam -------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class LabeledText:
    """One training example: token ids and its class id."""

    input_ids: tuple[int, ...]
    label: int

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclasses.dataclass
class ClassificationBatch:
    input_ids: torch.Tensor  # (B, L) long, right-padded with pad_id
    attention_mask: torch.Tensor  # (B, L) long
    labels: torch.Tensor  # (B,) long


class SequenceClassificationTask:
    """Summed cross-entropy of ``model(input_ids, attention_mask).logits`` (B, C) against the labels.

    Right padding with ``pad_id``: models that pool the last non-pad token (GPT-2 style) need
    ``config.pad_token_id == pad_id``; CLS-pooling models (BERT style) ignore it.
    """

    def __init__(self, pad_id: int = 0) -> None:
        self.pad_id = pad_id

    def collate(
        self, items: Sequence[LabeledText], device: torch.device | None = None
    ) -> ClassificationBatch:
        length = max(len(x) for x in items)
        ids = torch.full((len(items), length), self.pad_id, dtype=torch.long)  # (B, L)
        att = torch.zeros(len(items), length, dtype=torch.long)  # (B, L)
        for i, x in enumerate(items):
            ids[i, : len(x)] = torch.tensor(x.input_ids, dtype=torch.long)
            att[i, : len(x)] = 1
        labels = torch.tensor([x.label for x in items], dtype=torch.long)  # (B,)
        return ClassificationBatch(ids.to(device), att.to(device), labels.to(device))

    def outputs(self, module: nn.Module, batch: ClassificationBatch) -> torch.Tensor:
        return module(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits  # (B, C)

    def loss(self, outputs: torch.Tensor, batch: ClassificationBatch) -> torch.Tensor:
        return F.cross_entropy(outputs, batch.labels, reduction="sum")  # ()

    def n_targets(self, item: LabeledText) -> int:
        return 1

    def output_hvp(self, outputs: torch.Tensor, batch: ClassificationBatch, u: torch.Tensor) -> torch.Tensor:
        """Softmax-CE Hessian in the logits: ``(diag(p) - p pᵀ) u`` per example."""
        p = torch.softmax(outputs.detach(), dim=-1)  # (B, C)
        return p * (u - (p * u).sum(-1, keepdim=True))  # (B, C)

    def divergence(
        self, teacher: torch.Tensor, outputs: torch.Tensor, batch: ClassificationBatch
    ) -> torch.Tensor:
        return softmax_kl(teacher, outputs).sum()  # () Σ over examples of KL(teacher ‖ outputs)

    def unlikelihood(self, outputs: torch.Tensor, batch: ClassificationBatch) -> torch.Tensor:
        log_p = -F.cross_entropy(outputs, batch.labels.long(), reduction="none")  # (B,) log p(label)
        return unlikely(log_p).sum()  # () Σ over examples of -log(1 - p(label))


# -- configuration and result --------------------------------------------------------------------------
@dataclasses.dataclass
class LabelUnlearnConfig(BaseConfig):
    """How :func:`unlearn_labels` computes the closed-form update."""

    scope: str = option(
        "head",
        help="'head' (classification head on frozen inputs, float64), 'adapter' (active PEFT adapter) "
        "or 'params' (glob patterns in `params`).",
        choices=("head", "adapter", "params"),
    )
    params: list[str] = option([], help="Glob patterns over named_parameters() for scope 'params'.")
    order: int = option(2, help="1 = gradient step -tau*g, 2 = Newton step -(H + damping I)^-1 g.")
    tau: float | str = option("auto", help="First-order step; 'auto' = 1 / top eigenvalue of H + l2 I.")
    curvature: str = option("ggn", help="'ggn', 'hessian' or 'fisher'.", choices=("ggn", "hessian", "fisher"))
    solver: str = option("exact", help="'exact' (dense, small scopes), 'cg' or 'lissa'.")
    damping: float = option(0.0, help="Added to the curvature diagonal (the L2 term is separate: `l2`).")
    l2: float = option(0.0, help="L2 coefficient lambda of the training objective (lambda/2 ||theta||^2).")
    rounds: int = option(1, help="Newton steps; after the first, the exact sanitized gradient is used.")
    line_search: bool = option(
        False,
        help="Halve each step until the sanitized objective (minus its value model at theta0) decreases.",
    )
    curvature_samples: int = option(0, help="Retained examples in the curvature (0 = all of them).")
    solver_tol: float = option(1e-8, help="Relative residual at which cg/lissa stop.")
    max_iter: int = option(200, help="Iteration cap for cg (lissa gets 20x this).")
    batch_size: int = option(64, help="Examples per batch for gradients and curvature products.")
    max_dense: int = option(5000, help="Largest scope for which a dense curvature matrix is allowed.")
    seed: int = seed_option("the curvature sample and power iteration")

    def __post_init__(self) -> None:
        self._check_choices()
        self._check_choice("order", (1, 2))
        if self.tau != "auto":
            self._check_range("tau", 0.0, low_open=True)
        for name in ("damping", "l2"):
            self._check_range(name, 0.0)
        for name in ("rounds", "max_iter", "batch_size", "max_dense"):
            self._check_range(name, 1)
        self._check_range("curvature_samples", 0)
        self._check_range("solver_tol", 0.0, 1.0, low_open=True)
        if self.scope == "params" and not self.params:
            self._fail("params", "scope 'params' needs at least one pattern")


@dataclasses.dataclass
class LabelUnlearnResult:
    """The unlearned ``model`` (a new object), the update per parameter name, metrics and config."""

    model: nn.Module
    delta: dict[str, torch.Tensor]
    metrics: dict[str, Any]
    config: LabelUnlearnConfig


Pair = tuple[LabeledText, LabeledText | None]  # (x, wrong y) -> (x, corrected y), or None = remove


# -- the numerical core (any Problem: a classifier's head or adapter, a logistic head, a convex toy) ----
def closed_form_update(
    problem: Problem,
    originals: Sequence[Any],
    replacements: Sequence[Any],
    retained: Sequence[Any],
    n_train: int,
    config: LabelUnlearnConfig,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Δθ (P,) replacing ``originals`` by ``replacements`` in a mean-form objective over ``n_train``."""
    cfg, n = config, float(n_train)
    if n_train < len(originals) + len(retained):
        raise ValueError(f"n_train={n_train} is smaller than the {len(originals) + len(retained)} examples")
    theta0 = problem.flat0()  # (P,)
    g_old = problem.grad_sum(problem.theta0, originals)  # (P,) Σ ∇ℓ(Z)
    g_new = problem.grad_sum(problem.theta0, replacements) if replacements else torch.zeros_like(theta0)
    g = (g_new - g_old) / n  # (P,) the influence gradient
    metrics: dict[str, Any] = {
        "n_params": problem.numel,
        "n_pairs": len(originals),
        "grad_norm": float(g.norm()),
    }
    sample = list(retained)
    if cfg.curvature_samples and len(sample) > cfg.curvature_samples:
        gen = torch.Generator().manual_seed(cfg.seed)
        sample = [sample[i] for i in torch.randperm(len(sample), generator=gen)[: cfg.curvature_samples]]
    # H̃ = (1/n)[Σ_{retained} H(z) + Σ_{Z̃} H(z)]: the sample is reweighted to stand for all retained
    weight = len(retained) / max(len(sample), 1) / n
    groups = [(sample, weight), (list(replacements), 1.0 / n)]

    residual0: torch.Tensor | None = None
    new_data = [*retained, *replacements]

    def objective(theta: torch.Tensor) -> float:
        """L̃(θ) - ∇L(θ₀)ᵀ(θ - θ₀): the sanitized objective whose gradient the rounds follow."""
        nonlocal residual0
        if residual0 is None:
            residual0 = (
                problem.grad_sum(problem.theta0, [*retained, *originals]) / n + cfg.l2 * theta0
            )  # (P,)
        value = problem.loss_sum(problem.params_at(theta), new_data) / n + 0.5 * cfg.l2 * float(
            theta.dot(theta)
        )
        return value - float(residual0.dot(theta - theta0))

    theta, products, residuals, steps = theta0.clone(), 0, [], []
    for rnd in range(cfg.rounds):
        if rnd == 0:
            grad = g
        else:  # exact sanitized gradient minus the original objective's residual at θ₀
            objective(theta0)  # sets residual0 = ∇L(θ₀) (P,), ~0 at an optimum
            assert residual0 is not None
            params = problem.params_at(theta)
            grad = problem.grad_sum(params, new_data) / n + cfg.l2 * theta - residual0  # (P,)
        op = Curvature(problem, kind=cfg.curvature, l2=cfg.l2, damping=cfg.damping,
                       params=problem.params_at(theta), groups=[(gr, w) for gr, w in groups if gr])  # fmt: skip
        if cfg.order == 1:
            if "tau" not in metrics:
                tau = cfg.tau if cfg.tau != "auto" else 1.0 / max(op.top_eigenvalue(seed=cfg.seed), 1e-12)
                metrics["tau"] = float(tau)
            step = -metrics["tau"] * grad  # (P,)
        else:
            sol = solve(
                cfg.solver, op, -grad, tol=cfg.solver_tol, max_iter=cfg.max_iter, max_dense=cfg.max_dense
            )
            step = sol.x  # (P,)
            residuals.append(sol.residual)
        products += op.n_products
        alpha = _armijo(problem, theta, step, grad, objective) if cfg.line_search else 1.0
        steps.append(alpha)
        theta = theta + alpha * step
    metrics.update(
        update_norm=float((theta - theta0).norm()),
        curvature_products=products,
        solver_residual=residuals,
        step=steps,
    )
    return theta - theta0, metrics


def _armijo(problem: Problem, theta: torch.Tensor, step: torch.Tensor, grad: torch.Tensor,
            objective: Any, tries: int = 30) -> float:  # fmt: skip
    """Largest ``α = 2^-k`` with ``f(θ + α Δ) <= f(θ) + 1e-4 α gᵀΔ`` (0.0 when none is found)."""
    f0, slope = objective(theta), float(grad.dot(step))
    alpha = 1.0
    for _ in range(tries):
        if objective(theta + alpha * step) <= f0 + 1e-4 * alpha * min(slope, 0.0):
            return alpha
        alpha *= 0.5
    return 0.0


# -- the model-level API -------------------------------------------------------------------------------
def classification_head(model: nn.Module) -> tuple[str, nn.Module]:
    """``(name, module)`` of the classification head (``score``/``classifier``; peft's active copy)."""
    for name, module in model.named_modules():
        if name.rsplit(".", 1)[-1] not in HEAD_NAMES:
            continue
        saved = getattr(module, "modules_to_save", None)
        if saved is not None:  # peft modules_to_save wrapper: the trained copy is the active one
            active = getattr(module, "active_adapter", None)
            active = active[0] if isinstance(active, (list, tuple)) else active
            return f"{name}.modules_to_save.{active}", saved[active]
        return name, module
    raise ScopeError(f"scope 'head': the model has no classification head named {' or '.join(HEAD_NAMES)}")


@torch.no_grad()
def head_inputs(model: nn.Module, items: Sequence[LabeledText], task: SequenceClassificationTask,
                batch_size: int = 64) -> list[Features]:  # fmt: skip
    """Per-example inputs of the head (frozen body) with their labels, as float64 :class:`Features`.

    A head applied to every position before pooling (GPT-2 style: logits (B, L, C) pooled to (B, C))
    gets the position whose head output is the model's logits; a pooled head (B, d) is used as is.
    """
    _, head = classification_head(model)
    seen: dict[str, torch.Tensor] = {}
    hook = head.register_forward_hook(lambda m, a, out: seen.update(x=a[0], out=out))
    device = next(model.parameters()).device
    out: list[Features] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(items), batch_size):
            chunk = list(items[start : start + batch_size])
            batch = task.collate(chunk, device)
            logits = task.outputs(model, batch)  # (B, C)
            x, per_position = seen["x"], seen["out"]
            if x.dim() == 3 and per_position.dim() == 3:  # (B, L, d) and (B, L, C): find the pooled position
                gap = (per_position - logits[:, None, :]).abs().amax(-1)  # (B, L)
                x = x[torch.arange(x.shape[0], device=x.device), gap.argmin(-1)]  # (B, d)
            elif x.dim() != 2:
                raise ScopeError("scope 'head': the head's input is not one vector per example; use 'params'")
            for i, item in enumerate(chunk):
                out.append(Features(x[i : i + 1].double().cpu(), torch.tensor([item.label])))
    finally:
        hook.remove()
        model.train(was_training)
    return out


def unlearn_labels(
    model: nn.Module,
    pairs: Sequence[Pair],
    retained: Sequence[LabeledText],
    config: LabelUnlearnConfig | None = None,
    *,
    n_train: int | None = None,
    pad_id: int | None = None,
) -> LabelUnlearnResult:
    """Replace each ``(x, y)`` by ``(x, ỹ)`` (or remove it when ``ỹ`` is None) in a trained classifier.

    ``retained``: the unaffected training examples (the curvature, and the gradient of later rounds).
    ``n_train``: the training-set size the objective was a mean over (default ``len(pairs) + len(retained)``).
    ``pad_id``: defaults to ``model.config.pad_token_id``. Returns a new model; ``model`` is untouched.
    """
    cfg = config or LabelUnlearnConfig()
    if not pairs:
        raise ValueError("no pairs to unlearn")
    start = time.perf_counter()
    pad = pad_id if pad_id is not None else getattr(getattr(model, "config", None), "pad_token_id", None) or 0
    task = SequenceClassificationTask(pad)
    originals = [a for a, _ in pairs]
    replacements = [b for _, b in pairs if b is not None]
    n = n_train if n_train is not None else len(pairs) + len(retained)
    if cfg.scope == "head":
        name, head = classification_head(model)
        local = [k for k, _ in head.named_parameters()]
        full = [f"{name}.{k}" for k in local]
        head64 = copy.deepcopy(head).double()  # cached (1, d) inputs: large batches cost little
        problem = Problem(HeadTask("softmax"), head64, local, batch_size=max(cfg.batch_size, 1024))
        data = [head_inputs(model, xs, task, cfg.batch_size) for xs in (originals, replacements, retained)]
    else:
        scope = select_scope(model, cfg.scope, cfg.params)
        full = list(scope.names)
        problem = Problem(task, scope.model, full, batch_size=cfg.batch_size)
        data = [originals, replacements, list(retained)]
    delta, metrics = closed_form_update(problem, data[0], data[1], data[2], n, cfg)
    deltas = dict(zip(full, (d.detach().clone() for d in problem.params_at(delta))))
    new = copy.deepcopy(model)
    params = dict(new.named_parameters())
    with torch.no_grad():
        for k, d in deltas.items():
            params[k].add_(d.to(device=params[k].device, dtype=params[k].dtype))
    metrics.update(
        scope=cfg.scope,
        seconds=time.perf_counter() - start,
        n_train=n,
        removed=len(originals) - len(replacements),
    )
    return LabelUnlearnResult(new, deltas, metrics, cfg)


__all__ = [
    "ClassificationBatch",
    "LabelUnlearnConfig",
    "LabelUnlearnResult",
    "LabeledText",
    "SequenceClassificationTask",
    "classification_head",
    "closed_form_update",
    "head_inputs",
    "unlearn_labels",
]
