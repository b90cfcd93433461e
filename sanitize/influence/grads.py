"""Summed losses and gradients over a parameter scope, streamed in batches.

Normalisation (pinned by tests). Fine-tuning minimised ``L(θ) = (1/T) Σ_{z∈D} ℓ(z, θ)`` where
``ℓ(z, θ)`` is the *summed* token NLL of sequence ``z`` over its targets and ``T`` is the number of
target tokens in the training set (``n_train_tokens``, what a token-mean loss divides by). Replacing
the affected sequences ``Z`` by their sanitized twins ``Z̃`` changes the gradient by

    g = (∇ℓ(Z̃, θ) - ∇ℓ(Z, θ)) / T          (P,) over the P parameters in scope

which is what :func:`pair_gradient` returns. Curvature (:mod:`.curvature`) is the matching mean
per target token, so ``Δθ = -H⁻¹ g`` is the Newton step of the sanitized objective.

:class:`Problem` is the functional core shared by gradients, curvature and line search: the scope
parameters are passed explicitly (``torch.func.functional_call``) and everything else is used
detached, so the caller's model is never written to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from .tasks import Task


def flatten(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """List of tensors -> one flat vector (P,)."""
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(vector: torch.Tensor, like: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Flat vector (P,) -> tensors shaped like ``like`` (views into ``vector``)."""
    out, offset = [], 0
    for t in like:
        n = t.numel()
        out.append(vector[offset : offset + n].view_as(t))
        offset += n
    return out


class Problem:
    """A task bound to ``module`` whose parameters ``names`` (relative to ``module``) are the variables."""

    def __init__(self, task: Task, module: nn.Module, names: Sequence[str], batch_size: int = 8) -> None:
        self.task = task
        self.module = module
        self.names = tuple(names)
        self.batch_size = batch_size
        own = dict(module.named_parameters())
        self.theta0 = [own[n].detach() for n in self.names]  # current values, not copied
        self._frozen = {n: p.detach() for n, p in own.items() if n not in set(self.names)}
        self._bound = _Bound(module, task)
        self.device = self.theta0[0].device
        self.dtype = self.theta0[0].dtype

    @property
    def numel(self) -> int:
        return sum(t.numel() for t in self.theta0)

    def flat0(self) -> torch.Tensor:
        return flatten(self.theta0)

    def params_at(self, flat: torch.Tensor) -> list[torch.Tensor]:
        return unflatten(flat, self.theta0)

    def call(self, params: Sequence[torch.Tensor], batch: Any) -> torch.Tensor:
        """Network outputs with the scope parameters set to ``params`` (no state is changed)."""
        values = dict(self._frozen)
        values.update(zip(self.names, params))
        return torch.func.functional_call(self._bound, _prefixed(values), (batch,))

    def batches(self, items: Sequence[Any]) -> Iterator[Any]:
        """Collated batches of ``batch_size`` examples (streamed; longest-first to limit padding)."""
        order = sorted(range(len(items)), key=lambda i: -_length(items[i]))
        for start in range(0, len(order), self.batch_size):
            yield self.task.collate([items[i] for i in order[start : start + self.batch_size]], self.device)

    def loss_sum(self, params: Sequence[torch.Tensor], items: Sequence[Any] | list[Any]) -> float:
        """Σ ℓ(z) over ``items`` (summed token loss) at ``params``, without gradients."""
        total = 0.0
        with torch.no_grad():
            for batch in self.batches(items):
                total += float(self.task.loss(self.call(params, batch), batch))
        return total

    def grad_sum(self, params: Sequence[torch.Tensor], items: Sequence[Any]) -> torch.Tensor:
        """∇_θ Σ ℓ(z) over ``items`` at ``params`` -> (P,), streamed batch by batch."""
        return self.value_grad_sum(params, items)[1]

    def value_grad_sum(
        self, params: Sequence[torch.Tensor], items: Sequence[Any]
    ) -> tuple[float, torch.Tensor]:
        """(Σ ℓ(z), ∇_θ Σ ℓ(z) (P,)) over ``items`` at ``params``: the loss from the gradient's own pass."""
        leaves = [p.detach().requires_grad_(True) for p in params]
        total = torch.zeros(self.numel, dtype=self.dtype, device=self.device)  # (P,)
        value = 0.0
        for batch in self.batches(items):
            loss = self.task.loss(self.call(leaves, batch), batch)  # ()
            total += flatten(torch.autograd.grad(loss, leaves))  # (P,)
            value += float(loss.detach())
        return value, total

    def n_targets(self, items: Sequence[Any]) -> int:
        return sum(self.task.n_targets(x) for x in items)


def pair_gradient(
    problem: Problem,
    originals: Sequence[Any],
    sanitized: Sequence[Any],
    n_train_tokens: int,
    params: Sequence[torch.Tensor] | None = None,
) -> torch.Tensor:
    """``g = (∇ℓ(Z̃) - ∇ℓ(Z)) / T`` at ``params`` (default: the current parameters) -> (P,)."""
    if n_train_tokens <= 0:
        raise ValueError(f"n_train_tokens must be positive, got {n_train_tokens}")
    params = problem.theta0 if params is None else params
    g_new = problem.grad_sum(params, sanitized)  # (P,)
    g_old = problem.grad_sum(params, originals)  # (P,)
    return (g_new - g_old) / n_train_tokens


def path_gradient(
    problem: Problem, items: Sequence[Any], theta: torch.Tensor, d: torch.Tensor, points: int
) -> torch.Tensor:
    """Mean of ∇ℓ(items) along the segment θ - (1-t)·d, t at ``points`` midpoints of [0, 1] -> (P,)."""
    total = torch.zeros_like(theta)
    for k in range(points):
        t = (k + 0.5) / points
        total += problem.grad_sum(problem.params_at(theta - (1.0 - t) * d), items)
    return total / points


class _Bound(nn.Module):
    """``forward(batch) = task.outputs(module, batch)`` so functional_call can swap parameters."""

    def __init__(self, module: nn.Module, task: Task) -> None:
        super().__init__()
        self.inner = module
        self.task = task

    def forward(self, batch: Any) -> torch.Tensor:
        return self.task.outputs(self.inner, batch)


def _prefixed(values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {f"inner.{k}": v for k, v in values.items()}


def _length(item: Any) -> int:
    try:
        return len(item)
    except TypeError:  # pragma: no cover - items without a length
        return 0
