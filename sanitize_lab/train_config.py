"""What the lab's trainer is told (:class:`TrainConfig`) and what it returns (:class:`TrainResult`);
the trainer itself is :mod:`sanitize_lab.train`, its loops :mod:`sanitize_lab.loops`."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from typing import TYPE_CHECKING, Any

from sanitize.config import BaseConfig, option, seed_option

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = ["TrainConfig", "TrainResult"]


@dataclasses.dataclass
class TrainConfig(BaseConfig):
    """How the lab trains a causal LM (see :mod:`sanitize_lab.train`); the defaults are LoRA through
    Hugging Face ``Trainer`` for 3 epochs at 1e-3."""

    scope: str = option(
        "lora",
        choices=("lora", "full", "adapter", "head"),
        help="What is trained: 'lora' = a fresh LoRA adapter on the frozen model; 'full' = every weight; "
        "'adapter' = the model's existing PEFT adapter; 'head' = its output head (untie a tied head first).",
    )
    loop: str = option(
        "trainer",
        choices=("trainer", "sampled"),
        help="'trainer' = Hugging Face Trainer (shuffled epochs); 'sampled' = the lab loop (max_steps "
        "mini-batches sampled with replacement, seeded; the whole set when batch_size covers it).",
    )
    optimizer: str = option(
        "adamw",
        choices=("adamw", "sgd", "lbfgs"),
        help="'adamw', 'sgd' (either loop), or 'lbfgs' (full batch to a stationary point; max_steps = "
        "iterations; loop, learning_rate, batch_size and schedule unused).",
    )
    schedule: str = option(
        "linear",
        choices=("constant", "linear", "cosine"),
        help="Learning rate over the steps: 'constant', 'linear' decay to 0, 'cosine' (trainer loop only).",
    )
    epochs: float = option(3.0, help="Passes over the training sequences (ignored when max_steps > 0).")
    max_steps: int = option(-1, help="Optimiser steps (L-BFGS: iterations); > 0 overrides epochs.")
    learning_rate: float = option(1e-3, help="Peak learning rate.")
    batch_size: int = option(8, help="Sequences per optimiser step (per device).")
    weight_decay: float = option(0.0, help="The optimiser's decoupled weight decay (not part of the loss).")
    l2: float = option(
        0.0,
        help="L2 penalty (l2/2)*||theta||^2 over the trained parameters, added to the loss (part of the "
        "objective, unlike weight_decay); pass the same value as UpdateConfig.l2 when unlearning.",
    )
    warmup_steps: int = option(0, help="Linear warm-up steps (trainer loop only).")
    lora_r: int = option(8, help="LoRA rank (scope 'lora').")
    lora_alpha: float = option(16.0, help="LoRA scaling numerator (scale = lora_alpha / lora_r).")
    lora_dropout: float = option(0.0, help="Dropout on the LoRA input (0 keeps the update deterministic).")
    target_modules: list[str] = option(
        [],
        help="Module names (or ['all-linear']) that get LoRA layers; empty = peft's default for the "
        "model type (e.g. c_attn for GPT-2, q_proj/v_proj for Llama).",
    )
    seed: int = seed_option("the LoRA initialisation and the batch order")
    device: str = option(
        "auto",
        choices=("auto", "cpu", "cuda"),
        help="Trainer loop: 'auto' (CUDA when available), 'cpu', 'cuda'.",
    )

    def __post_init__(self) -> None:
        self._check_choices()
        for name in ("max_steps", "batch_size", "warmup_steps", "lora_r", "seed"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        if self.max_steps == 0 or self.max_steps < -1:
            self._fail("max_steps", "must be -1 (use epochs) or a positive integer")
        if self.optimizer == "lbfgs" and self.max_steps < 1:
            self._fail("max_steps", "L-BFGS needs max_steps > 0 (its iterations)")
        if self.loop == "sampled" and self.optimizer != "lbfgs" and self.schedule == "cosine":
            self._fail("schedule", "the sampled loop supports 'constant' and 'linear'")
        self._check_range("epochs", 0.0, low_open=True)
        self._check_range("learning_rate", 0.0, low_open=True)
        self._check_range("batch_size", 1)
        self._check_range("weight_decay", 0.0)
        self._check_range("l2", 0.0)
        self._check_range("warmup_steps", 0)
        self._check_range("lora_r", 1)
        self._check_range("lora_alpha", 0.0, low_open=True)
        self._check_range("lora_dropout", 0.0, 1.0)
        if not isinstance(self.target_modules, (list, tuple)) or not all(
            isinstance(m, str) and m for m in self.target_modules
        ):
            self._fail("target_modules", "must be a list of module names")
        self.target_modules = list(self.target_modules)

    def steps_for(self, n_sequences: int) -> int:
        """Optimiser steps on ``n_sequences``: ``max_steps``, or ``ceil(epochs * n / batch_size)``."""
        if self.max_steps > 0:
            return self.max_steps
        return max(1, math.ceil(self.epochs * n_sequences / self.batch_size))


@dataclasses.dataclass
class TrainResult:
    """The trained model (a ``PeftModel`` for scope 'lora'), its losses and what training did."""

    model: Any
    losses: list[float]
    n_sequences: int
    n_target_tokens: int
    seconds: float
    config: TrainConfig
    state: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"TrainResult(scope={self.config.scope!r}, loop={self.config.loop!r}, sequences={self.n_sequences}, "
            f"target_tokens={self.n_target_tokens}, steps={len(self.losses)}, seconds={self.seconds:.1f})"
        )

    def save(self, path: str | os.PathLike[str], tokenizer: PreTrainedTokenizerBase | None = None) -> None:
        """``save_pretrained`` the adapter or model and the tokenizer, plus ``train_config.json`` and
        ``train_state.json`` (what training did: optimiser, lr, schedule, steps, losses)."""
        self.model.save_pretrained(path)
        if tokenizer is not None:
            tokenizer.save_pretrained(path)
        self.config.save(os.path.join(path, "train_config.json"))
        with open(os.path.join(path, "train_state.json"), "w", encoding="utf-8") as fh:
            json.dump(self.state, fh, indent=2)
            fh.write("\n")
