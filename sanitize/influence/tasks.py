"""The seam that says how a loss is computed (kronfluence-style ``Task``).

A task turns examples into batches (``collate``), a module + batch into network outputs
(``outputs``) and outputs into a *summed* loss (``loss``). Splitting outputs from the loss is what
the Gauss-Newton product needs: ``G v = J^T H_out J v`` with ``H_out`` the Hessian of the loss in
the outputs (``output_hvp``). Everything downstream (gradients, curvature, line search) only talks
to this interface, so any model fits by writing ~30 lines.

* :class:`CausalLMTask`: examples are :class:`~sanitize.types.TokenSequence`; the loss is the summed
  next-token NLL over positions ``t >= 1`` with ``loss_mask[t] == 1`` (Hugging Face ``labels``
  convention: token ``t`` is predicted from the logits at ``t - 1``).
* :class:`HeadTask`: examples are :class:`Features` (frozen inputs of the head and their targets);
  softmax regression (``loss="softmax"``) or binary logistic regression (``loss="logistic"``).
  Head mode caches the LM's final hidden states once and then only runs the head.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from ..types import TokenSequence


class Task(Protocol):
    """How the (summed) loss of a batch of examples is computed."""

    def collate(self, items: Sequence[Any], device: torch.device | None = None) -> Any: ...

    def outputs(self, module: nn.Module, batch: Any) -> torch.Tensor: ...

    def loss(self, outputs: torch.Tensor, batch: Any) -> torch.Tensor: ...

    def n_targets(self, item: Any) -> int: ...

    def output_hvp(self, outputs: torch.Tensor, batch: Any, u: torch.Tensor) -> torch.Tensor: ...

    def divergence(self, teacher: torch.Tensor, outputs: torch.Tensor, batch: Any) -> torch.Tensor: ...

    def unlikelihood(self, outputs: torch.Tensor, batch: Any) -> torch.Tensor: ...


def unlikely(log_p: torch.Tensor) -> torch.Tensor:
    """``-log(1 - p)`` from ``log p`` (any shape), finite at p = 1: the unlikelihood of a target."""
    return -torch.log1p(-log_p.exp().clamp(max=1.0 - 1e-6))


def softmax_kl(teacher: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """KL(softmax(teacher) ‖ softmax(outputs)) over the last axis: (..., V), (..., V) -> (...)."""
    log_p = F.log_softmax(teacher, dim=-1)  # (..., V)
    return (log_p.exp() * (log_p - F.log_softmax(outputs, dim=-1))).sum(-1)  # (...)


# -- causal language modelling -------------------------------------------------------------------------
@dataclasses.dataclass
class LMBatch:
    input_ids: torch.Tensor  # (B, L) long, right-padded
    attention_mask: torch.Tensor  # (B, L) long
    loss_mask: torch.Tensor  # (B, L) float, 1 where token t is a target


def collate_sequences(
    items: Sequence[TokenSequence], device: torch.device | None = None, dtype: torch.dtype = torch.float32
) -> LMBatch:
    """Right-pad ``TokenSequence`` s into one :class:`LMBatch` (padding is never a target)."""
    length = max(len(s) for s in items)
    ids = torch.zeros(len(items), length, dtype=torch.long)
    att = torch.zeros(len(items), length, dtype=torch.long)
    mask = torch.zeros(len(items), length, dtype=dtype)
    for i, s in enumerate(items):
        n = len(s)
        ids[i, :n] = torch.tensor(s.input_ids, dtype=torch.long)
        att[i, :n] = torch.tensor(s.attention_mask, dtype=torch.long)
        mask[i, :n] = torch.tensor(s.loss_mask, dtype=dtype)
    return LMBatch(ids.to(device), att.to(device), mask.to(device))


def count_targets(items: Sequence[TokenSequence]) -> int:
    """Number of predicted target tokens: ``sum(loss_mask[1:])`` per sequence (the training normaliser)."""
    return sum(sum(s.loss_mask[1:]) for s in items)


def l2_penalty(params: Sequence[torch.Tensor], l2: float) -> torch.Tensor | float:
    """``(l2/2)·‖θ‖²`` over ``params``: the training objective's regulariser (``UpdateConfig.l2`` states it)."""
    return 0.5 * l2 * sum((p**2).sum() for p in params) if l2 else 0.0


