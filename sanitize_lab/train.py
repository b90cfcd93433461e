"""The lab's one trainer: every model the lab trains -- a LoRA adapter fine-tuned as users do, the
scope re-trained for a baseline, the LM head fitted to its optimum, a tiny model pre-trained from
scratch -- goes through :func:`train` (or :func:`train_texts` for raw texts), configured by one
:class:`TrainConfig`.

What is trained (``TrainConfig.scope``): ``"lora"`` wraps the model in a fresh LoRA adapter (peft),
``"full"`` unfreezes every weight, ``"adapter"`` / ``"head"`` train the model's existing PEFT
adapter / its (untied) output head; ``params=`` names the parameters explicitly.

How (``loop`` and ``optimizer``):

* ``loop="trainer"``: Hugging Face ``Trainer`` -- shuffled passes over the sequences (``epochs``, or
  ``max_steps``), ``lr_scheduler_type=schedule``, warm-up, AdamW (``optim`` left at Trainer's
  default) or SGD. How users fine-tune; the model ``sanitize unlearn`` repairs.
* ``loop="sampled"``: the lab loop -- ``max_steps`` mini-batches of ``batch_size`` sequences sampled
  with replacement from a torch generator seeded with ``seed`` (all sequences in order when
  ``batch_size >= len(sequences)``: deterministic full-batch descent), AdamW or SGD, learning rate
  ``constant`` or decaying ``linear`` ly to 0 (Trainer's default). Optional gradient ``ascent`` and
  cached head ``features`` (:func:`head_features`: the same loss without transformer passes).
* ``optimizer="lbfgs"``: full-batch L-BFGS with a strong-Wolfe line search, up to ``max_steps``
  iterations, to a stationary point of the objective (on a convex head with ``l2 > 0``, the optimum).

The objective is always Hugging Face's causal-LM loss, the mean token NLL over the targets of a batch
(``labels = -100`` / ``loss_mask = 0`` elsewhere), plus ``l2/2·‖θ‖²`` over the trained parameters
(``l2``: part of the objective, unlike the optimiser's decoupled ``weight_decay``; state the same value
to the influence update as ``UpdateConfig.l2``). :attr:`TrainResult.state` records what was done
(lr, steps, schedule, optimiser, losses) and :meth:`TrainResult.save` writes it as
``train_state.json`` next to the saved model, like ``Trainer``'s ``trainer_state.json``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sanitize.config import BaseConfig, option, seed_option
from sanitize.errors import SanitizeError
from sanitize.influence.tasks import count_targets, l2_penalty

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from sanitize.pairs import PairConfig
    from sanitize.types import TokenSequence

__all__ = [
    "TrainConfig", "TrainResult", "collate", "finetune", "head_features", "prepare_model", "sequence_nll",
    "train", "train_texts",
]  # fmt: skip


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


# --------------------------------------------------------------------------------------------------
# Batches and losses over TokenSequences
# --------------------------------------------------------------------------------------------------
def collate(sequences: Sequence[TokenSequence], pad_id: int) -> dict[str, Any]:
    """Right-padded ``input_ids``/``attention_mask`` (B, T) and ``labels`` (-100 off target)."""
    import torch

    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)  # (B, T)
    labels = torch.full((len(sequences), width), -100, dtype=torch.long)  # (B, T)
    for i, s in enumerate(sequences):
        n = len(s)
        ids[i, :n] = torch.tensor(s.input_ids)
        mask[i, :n] = torch.tensor(s.attention_mask)
        labels[i, :n] = torch.tensor(s.labels)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


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


# --------------------------------------------------------------------------------------------------
# What is trained
# --------------------------------------------------------------------------------------------------
def prepare_model(model: PreTrainedModel, config: TrainConfig) -> Any:
    """Scope 'lora': wrap ``model`` in a fresh LoRA adapter (seeded); 'full': unfreeze it; otherwise
    ``model`` unchanged (its 'adapter' / 'head' parameters are selected by :func:`train`)."""
    if config.scope == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    if config.scope != "lora":
        return model
    from peft import LoraConfig, get_peft_model

    targets: Any = config.target_modules or None
    if targets == ["all-linear"]:
        targets = "all-linear"
    lora = LoraConfig(
        task_type="CAUSAL_LM",
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
    )
    import torch

    torch.manual_seed(config.seed)  # LoRA A matrices are initialised randomly
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:
        raise SanitizeError(f"TrainConfig.target_modules: {exc}") from None


def _scope_params(model: Any, config: TrainConfig) -> dict[str, Any]:
    if config.scope in ("lora", "full"):
        return {n: p for n, p in model.named_parameters() if p.requires_grad}
    from sanitize.influence.scope import select_scope

    s = select_scope(model, config.scope)
    if s.model is not model:
        raise SanitizeError(
            "scope 'head': the head is tied; untie it first (sanitize.influence.scope.untie_head)"
        )
    return dict(s.params)


# --------------------------------------------------------------------------------------------------
# The entry points
# --------------------------------------------------------------------------------------------------
def train(
    model: Any,
    sequences: Sequence[TokenSequence],
    config: TrainConfig | None = None,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    params: Mapping[str, Any] | None = None,
    features: Sequence[tuple[Any, Any]] | None = None,
    ascent: bool = False,
) -> TrainResult:
    """Train ``model`` in place on tokenised ``sequences`` (see the module docstring).

    ``params``: train exactly these live parameters of ``model`` (default: the config's scope).
    ``features`` (sampled loop / L-BFGS, head scope): cached head inputs from :func:`head_features`.
    ``ascent``: maximise the loss (gradient ascent; sampled loop only). ``tokenizer``: its pad id
    pads the trainer loop's batches. Requires-grad flags are restored afterwards except for the
    'lora' / 'full' scopes, whose wrapped / unfrozen model is the result.
    """
    config = config or TrainConfig()
    if not sequences:
        raise SanitizeError("training needs at least one training sequence (the corpus is empty)")
    if features is not None and len(features) != len(sequences):
        raise SanitizeError("train: features must have one entry per sequence")
    if ascent and (config.loop != "sampled" or config.optimizer == "lbfgs"):
        raise SanitizeError("train: gradient ascent needs loop='sampled' with optimizer 'adamw' or 'sgd'")
    if config.loop == "trainer" and features is not None and config.optimizer != "lbfgs":
        raise SanitizeError("train: cached head features need loop='sampled' or optimizer='lbfgs'")
    if config.loop == "trainer" and config.optimizer != "lbfgs":
        from transformers import set_seed

        set_seed(config.seed)  # before the LoRA initialisation, as Trainer users do
    restore = params is not None or config.scope in ("adapter", "head")
    if params is None:
        model = prepare_model(model, config)
        params = _scope_params(model, config)
    flags = {id(p): p.requires_grad for p in model.parameters()}
    for p in model.parameters():
        p.requires_grad_(False)
    trainable = list(params.values())
    for p in trainable:
        p.requires_grad_(True)
    start = time.perf_counter()
    try:
        if config.optimizer == "lbfgs":
            losses, extra = _train_lbfgs(model, trainable, sequences, features, config)
        elif config.loop == "sampled":
            losses, extra = _train_sampled(model, trainable, sequences, features, config, ascent)
        else:
            model, losses, extra = _train_hf(model, sequences, config, tokenizer)
    finally:
        if restore:
            for p in model.parameters():
                if id(p) in flags:
                    p.requires_grad_(flags[id(p)])
    seconds = time.perf_counter() - start
    n_targets = count_targets(sequences)
    state = {
        "scope": config.scope,
        "loop": "full-batch" if config.optimizer == "lbfgs" else config.loop,
        "optimizer": config.optimizer,
        "schedule": None if config.optimizer == "lbfgs" else config.schedule,
        "learning_rate": None if config.optimizer == "lbfgs" else config.learning_rate,
        "batch_size": len(sequences) if config.optimizer == "lbfgs" else config.batch_size,
        "weight_decay": config.weight_decay,
        "l2": config.l2,
        "seed": config.seed,
        "ascent": ascent,
        "n_sequences": len(sequences),
        "n_target_tokens": n_targets,
        "trainable_parameters": sum(int(p.numel()) for p in trainable),
        "steps": len(losses),
        "first_loss": losses[0] if losses else None,
        "final_loss": losses[-1] if losses else None,
        "seconds": seconds,
        **extra,
    }
    return TrainResult(model, losses, len(sequences), n_targets, seconds, config, state)


def finetune(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    corpus: Any,
    config: TrainConfig | None = None,
    pair_config: PairConfig | None = None,
) -> TrainResult:
    """Tokenise ``corpus`` as :func:`sanitize.pairs.tokenize_corpus` does, then :func:`train`.

    ``corpus``: a ``datasets.Dataset`` with a ``text`` column or a list of strings.
    """
    from sanitize.pairs import tokenize_corpus

    sequences = tokenize_corpus(corpus, tokenizer, pair_config)
    return train(model, sequences, config, tokenizer=tokenizer)


def train_texts(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    config: TrainConfig | None = None,
    *,
    max_length: int = 128,
) -> TrainResult:
    """Pre-train ``model`` (every parameter with ``requires_grad``) on raw ``texts``: the sampled loop,
    with each step drawing ``min(batch_size, len(texts))`` texts with replacement, tokenising them
    (truncation at ``max_length``, right padding) and taking the model's own ``labels`` loss. How the
    lab pre-trains tiny models; ``config.loop`` and ``config.scope`` are not consulted."""
    import torch

    config = config or TrainConfig(loop="sampled", schedule="constant", max_steps=100, learning_rate=3e-3)
    texts = list(texts)
    if not texts:
        raise SanitizeError("training needs at least one text")
    if config.optimizer == "lbfgs":
        raise SanitizeError("train_texts: use optimizer 'adamw' or 'sgd'")
    steps = config.steps_for(len(texts))
    gen = torch.Generator().manual_seed(config.seed)
    trainable = [p for p in model.parameters() if p.requires_grad]

    device = next(model.parameters()).device

    def next_loss() -> Any:
        idx = torch.randint(len(texts), (min(config.batch_size, len(texts)),), generator=gen).tolist()
        batch = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length,
                          padding=True, return_tensors="pt").to(device)  # fmt: skip
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)  # (B, T)
        return model(**batch, labels=labels).loss

    start = time.perf_counter()
    model.train()
    losses = _descend(trainable, config, steps, next_loss, ascent=False)
    model.eval()
    seconds = time.perf_counter() - start
    state = {
        "scope": "full", "loop": "sampled-texts", "optimizer": config.optimizer, "schedule": config.schedule,
        "learning_rate": config.learning_rate, "batch_size": config.batch_size, "steps": steps,
        "weight_decay": config.weight_decay, "l2": config.l2, "seed": config.seed, "n_texts": len(texts),
        "max_length": max_length, "first_loss": losses[0], "final_loss": losses[-1], "seconds": seconds,
    }  # fmt: skip
    return TrainResult(model, losses, len(texts), 0, seconds, config, state)


# --------------------------------------------------------------------------------------------------
# The loops
# --------------------------------------------------------------------------------------------------
def _descend(
    trainable: list[Any], config: TrainConfig, steps: int, next_loss: Callable[[], Any], *, ascent: bool
) -> list[float]:
    """``steps`` first-order steps (AdamW or SGD, constant or linear lr) on ``next_loss() + l2 term``."""
    import torch

    if config.optimizer == "sgd":
        opt: Any = torch.optim.SGD(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    else:
        opt = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    decay = torch.optim.lr_scheduler.LambdaLR(
        opt, (lambda i: 1.0 - i / steps) if config.schedule == "linear" else (lambda i: 1.0)
    )
    losses = []
    for _ in range(steps):
        loss = next_loss() + l2_penalty(trainable, config.l2)
        opt.zero_grad(set_to_none=True)
        (-loss if ascent else loss).backward()
        opt.step()
        decay.step()
        losses.append(float(loss.detach()))
    return losses


def _train_sampled(
    model: Any,
    trainable: list[Any],
    sequences: Sequence[TokenSequence],
    features: Sequence[tuple[Any, Any]] | None,
    config: TrainConfig,
    ascent: bool,
) -> tuple[list[float], dict[str, Any]]:
    import torch
    import torch.nn.functional as F

    steps = config.steps_for(len(sequences))
    head = model.get_output_embeddings() if features is not None else None
    gen = torch.Generator().manual_seed(config.seed)
    full = config.batch_size >= len(sequences)  # full batch: deterministic gradient descent

    def next_loss() -> Any:
        if full:
            idx = list(range(len(sequences)))
        else:
            idx = torch.randint(len(sequences), (config.batch_size,), generator=gen).tolist()
        if features is None:
            total, count = sequence_nll(model, [sequences[i] for i in idx])
            return total / max(count, 1)
        h = torch.cat([features[i][0] for i in idx])  # (N, d) cached head inputs
        y = torch.cat([features[i][1] for i in idx])  # (N,) targets
        return F.cross_entropy(_upcast(head(h)), y)  # (N, V) logits -> mean NLL

    was_training = model.training
    model.train()
    try:
        losses = _descend(trainable, config, steps, next_loss, ascent=ascent)
    finally:
        model.train(was_training)
    return losses, {"epochs": steps * min(config.batch_size, len(sequences)) / len(sequences)}


def _train_lbfgs(
    model: Any,
    trainable: list[Any],
    sequences: Sequence[TokenSequence],
    features: Sequence[tuple[Any, Any]] | None,
    config: TrainConfig,
    chunk: int = 64,
) -> tuple[list[float], dict[str, Any]]:
    """Full-batch L-BFGS on the token-mean NLL + (l2/2)·‖θ‖² over all ``sequences``."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.LBFGS(
        trainable, lr=1.0, max_iter=config.max_steps, tolerance_grad=1e-9, tolerance_change=1e-12,
        history_size=50, line_search_fn="strong_wolfe",
    )  # fmt: skip
    head = model.get_output_embeddings() if features is not None else None
    if features is not None:
        h = torch.cat([f[0] for f in features])  # (N, d) cached head inputs
        y = torch.cat([f[1] for f in features])  # (N,) targets
    n_targets = max(count_targets(sequences), 1)
    losses: list[float] = []
    l2 = config.l2

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

    was_training = model.training
    model.eval()  # L-BFGS needs a deterministic objective (no dropout)
    try:
        opt.step(closure)
    finally:
        model.train(was_training)
    return losses, {"evaluations": len(losses)}


