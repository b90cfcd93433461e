"""Baselines for influence unlearning, behind the same interface and result type as ``unlearn``.

* :func:`retrain` -- re-train the scope from its initial state on the sanitized training sequences
  (LoRA: the adapter re-initialised; head: softmax regression on cached final hidden states). This
  is the reference the closed-form update is judged against.
* :func:`finetune` -- continue training the fitted scope on the sanitized twins Z̃ for k steps.
* :func:`gradient_ascent` -- ascend the loss on the original sequences Z for k steps (Jang et al. 2022).

:func:`train_scope` is the single home of "train the scope" (AdamW, fixed seed, per-batch token-mean
loss over ``loss_mask`` targets -- the Hugging Face ``labels`` convention); the planted-secret
experiment fine-tunes with it too, so fine-tuning and retraining are the same procedure.
None of these functions modifies the model it is given.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..config import BaseConfig, option
from ..errors import SanitizeError
from ..types import Pairs, TokenSequence
from .scope import select_scope
from .tasks import count_targets, l2_penalty
from .update import UnlearnResult

if TYPE_CHECKING:
    import torch

__all__ = [
    "finetune", "gradient_ascent", "head_features", "retrain", "scope_parameters", "sequence_nll", "train_scope",
]  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Loss over TokenSequences and the one training loop
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class BaselineConfig(BaseConfig):
    """How an unlearning baseline trains the scope (see :mod:`sanitize.influence.baselines`)."""

    scope: str = option("adapter", help="Parameters to train: 'adapter' (the active PEFT adapter) or 'head'.")
    steps: int = option(50, help="AdamW steps (retrain: the fine-tuning budget; finetune/ascent: k).")
    lr: float = option(1e-3, help="AdamW learning rate.")
    batch_size: int = option(16, help="Sequences per step, sampled with replacement.")
    weight_decay: float = option(0.0, help="AdamW (decoupled) weight decay.")
    l2: float = option(
        0.0, help="L2 penalty (l2/2)*||theta||^2 added to the loss (a strongly convex head objective)."
    )
    seed: int = option(0, help="Seed of the batch sampler (and of a LoRA re-initialisation).")
    optimizer: str = option(
        "adamw",
        help="'adamw' (mini-batch) or 'lbfgs' (full batch to a stationary point; steps = iterations, lr unused).",
    )
    schedule: str = option(
        "constant",
        help="AdamW learning rate over the steps: 'constant' or 'linear' (decay to 0, Trainer's default).",
    )

    def __post_init__(self) -> None:
        self._check_choice("scope", ("adapter", "head"))
        self._check_choice("optimizer", ("adamw", "lbfgs"))
        self._check_choice("schedule", ("constant", "linear"))
        for name in ("steps", "batch_size", "seed"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_range("steps", 1)
        self._check_range("batch_size", 1)
        self._check_range("lr", 0, low_open=True)
        self._check_range("weight_decay", 0)
        self._check_range("l2", 0)


def _batch(sequences: Sequence[TokenSequence], device: Any) -> tuple[Any, Any, Any]:
    """Right-padded (B, T) input_ids, attention_mask, loss_mask."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.zeros(len(sequences), width, dtype=torch.long)
    att = torch.zeros_like(ids)
    tgt = torch.zeros_like(ids)
    for i, s in enumerate(sequences):
        n = len(s)
        ids[i, :n] = torch.tensor(s.input_ids)
        att[i, :n] = torch.tensor(s.attention_mask)
        tgt[i, :n] = torch.tensor(s.loss_mask)
    return ids.to(device), att.to(device), tgt.to(device)


def _upcast(x: torch.Tensor) -> torch.Tensor:
    """Half-precision logits -> float32 for the loss; float32/float64 stay as they are."""
    import torch

    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def sequence_nll(model: Any, sequences: Sequence[TokenSequence]) -> tuple[torch.Tensor, int]:
    """(summed next-token NLL over all targets, number of targets) for one batch of sequences."""
    import torch.nn.functional as F

    device = next(model.parameters()).device
    ids, att, tgt = _batch(sequences, device)  # (B, T) each
    logits = model(input_ids=ids, attention_mask=att).logits  # (B, T, V)
    nll = F.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(), ids[:, 1:].flatten(), reduction="none"
    )  # (B*(T-1),)
    mask = tgt[:, 1:].flatten().to(nll.dtype)  # (B*(T-1),) target t is predicted at position t-1
    return (nll * mask).sum(), int(mask.sum())


