"""Baselines for influence unlearning, behind the same result type as ``sanitize.influence.unlearn``.

* :func:`retrain` -- re-train the scope from its initial state on the sanitized training sequences
  (LoRA: the adapter re-initialised; head: softmax regression on cached final hidden states). This
  is the reference the closed-form update is judged against.
* :func:`finetune_twins` -- continue training the fitted scope on the sanitized twins Z̃ for k steps.
* :func:`gradient_ascent` -- ascend the loss on the original sequences Z for k steps (Jang et al. 2022).

All training goes through the lab's one trainer, :func:`sanitize_lab.train.train` (the sampled loop or
L-BFGS, see :meth:`BaselineConfig.train_config`); the planted-secret experiment fine-tunes with it
too, so fine-tuning and retraining are the same procedure. None of these functions modifies the
model it is given. :mod:`sanitize_lab.methods` registers them next to the influence updates.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sanitize.config import BaseConfig, option, seed_option
from sanitize.errors import SanitizeError
from sanitize.influence import UnlearnResult
from sanitize.influence.scope import select_scope
from sanitize.types import Pairs, TokenSequence

from .train import TrainConfig, head_features
from .train import train as run_trainer

if TYPE_CHECKING:
    import torch

__all__ = [
    "BaselineConfig",
    "finetune_twins",
    "gradient_ascent",
    "retrain",
    "scope_parameters",
    "train_scope",
]


@dataclasses.dataclass
class BaselineConfig(BaseConfig):
    """How an unlearning baseline trains the scope (see :mod:`sanitize_lab.baselines`)."""

    scope: str = option(
        "adapter",
        choices=("adapter", "head"),
        help="Parameters to train: the active PEFT adapter or the head.",
    )
    steps: int = option(
        50, help="Optimiser steps (retrain: the fine-tuning budget; twins/ascent: k; L-BFGS: iterations)."
    )
    lr: float = option(1e-3, help="Learning rate (AdamW / SGD).")
    batch_size: int = option(16, help="Sequences per step, sampled with replacement.")
    weight_decay: float = option(0.0, help="The optimiser's decoupled weight decay.")
    l2: float = option(
        0.0, help="L2 penalty (l2/2)*||theta||^2 added to the loss (a strongly convex head objective)."
    )
    seed: int = seed_option("the batch sampler (and a LoRA re-initialisation)")
    optimizer: str = option(
        "adamw",
        choices=("adamw", "sgd", "lbfgs"),
        help="'adamw' or 'sgd' (mini-batch) or 'lbfgs' (full batch to a stationary point; steps = iterations, lr unused).",
    )
    schedule: str = option(
        "constant",
        choices=("constant", "linear"),
        help="Learning rate over the steps: 'constant' or 'linear' (decay to 0, Trainer's default).",
    )

    def __post_init__(self) -> None:
        self._check_choices()
        for name in ("steps", "batch_size", "seed"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_range("steps", 1)
        self._check_range("batch_size", 1)
        self._check_range("lr", 0, low_open=True)
        self._check_range("weight_decay", 0)
        self._check_range("l2", 0)

    def train_config(self) -> TrainConfig:
        """The trainer's config: the sampled loop (or L-BFGS) on this scope for ``steps`` steps."""
        return TrainConfig(
            scope=self.scope, loop="sampled", optimizer=self.optimizer, schedule=self.schedule,
            max_steps=self.steps, learning_rate=self.lr, batch_size=self.batch_size,
            weight_decay=self.weight_decay, l2=self.l2, seed=self.seed,
        )  # fmt: skip


def train_scope(
    model: Any,
    sequences: Sequence[TokenSequence],
    config: BaselineConfig,
    *,
    params: Mapping[str, Any] | None = None,
    ascent: bool = False,
) -> list[float]:
    """Train ``config.scope`` of ``model`` in place (head: on cached :func:`head_features`); the losses."""
    params = scope_parameters(model, config.scope) if params is None else params
    feats = head_features(model, sequences) if config.scope == "head" else None
    return run_trainer(
        model, sequences, config.train_config(), params=params, features=feats, ascent=ascent
    ).losses


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

    from sanitize.exposure.memorization import heldout_perplexity

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
    losses = train_scope(new, sequences, config, params=params, ascent=ascent)
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
        metrics["heldout_ppl_before"] = float(heldout_perplexity(chosen.model, None, list(heldout)))
        metrics["heldout_ppl_after"] = float(heldout_perplexity(new, None, list(heldout)))
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


def finetune_twins(
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
        raise SanitizeError("finetune_twins: no pairs")
    return _run("finetune_twins", model, [p.sanitized for p in pairs], config, heldout, monitor)


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