class CausalLMTask:
    """Summed next-token NLL of a causal LM (any ``model(input_ids, attention_mask).logits``)."""

    def collate(self, items: Sequence[TokenSequence], device: torch.device | None = None) -> LMBatch:
        return collate_sequences(items, device)

    def outputs(self, module: nn.Module, batch: LMBatch) -> torch.Tensor:
        out = module(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
        return out.logits[:, :-1]  # (B, L-1, V): logits at t-1 predict token t

    def loss(self, outputs: torch.Tensor, batch: LMBatch) -> torch.Tensor:
        targets = batch.input_ids[:, 1:]  # (B, L-1)
        mask = batch.loss_mask[:, 1:].to(outputs.dtype)  # (B, L-1)
        nll = F.cross_entropy(outputs.transpose(1, 2), targets, reduction="none")  # (B, V, L-1) -> (B, L-1)
        return (nll * mask).sum()  # () summed token NLL

    def n_targets(self, item: TokenSequence) -> int:
        return int(sum(item.loss_mask[1:]))

    def output_hvp(self, outputs: torch.Tensor, batch: LMBatch, u: torch.Tensor) -> torch.Tensor:
        """Softmax-CE Hessian in the logits, per position: ``(diag(p) - p p^T) u``, masked."""
        p = torch.softmax(outputs.detach(), dim=-1)  # (B, L-1, V)
        mask = batch.loss_mask[:, 1:].to(outputs.dtype).unsqueeze(-1)  # (B, L-1, 1)
        pu = (p * u).sum(-1, keepdim=True)  # (B, L-1, 1)
        return mask * p * (u - pu)  # (B, L-1, V)

    def divergence(self, teacher: torch.Tensor, outputs: torch.Tensor, batch: LMBatch) -> torch.Tensor:
        """Σ over targets of KL(p_teacher ‖ p_outputs) of the next-token distributions."""
        mask = batch.loss_mask[:, 1:].to(outputs.dtype)  # (B, L-1)
        return (softmax_kl(teacher, outputs) * mask).sum()  # ()

    def unlikelihood(self, outputs: torch.Tensor, batch: LMBatch) -> torch.Tensor:
        """Σ over targets of -log(1 - p(target)): large where a target is certain, unlike its NLL's gradient."""
        log_p = -F.cross_entropy(
            outputs.transpose(1, 2), batch.input_ids[:, 1:], reduction="none"
        )  # (B, L-1)
        return (unlikely(log_p) * batch.loss_mask[:, 1:].to(outputs.dtype)).sum()  # ()


# -- heads on frozen features --------------------------------------------------------------------------
@dataclasses.dataclass
class Features:
    """Frozen inputs of a head and their targets: ``x`` (n, d) float, ``y`` (n,) class ids or {0, 1}."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __repr__(self) -> str:  # never show values (targets may spell a secret)
        return f"Features(n={len(self)}, d={self.x.shape[-1]})"


class HeadTask:
    """Softmax (``loss="softmax"``) or logistic (``loss="logistic"``) regression: outputs = head(x)."""

    def __init__(self, loss: str = "softmax") -> None:
        if loss not in ("softmax", "logistic"):
            raise ValueError(f"HeadTask loss must be 'softmax' or 'logistic', got {loss!r}")
        self.kind = loss

    def collate(self, items: Sequence[Features], device: torch.device | None = None) -> Features:
        x = torch.cat([f.x for f in items]).to(device)  # (N, d)
        y = torch.cat([f.y for f in items]).to(device)  # (N,)
        return Features(x, y)

    def outputs(self, module: nn.Module, batch: Features) -> torch.Tensor:
        return module(batch.x)  # (N, C) logits, or (N, 1) for logistic

    def loss(self, outputs: torch.Tensor, batch: Features) -> torch.Tensor:
        if self.kind == "logistic":
            z = outputs.reshape(-1)  # (N,)
            return F.binary_cross_entropy_with_logits(z, batch.y.to(z.dtype), reduction="sum")
        return F.cross_entropy(outputs, batch.y.long(), reduction="sum")

    def n_targets(self, item: Features) -> int:
        return len(item)

    def output_hvp(self, outputs: torch.Tensor, batch: Features, u: torch.Tensor) -> torch.Tensor:
        if self.kind == "logistic":
            s = torch.sigmoid(outputs.detach())  # (N, 1)
            return s * (1 - s) * u  # (N, 1)
        p = torch.softmax(outputs.detach(), dim=-1)  # (N, C)
        return p * (u - (p * u).sum(-1, keepdim=True))  # (N, C)

    def divergence(self, teacher: torch.Tensor, outputs: torch.Tensor, batch: Features) -> torch.Tensor:
        """Σ over rows of KL(teacher ‖ outputs): categorical (softmax) or Bernoulli (logistic)."""
        if self.kind == "softmax":
            return softmax_kl(teacher, outputs).sum()  # ()
        zero = torch.zeros_like(teacher)  # (N, 1): the logits [z, 0] make the Bernoulli a 2-way softmax
        return softmax_kl(torch.cat([teacher, zero], -1), torch.cat([outputs, zero], -1)).sum()  # ()

    def unlikelihood(self, outputs: torch.Tensor, batch: Features) -> torch.Tensor:
        """Σ over rows of -log(1 - p(target))."""
        if self.kind == "logistic":
            z = outputs.reshape(-1)  # (N,)
            log_p = -F.binary_cross_entropy_with_logits(z, batch.y.to(z.dtype), reduction="none")  # (N,)
        else:
            log_p = -F.cross_entropy(outputs, batch.y.long(), reduction="none")  # (N,)
        return unlikely(log_p).sum()  # ()


__all__ = [
    "CausalLMTask",
    "Features",
    "HeadTask",
    "LMBatch",
    "Task",
    "collate_sequences",
    "count_targets",
    "softmax_kl",
    "unlikely",
]