def head_features(
    model: Any, sequences: Sequence[TokenSequence], batch_size: int = 32
) -> list[tuple[Any, Any]]:
    """Per sequence: (inputs of the output embedding at the positions that predict a target (n, d),
    target ids (n,)). Computed once; afterwards the head problem needs no transformer pass."""
    import torch

    head = model.get_output_embeddings()
    seen: list[torch.Tensor] = []
    handle = head.register_forward_hook(lambda mod, args, out: seen.append(args[0].detach()))
    out = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            for i in range(0, len(sequences), batch_size):
                chunk = sequences[i : i + batch_size]
                ids, att, tgt = _batch(chunk, device)
                seen.clear()
                model(input_ids=ids, attention_mask=att)
                hidden = seen[-1]  # (B, T, d)
                for b, s in enumerate(chunk):
                    keep = tgt[b, 1 : len(s)].bool()  # (n_b - 1,)
                    out.append((hidden[b, : len(s) - 1][keep], ids[b, 1 : len(s)][keep]))
    finally:
        handle.remove()
        model.train(was_training)
    return out


def train_scope(
    model: Any,
    params: Mapping[str, torch.nn.Parameter],
    sequences: Sequence[TokenSequence],
    *,
    steps: int,
    lr: float,
    batch_size: int = 16,
    seed: int = 0,
    weight_decay: float = 0.0,
    l2: float = 0.0,
    ascent: bool = False,
    features: Sequence[tuple[Any, Any]] | None = None,
    optimizer: str = "adamw",
    schedule: str = "constant",
) -> list[float]:
    """Train only ``params`` of ``model`` (in place) for ``steps`` optimizer steps; returns the losses.

    ``optimizer="adamw"``: mini-batch AdamW (below). ``optimizer="lbfgs"``: full-batch L-BFGS with a
    strong-Wolfe line search, up to ``steps`` iterations (``lr``, ``batch_size`` and ``seed`` unused) --
    it reaches a stationary point of the objective, the premise of the influence update, and on a
    convex head (``features`` with ``l2 > 0``) the unique optimum. ``schedule``: AdamW's learning rate,
    ``"constant"`` or ``"linear"`` (decays to 0 over ``steps``, Hugging Face ``Trainer``'s default: the
    last steps average out the batch noise, so the end point is close to stationary).

    Each step samples ``batch_size`` sequences with replacement (torch generator seeded with ``seed``;
    all sequences in order when ``batch_size >= len(sequences)``) and takes the token-mean NLL over
    their targets; ``ascent`` maximises it instead. With
    ``features`` (from :func:`head_features`, for a head scope) the loss is computed from the cached
    inputs of the output embedding -- the same loss, without transformer passes. ``l2`` adds
    (l2/2)·‖θ‖² over ``params`` (unlike AdamW's decoupled ``weight_decay``, part of the objective).
    """
    import torch
    import torch.nn.functional as F

    if not sequences:
        raise SanitizeError("train_scope: no training sequences")
    if features is not None and len(features) != len(sequences):
        raise SanitizeError("train_scope: features must have one entry per sequence")
    if optimizer not in ("adamw", "lbfgs"):
        raise SanitizeError(f"train_scope: unknown optimizer {optimizer!r} (use 'adamw' or 'lbfgs')")
    if schedule not in ("constant", "linear"):
        raise SanitizeError(f"train_scope: unknown schedule {schedule!r} (use 'constant' or 'linear')")
    if ascent and optimizer == "lbfgs":
        raise SanitizeError("train_scope: gradient ascent needs optimizer='adamw'")
    flags = {id(p): p.requires_grad for p in model.parameters()}
    for p in model.parameters():
        p.requires_grad_(False)
    trainable = list(params.values())
    for p in trainable:
        p.requires_grad_(True)
    head = model.get_output_embeddings() if features is not None else None
    was_training = model.training
    model.train(optimizer == "adamw")  # L-BFGS needs a deterministic objective (no dropout)
    try:
        if optimizer == "lbfgs":
            return _train_lbfgs(model, trainable, sequences, features, head, steps=steps, l2=l2)
        opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=weight_decay)
        decay = torch.optim.lr_scheduler.LambdaLR(
            opt, (lambda i: 1.0 - i / steps) if schedule == "linear" else (lambda i: 1.0)
        )
        gen = torch.Generator().manual_seed(seed)
        losses = []
        for _ in range(steps):
            if batch_size >= len(sequences):  # full batch: deterministic gradient descent
                idx = list(range(len(sequences)))
            else:
                idx = torch.randint(len(sequences), (batch_size,), generator=gen).tolist()
            if features is None:
                total, count = sequence_nll(model, [sequences[i] for i in idx])
                loss = total / max(count, 1)
            else:
                h = torch.cat([features[i][0] for i in idx])  # (N, d) cached head inputs
                y = torch.cat([features[i][1] for i in idx])  # (N,) targets
                loss = F.cross_entropy(_upcast(head(h)), y)  # (N, V) logits -> mean NLL
            loss = loss + l2_penalty(trainable, l2)
            opt.zero_grad(set_to_none=True)
            (-loss if ascent else loss).backward()
            opt.step()
            decay.step()
            losses.append(float(loss.detach()))
        return losses
    finally:
        model.train(was_training)
        for p in model.parameters():
            p.requires_grad_(flags[id(p)])


