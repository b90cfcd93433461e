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

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sanitize.errors import SanitizeError
from sanitize.influence.tasks import count_targets

from .loops import _descend, _train_hf, _train_lbfgs, _train_sampled, collate, head_features, sequence_nll
from .train_config import TrainConfig, TrainResult

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from sanitize.pairs import PairConfig
    from sanitize.types import TokenSequence

__all__ = [
    "TrainConfig", "TrainResult", "collate", "finetune", "head_features", "prepare_model", "sequence_nll",
    "train", "train_texts",
]  # fmt: skip


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