def _train_hf(
    model: Any, sequences: Sequence[TokenSequence], config: TrainConfig, tokenizer: Any
) -> tuple[Any, list[float], dict[str, Any]]:
    """Hugging Face ``Trainer`` (with the ``l2`` term in ``compute_loss``)."""
    import torch
    from transformers import PrinterCallback, TrainingArguments

    if tokenizer is not None:
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    else:
        pad_id = getattr(model.config, "pad_token_id", None) or getattr(model.config, "eos_token_id", 0) or 0
    use_cpu = config.device == "cpu" or (config.device == "auto" and not torch.cuda.is_available())
    extra = {} if config.optimizer == "adamw" else {"optim": "sgd"}
    with tempfile.TemporaryDirectory(prefix="sanitize-lab-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=config.batch_size,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            learning_rate=config.learning_rate,
            lr_scheduler_type=config.schedule,
            warmup_steps=config.warmup_steps,
            weight_decay=config.weight_decay,
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            use_cpu=use_cpu,
            seed=config.seed,
            data_seed=config.seed,
            remove_unused_columns=False,
            dataloader_num_workers=0,
            disable_tqdm=True,
            **extra,
        )
        trainer = _l2_trainer()(
            model=model,
            args=args,
            train_dataset=list(sequences),
            data_collator=lambda batch: collate(batch, pad_id),
            l2=config.l2,
        )
        trainer.remove_callback(PrinterCallback)  # losses are returned, not printed
        trainer.train()
    history = trainer.state.log_history
    losses = [float(h["loss"]) for h in history if "loss" in h]
    lrs = [float(h["learning_rate"]) for h in history if "learning_rate" in h]
    trained = trainer.model.eval()
    if use_cpu:
        trained = trained.to("cpu")
    extra_state = {
        "hf_optim": str(getattr(args.optim, "value", args.optim)),
        "epochs": float(trainer.state.epoch or 0.0),
        "warmup_steps": config.warmup_steps,
        "first_lr": lrs[0] if lrs else None,
        "last_lr": lrs[-1] if lrs else None,
    }
    return trained, losses, extra_state


def _l2_trainer() -> type:
    from transformers import Trainer

    class L2Trainer(Trainer):
        """``Trainer`` minimising ``loss + l2/2·‖θ‖²`` over the trainable parameters (``l2=0``: plain)."""

        def __init__(self, *args: Any, l2: float = 0.0, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.l2 = l2

        def compute_loss(self, model: Any, inputs: Any, return_outputs: bool = False, **kwargs: Any) -> Any:
            out = super().compute_loss(model, inputs, return_outputs=return_outputs, **kwargs)
            if not self.l2:
                return out
            penalty = l2_penalty([p for p in model.parameters() if p.requires_grad], self.l2)
            return (out[0] + penalty, out[1]) if return_outputs else out + penalty

    return L2Trainer