def _train_lbfgs(
    model: Any,
    trainable: list[Any],
    sequences: Sequence[TokenSequence],
    features: Sequence[tuple[Any, Any]] | None,
    head: Any,
    *,
    steps: int,
    l2: float,
    chunk: int = 64,
) -> list[float]:
    """Full-batch L-BFGS on the token-mean NLL + (l2/2)·‖θ‖² over all ``sequences``."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.LBFGS(
        trainable, lr=1.0, max_iter=steps, tolerance_grad=1e-9, tolerance_change=1e-12, history_size=50,
        line_search_fn="strong_wolfe",
    )  # fmt: skip
    if features is not None:
        h = torch.cat([f[0] for f in features])  # (N, d) cached head inputs
        y = torch.cat([f[1] for f in features])  # (N,) targets
    n_targets = max(count_targets(sequences), 1)
    losses: list[float] = []

    def closure() -> Any:
        opt.zero_grad(set_to_none=True)
        if features is not None:
            loss = F.cross_entropy(_upcast(head(h)), y) + l2_penalty(trainable, l2)  # (N, V) logits -> NLL
            loss.backward()
        else:  # the token mean over all sequences, accumulated chunk by chunk to bound memory
            loss = torch.zeros(())
            for i in range(0, len(sequences), chunk):
                part = sequence_nll(model, sequences[i : i + chunk])[0] / n_targets
                part.backward()
                loss = loss + part.detach()
            if l2:
                reg = l2_penalty(trainable, l2)
                reg.backward()
                loss = loss + reg.detach()
        losses.append(float(loss.detach()))
        return loss

    opt.step(closure)
    return losses


# --------------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------------
def scope_parameters(model: Any, scope: str) -> dict[str, torch.nn.Parameter]:
    """name -> live Parameter of ``scope`` on ``model`` itself (a tied head must be untied first)."""
    s = select_scope(model, scope)
    if s.model is not model:
        raise SanitizeError(
            "scope 'head': the head is tied; untie it first (sanitize.influence.scope.untie_head)"
        )
    return s.params


def _run(
    method: str,
    model: Any,
    sequences: Sequence[TokenSequence],
    config: BaselineConfig,
    heldout: Sequence[TokenSequence] | None,
    monitor: Callable[[Any], float] | None,
    *,
    ascent: bool = False,
    init: Mapping[str, Any] | None = None,
    reinit: bool = False,
) -> UnlearnResult:
    import torch

    from .experiment import heldout_perplexity

    t0 = time.perf_counter()
    chosen = select_scope(model, config.scope)  # unties a tied head on a copy
    new = copy.deepcopy(chosen.model)  # never train the caller's model
    live = dict(new.named_parameters())
    params = {n: live[n] for n in chosen.params}
    before = {n: p.detach().clone() for n, p in params.items()}
    if init is not None:
        missing = sorted(set(params) - set(init))
        if missing:
            raise SanitizeError(f"retrain: init lacks scope parameter(s) {', '.join(missing[:5])}")
        with torch.no_grad():
            for n, p in params.items():
                p.copy_(init[n])
    elif reinit:
        _reinit_adapter(new, config)
    feats = head_features(new, sequences) if config.scope == "head" else None
    losses = train_scope(
        new, params, sequences, steps=config.steps, lr=config.lr, batch_size=config.batch_size,
        seed=config.seed, weight_decay=config.weight_decay, l2=config.l2, ascent=ascent, features=feats,
        optimizer=config.optimizer, schedule=config.schedule,
    )  # fmt: skip
    delta = {n: (p.detach() - before[n]) for n, p in params.items()}
    seconds = time.perf_counter() - t0
    metrics: dict[str, Any] = {
        "method": method,
        "seconds": seconds,
        "steps": config.steps,
        "final_train_loss": losses[-1],
        "update_norm": float(torch.sqrt(sum((d.double() ** 2).sum() for d in delta.values()))),
    }
    if heldout:
        metrics["heldout_ppl_before"] = heldout_perplexity(chosen.model, heldout)
        metrics["heldout_ppl_after"] = heldout_perplexity(new, heldout)
    if monitor is not None:
        metrics["monitor_after"] = float(monitor(new.eval()))
    return UnlearnResult(delta=delta, scope=chosen.info(), metrics=metrics, config=config)


def _reinit_adapter(model: Any, config: BaselineConfig) -> None:
    """Re-initialise every LoRA layer of the active adapter as peft does at creation (seeded)."""
    import torch
    from peft.tuners.lora import LoraLayer

    if config.scope != "adapter":
        raise SanitizeError("retrain: scope 'head' needs `init` (the head before fine-tuning)")
    torch.manual_seed(config.seed)
    found = False
    for module in model.modules():
        if isinstance(module, LoraLayer):
            for name in module.active_adapters:
                module.reset_lora_parameters(name, True)
                found = True
    if not found:
        raise SanitizeError("retrain: only LoRA adapters can be re-initialised without `init`; pass init=")


def retrain(
    model: Any,
    pairs: Pairs,
    *,
    train: Sequence[TokenSequence],
    heldout: Sequence[TokenSequence] | None = None,
    init: Mapping[str, Any] | None = None,
    config: BaselineConfig | None = None,
    monitor: Callable[[Any], float] | None = None,
) -> UnlearnResult:
    """Re-train the scope from ``init`` (or a fresh LoRA init) on the sanitized corpus ``train``.

    ``train`` must be the whole sanitized training set; an original sequence of ``pairs`` found in
    it is an error (it would re-teach the secret).
    """
    config = config or BaselineConfig()
    originals = {p.original.input_ids for p in pairs if p.original.input_ids != p.sanitized.input_ids}
    if any(s.input_ids in originals for s in train):
        raise SanitizeError("retrain: `train` contains an original (unsanitized) sequence of `pairs`")
    return _run("retrain", model, train, config, heldout, monitor, init=init, reinit=init is None)


def finetune(
    model: Any,
    pairs: Pairs,
    *,
    heldout: Sequence[TokenSequence] | None = None,
    config: BaselineConfig | None = None,
    monitor: Callable[[Any], float] | None = None,
) -> UnlearnResult:
    """Continue training the fitted scope on the sanitized twins Z̃ for ``config.steps`` steps."""
    config = config or BaselineConfig()
    if not len(pairs):
        raise SanitizeError("finetune: no pairs")
    return _run("finetune", model, [p.sanitized for p in pairs], config, heldout, monitor)


def gradient_ascent(
    model: Any,
    pairs: Pairs,
    *,
    heldout: Sequence[TokenSequence] | None = None,
    config: BaselineConfig | None = None,
    monitor: Callable[[Any], float] | None = None,
) -> UnlearnResult:
    """Ascend the loss of the original sequences Z for ``config.steps`` steps (Jang et al. 2022)."""
    config = config or BaselineConfig()
    if not len(pairs):
        raise SanitizeError("gradient_ascent: no pairs")
    return _run("gradient_ascent", model, [p.original for p in pairs], config, heldout, monitor, ascent=True)
