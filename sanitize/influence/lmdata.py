"""Data plumbing of the update: seeded sample splits, cached head inputs, eval/eager contexts."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import torch
from torch import nn

from ..types import TokenSequence
from .config import UpdateConfig
from .tasks import CausalLMTask, Features


def sample_indices(
    n: int, k_curvature: int, k_objective: int, n_heldout: int, seed: int
) -> tuple[list[int], list[int], list[int]]:
    """Split ``range(n)`` -> (curvature, objective, held-out) sorted index lists, from one seeded permutation.

    The curvature sample comes first (``k_curvature``), then up to ``n_heldout`` held-out indices (disjoint
    from both samples), then the rest of the objective sample, which contains the curvature sample and has
    ``max(k_objective, k_curvature)`` indices (fewer when ``n`` is too small).
    """
    order = random.Random(seed).sample(range(n), n)
    k = min(k_curvature, n)
    n_hold = min(n_heldout, n - k)
    held, rest = order[k : k + n_hold], order[:k] + order[k + n_hold :]
    return sorted(order[:k]), sorted(rest[: max(k_objective, k)]), sorted(held)


def head_features(
    model: nn.Module, head: nn.Module, groups: list[list[TokenSequence]], cfg: UpdateConfig
) -> list[list[Features]]:
    """Inputs of the output head at every target position, one transformer pass per batch."""
    captured: list[torch.Tensor] = []
    hook = head.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0].detach()))
    task, device = CausalLMTask(), next(head.parameters()).device
    out: list[list[Features]] = []
    try:
        with torch.no_grad():
            for items in groups:
                feats: list[Features] = []
                for start in range(0, len(items), cfg.batch_size):
                    chunk = items[start : start + cfg.batch_size]
                    batch = task.collate(chunk, device)
                    captured.clear()
                    model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
                    hidden = captured[-1]  # (B, L, d) inputs of the head
                    for i, seq in enumerate(chunk):
                        pos = [t for t in range(1, len(seq)) if seq.loss_mask[t]]  # targets t >= 1
                        x = hidden[i, [t - 1 for t in pos]]  # (n, d): the state predicting token t
                        y = batch.input_ids[i, pos]  # (n,)
                        feats.append(Features(x, y))
                out.append(feats)
    finally:
        hook.remove()
    return out


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


@contextlib.contextmanager
def eager(model: nn.Module) -> Iterator[None]:
    """torch.func.jvp needs eager attention (SDPA kernels have no forward-mode AD)."""
    config = getattr(model, "config", None)
    old = getattr(config, "_attn_implementation", None)
    if config is None or old in (None, "eager"):
        yield
        return
    setter = getattr(model, "set_attn_implementation", None)
    try:
        if callable(setter):
            setter("eager")
        yield
    finally:
        if callable(setter):
            with contextlib.suppress(Exception):
                setter(old)
