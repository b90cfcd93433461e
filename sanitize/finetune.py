"""Fine-tune a causal LM (LoRA or full) with Hugging Face ``Trainer``: how users make the models this
tool repairs, and how tests, the demo and auditors make models with known leaked secrets.

Training tokenisation has one home, :func:`sanitize.pairs.tokenize_corpus`; this module only turns
its :class:`~sanitize.types.TokenSequence` list into batches (labels = ``-100`` where ``loss_mask``
is 0, right padding) and runs ``Trainer``. The objective is Hugging Face's causal-LM loss: the mean
token negative log-likelihood over the target tokens of each batch, so the whole-corpus objective is
``L = (1/T) sum_z l(z)`` with ``T`` the number of target tokens (:attr:`FinetuneResult.n_target_tokens`,
what the influence update needs as ``n_train_tokens``), plus ``FinetuneConfig.l2``'s ``l2/2·‖θ‖²`` over
the trained parameters (the influence update's ``UpdateConfig.l2``).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .config import BaseConfig, option
from .errors import SanitizeError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from .pairs import PairConfig
    from .types import TokenSequence


@dataclasses.dataclass
class FinetuneConfig(BaseConfig):
    """How ``sanitize.finetune`` trains a causal LM (LoRA or full) with Hugging Face ``Trainer``.

    The corpus is tokenised by ``sanitize.pairs.tokenize_corpus`` (record or packed, see
    :class:`PairConfig`), so later stages rebuild exactly the sequences training saw.
    """

    method: str = option("lora", help="'lora' = train a LoRA adapter on a frozen base; 'full' = all weights.")
    lora_r: int = option(8, help="LoRA rank.")
    lora_alpha: float = option(16.0, help="LoRA scaling numerator (scale = lora_alpha / lora_r).")
    lora_dropout: float = option(0.0, help="Dropout on the LoRA input (0 keeps the update deterministic).")
    target_modules: list[str] = option(
        [],
        help="Module names (or ['all-linear']) that get LoRA layers; empty = peft's default for the "
        "model type (e.g. c_attn for GPT-2, q_proj/v_proj for Llama).",
    )
    epochs: float = option(3.0, help="Passes over the training sequences (ignored when max_steps > 0).")
    max_steps: int = option(-1, help="Optimiser steps; > 0 overrides epochs.")
    learning_rate: float = option(1e-3, help="Peak learning rate (AdamW).")
    batch_size: int = option(8, help="Sequences per optimiser step (per device).")
    weight_decay: float = option(0.0, help="AdamW decoupled weight decay.")
    l2: float = option(
        0.0,
        help="L2 penalty (l2/2)*||theta||^2 over the trained parameters, added to the loss (part of the "
        "objective, unlike weight_decay); pass the same value as UpdateConfig.l2 when unlearning.",
    )
    warmup_steps: int = option(0, help="Linear warm-up steps.")
    lr_scheduler: str = option("linear", help="Trainer lr_scheduler_type: linear, cosine, constant, ...")
    seed: int = option(0, help="Seed for initialisation of the adapter and the data order.")
    device: str = option("auto", help="'auto' (CUDA when available), 'cpu' or 'cuda'.")

    def __post_init__(self) -> None:
        self._check_choice("method", ("lora", "full"))
        self._check_range("lora_r", 1)
        self._check_range("lora_alpha", 0.0, low_open=True)
        self._check_range("lora_dropout", 0.0, 1.0)
        if not isinstance(self.target_modules, (list, tuple)) or not all(
            isinstance(m, str) and m for m in self.target_modules
        ):
            self._fail("target_modules", "must be a list of module names")
        self.target_modules = list(self.target_modules)
        self._check_range("epochs", 0.0, low_open=True)
        if not isinstance(self.max_steps, int) or self.max_steps == 0 or self.max_steps < -1:
            self._fail("max_steps", "must be -1 (use epochs) or a positive integer")
        self._check_range("learning_rate", 0.0, low_open=True)
        self._check_range("batch_size", 1)
        self._check_range("weight_decay", 0.0)
        self._check_range("l2", 0.0)
        self._check_range("warmup_steps", 0)
        self._check_choice("device", ("auto", "cpu", "cuda"))


@dataclasses.dataclass
class FinetuneResult:
    """The trained model (a ``PeftModel`` for LoRA), its training losses and what it was trained on."""

    model: Any
    losses: list[float]
    n_sequences: int
    n_target_tokens: int
    seconds: float
    config: FinetuneConfig

    def __repr__(self) -> str:
        return (
            f"FinetuneResult(method={self.config.method!r}, sequences={self.n_sequences}, "
            f"target_tokens={self.n_target_tokens}, steps={len(self.losses)}, seconds={self.seconds:.1f})"
        )

    def save(self, path: str | os.PathLike[str], tokenizer: PreTrainedTokenizerBase | None = None) -> None:
        """``save_pretrained`` the adapter (LoRA) or model (full), the tokenizer and the config."""
        self.model.save_pretrained(path)
        if tokenizer is not None:
            tokenizer.save_pretrained(path)
        self.config.save(os.path.join(path, "finetune_config.json"))


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


def prepare_model(model: PreTrainedModel, config: FinetuneConfig) -> Any:
    """Wrap ``model`` in a fresh LoRA adapter (``method='lora'``) or unfreeze it (``'full'``)."""
    if config.method == "full":
        for p in model.parameters():
            p.requires_grad_(True)
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
        raise SanitizeError(f"FinetuneConfig.target_modules: {exc}") from None


def train_sequences(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sequences: Sequence[TokenSequence],
    config: FinetuneConfig | None = None,
) -> FinetuneResult:
    """Fine-tune ``model`` on already tokenised ``sequences`` with ``Trainer``.

    ``model`` is trained in place (wrap a copy if you need the original); for LoRA the returned
    ``FinetuneResult.model`` is the ``PeftModel`` wrapping it.
    """
    import torch
    from transformers import PrinterCallback, TrainingArguments, set_seed

    from .influence.tasks import count_targets

    config = config or FinetuneConfig()
    if not sequences:
        raise SanitizeError("fine-tuning needs at least one training sequence (the corpus is empty)")
    set_seed(config.seed)
    model = prepare_model(model, config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    use_cpu = config.device == "cpu" or (config.device == "auto" and not torch.cuda.is_available())
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sanitize-finetune-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=config.batch_size,
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            learning_rate=config.learning_rate,
            lr_scheduler_type=config.lr_scheduler,
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
    seconds = time.perf_counter() - start
    losses = [float(h["loss"]) for h in trainer.state.log_history if "loss" in h]
    trained = trainer.model.eval()
    if use_cpu:
        trained = trained.to("cpu")
    return FinetuneResult(
        model=trained,
        losses=losses,
        n_sequences=len(sequences),
        n_target_tokens=count_targets(sequences),
        seconds=seconds,
        config=config,
    )


def _l2_trainer() -> type:
    from transformers import Trainer

    from .influence.tasks import l2_penalty

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


def finetune(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    corpus: Any,
    config: FinetuneConfig | None = None,
    pair_config: PairConfig | None = None,
) -> FinetuneResult:
    """Tokenise ``corpus`` as :func:`sanitize.pairs.tokenize_corpus` does, then :func:`train_sequences`.

    ``corpus``: a ``datasets.Dataset`` with a ``text`` column or a list of strings.
    """
    from .pairs import tokenize_corpus

    sequences = tokenize_corpus(corpus, tokenizer, pair_config)
    return train_sequences(model, tokenizer, sequences, config)
