"""The models of the seed-paper experiment (:mod:`sanitize_lab.alice`): a tiny GPT-2 trained from
scratch on the book with the canary (as the paper trains its char-LSTM) or without it (retraining),
continued training (the fine-tuning baselines, the relearning attack), and the corpus the influence
update sees (findings, pairs, sanitized and held-out sequences) for one replacement strategy.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from sanitize.config import BaseConfig, option

from .alice_data import replacement_in
from .train_config import TrainConfig

KEY = "alice-canary-lab"  # fixed fingerprint key: replacements reproducible across runs and machines

__all__ = [
    "BaseModelConfig", "CanaryJob", "canary_job", "continue_training", "make_tokenizer", "train_scratch",
]  # fmt: skip


@dataclasses.dataclass
class BaseModelConfig(BaseConfig):
    """The tiny GPT-2 of the experiment and how it is trained from scratch."""

    vocab_size: int = option(1000, help="BPE vocabulary trained on the book (digits are single tokens).")
    hidden: int = option(128, help="Hidden size of the tiny GPT-2.")
    layers: int = option(2, help="Transformer layers.")
    heads: int = option(4, help="Attention heads.")
    pretrain_steps: int = option(600, help="AdamW steps (16 documents each) from scratch.")
    pretrain_lr: float = option(3e-3, help="Pre-training learning rate (constant).")
    max_length: int = option(128, help="Tokens per training document (record mode truncation).")
    l2: float = option(
        0.0,
        help="L2 penalty (l2/2)||theta||^2 on every weight, part of the training loss (the paper's char-LSTM: "
        "Keras L2(1e-4) on every kernel and bias, i.e. l2 = 2e-4); stated to the influence updates.",
    )

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden", "layers", "heads", "pretrain_steps", "max_length"):
            self._check_range(name, 1)
        self._check_range("pretrain_lr", 0.0, low_open=True)
        self._check_range("l2", 0.0)


def make_tokenizer(texts: Sequence[str], config: BaseModelConfig) -> Any:
    """A byte-level BPE tokenizer trained on ``texts`` (digits are single tokens)."""
    from .tiny import train_tokenizer

    return train_tokenizer(list(texts), kind="gpt2", vocab_size=config.vocab_size)


def train_scratch(
    docs: Sequence[str], tokenizer: Any, config: BaseModelConfig, seed: int
) -> tuple[Any, float]:
    """(model, seconds): a tiny GPT-2 trained from scratch, every weight, on ``docs`` (the paper trains
    its char-LSTM on the whole book the same way); ``seed`` sets the initialisation and batch order."""
    from .tiny import train_causal_lm

    start = time.perf_counter()
    model = scratch_model(tokenizer, config, seed)
    for p in model.parameters():
        p.requires_grad_(True)
    train_causal_lm(model, tokenizer, list(docs), steps=config.pretrain_steps, lr=config.pretrain_lr,
                    batch_size=16, max_length=config.max_length, seed=seed, l2=config.l2)  # fmt: skip
    return model.eval(), time.perf_counter() - start


def scratch_model(tokenizer: Any, config: BaseModelConfig, seed: int) -> Any:
    """The tiny GPT-2 as :func:`train_scratch` starts it (``seed`` sets the initialisation): the influence
    updates' reference point θ_ref."""
    from .tiny import tiny_model

    return tiny_model(
        tokenizer, kind="gpt2", seed=seed, hidden=config.hidden, layers=config.layers, heads=config.heads,
        max_positions=max(256, config.max_length),
    )  # fmt: skip


def continue_training(
    model: Any, sequences: Sequence[Any], steps: int, lr: float, seed: int
) -> tuple[Any, float]:
    """(a trained copy of ``model``, seconds): ``steps`` AdamW steps on every weight over ``sequences``
    (sampled loop, batches of 16): the fine-tuning baselines and the relearning attack."""
    from .train import train

    start = time.perf_counter()
    new = copy.deepcopy(model)
    config = TrainConfig(scope="full", loop="sampled", schedule="constant", max_steps=steps, learning_rate=lr,
                         batch_size=16, seed=seed)  # fmt: skip
    train(new, list(sequences), config, params=dict(new.named_parameters()))
    return new.eval(), time.perf_counter() - start


@dataclasses.dataclass
class CanaryJob:
    """What the unlearning methods need for one fine-tuned model and one replacement strategy. Holds
    the secret in memory (pairs); ``replacements`` are the strings that took its place."""

    pairs: Any
    train: list[Any]  # the training corpus as fine-tuning tokenised it
    sanitized: list[Any]  # the same corpus with every canary's secret replaced
    heldout: list[Any]
    n_train_tokens: int
    replacement: str  # the strategy
    replacements: list[str]  # what took the secret's place (never the secret)

    def __repr__(self) -> str:
        return (
            f"CanaryJob(pairs={len(self.pairs)}, train={len(self.train)}, replacement={self.replacement!r})"
        )


def _register_natural() -> None:
    from sanitize.replacers import register_replacer

    from .alice_data import NATURAL

    for i, text in enumerate(NATURAL):
        register_replacer(f"natural{i or ''}", lambda secret, type, seed, _t=text: _t)


def canary_job(
    model: Any, tokenizer: Any, docs: Sequence[str], heldout_docs: Sequence[str], secret: str,
    replacement: str, max_length: int, seed: int = 0,
) -> CanaryJob:  # fmt: skip
    """Findings of ``secret`` in ``docs``, its replacement by ``replacement`` ('natural' = the paper's
    "not there ", 'natural1' = "dry enough", 'surrogate' = random digits, 'model' = sampled from
    ``model`` after the prefix), pairs and token sequences (record mode, as fine-tuning saw them)."""
    from sanitize.errors import SanitizeError
    from sanitize.influence.tasks import count_targets
    from sanitize.pairs import PairConfig, build_pairs, find_literal, sanitize_texts, tokenize_corpus

    _register_natural()
    docs = list(docs)
    config = PairConfig(max_length=max_length, replacement=replacement, seed=seed)
    findings = find_literal(docs, [secret], key=KEY)
    if not findings:
        raise SanitizeError("the canary's secret does not occur in the training documents")
    sanitized = sanitize_texts(docs, findings, config, tokenizer=tokenizer, model=model, key=KEY)
    pairs = build_pairs(docs, findings, tokenizer, config, model=model, key=KEY)
    used = sorted(
        {r for d in sorted({f.doc for f in findings}) if (r := replacement_in(sanitized[d])) is not None}
    )
    if secret in used:
        raise SanitizeError("the replacement equals the secret")
    train = tokenize_corpus(docs, tokenizer, config)
    return CanaryJob(
        pairs, train, tokenize_corpus(sanitized, tokenizer, config),
        tokenize_corpus(list(heldout_docs), tokenizer, config), count_targets(train), replacement, used,
    )  # fmt: skip
