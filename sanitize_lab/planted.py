"""The planted-secret experiment behind acceptance test 4 (``tests/influence/test_unlearn_lm.py``) and
``benchmarks/unlearn.py``.

A tiny causal LM is pre-trained on public, real-looking text (chat lines, e-mails, support tickets),
then fine-tuned -- a LoRA adapter, or the untied LM head on frozen features -- on a corpus where a
handful of numeric secrets are planted several times each. The reference for unlearning is the same
scope re-trained from the same initial state, with the same seed and steps, on the sanitized corpus
(every secret replaced by a surrogate of the same shape). All training goes through
:func:`sanitize_lab.baselines.train_scope` (the lab's one trainer, :mod:`sanitize_lab.train`), so
fine-tuning and the retraining reference are the same procedure by construction.

Pairs, surrogates and tokenisation come from ``sanitize.pairs`` (record mode); exact exposure and
held-out perplexity from ``sanitize.exposure``.

The corpus (public text, planted secrets) is :mod:`sanitize_lab.planted_corpus`; secrets are plaintext
in memory only.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sanitize.types import Pairs, TokenSequence

from .planted_corpus import PlantedCorpus, _key, _pair_config, planted_corpus, public_texts

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


# --------------------------------------------------------------------------------------------------
# Tokenisation and pairs: sanitize.pairs, record mode, as fine-tuning saw the corpus
# --------------------------------------------------------------------------------------------------
def tokenize_records(
    texts: Sequence[str], tokenizer: PreTrainedTokenizerBase, max_length: int = 128
) -> list[TokenSequence]:
    """``sanitize.pairs.tokenize_corpus`` in record mode (``tokenizer(text, truncation=True)``)."""
    from sanitize.pairs import tokenize_corpus

    return tokenize_corpus(list(texts), tokenizer, _pair_config(max_length=max_length))


def experiment_pairs(corpus: PlantedCorpus, tokenizer: Any, seed: int = 0, max_length: int = 128) -> Pairs:
    """(z, z̃) for every document with a planted secret (``sanitize.pairs.build_pairs``)."""
    from sanitize.pairs import build_pairs

    return build_pairs(
        corpus.texts, corpus.findings(), tokenizer, _pair_config(seed, max_length), key=_key(seed)
    )


# --------------------------------------------------------------------------------------------------
# Measurements: sanitize.exposure is the one home of exposure and perplexity
# --------------------------------------------------------------------------------------------------
def heldout_perplexity(model: Any, sequences: Sequence[TokenSequence]) -> float:
    """exp(mean token NLL) over the targets of ``sequences`` (see :mod:`sanitize.exposure`)."""
    from sanitize.exposure import heldout_perplexity as perplexity

    return float(perplexity(model, None, list(sequences)))


def exposures(model: Any, tokenizer: Any, corpus: PlantedCorpus) -> list[float]:
    """Exact exposure of every secret (all ``10^d`` digit strings) in the training context of its
    first planted occurrence: the record's text before it, tokenised as in training."""
    from sanitize.exposure import exposure

    out = []
    for k, secret in enumerate(corpus.secrets):
        o = corpus.first(k)
        context = corpus.texts[o.doc][: o.start]
        out.append(exposure(model, tokenizer, secret, f"digits:{len(secret)}", context=context).exposure)
    return out


# --------------------------------------------------------------------------------------------------
# The setup: tokenizer, pre-trained base, fine-tuned scope, retrained reference
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Setup:
    """Everything acceptance 4 compares. Models are eval-mode copies; never modified afterwards."""

    corpus: PlantedCorpus
    tokenizer: Any
    base: Any  # pre-trained on public text, before fine-tuning
    finetuned: Any  # the scope fine-tuned on the corpus with secrets
    retrained: Any  # the same scope re-trained from the same initial state on the sanitized corpus
    init: dict[str, torch.Tensor]  # the scope's initial state (name -> tensor)
    train: list[TokenSequence]  # the corpus as training saw it
    train_sanitized: list[TokenSequence]
    heldout: list[TokenSequence]
    pairs: Pairs
    scope: str
    train_config: dict[str, Any]
    seconds: dict[str, float]

    @property
    def n_train_tokens(self) -> int:
        from sanitize.influence.tasks import count_targets

        return count_targets(self.train)


def pretrain_base(
    tokenizer: Any, texts: Sequence[str], *, hidden: int = 64, layers: int = 2, heads: int = 4,
    steps: int = 300, lr: float = 3e-3, batch_size: int = 16, seed: int = 0, device: str = "cpu",
) -> PreTrainedModel:  # fmt: skip
    """A tiny GPT-2 trained from scratch (all parameters) on public ``texts``."""
    from .tiny import tiny_model
    from .train import TrainConfig, train

    model = tiny_model(tokenizer, "gpt2", seed=seed, hidden=hidden, layers=layers, heads=heads).to(device)
    seqs = tokenize_records(texts, tokenizer)
    config = TrainConfig(
        scope="full", loop="sampled", schedule="constant", max_steps=steps, learning_rate=lr,
        batch_size=batch_size, seed=seed,
    )  # fmt: skip
    train(model, seqs, config, params=dict(model.named_parameters()))
    return model.eval()


def add_lora(model: Any, r: int = 8, alpha: int = 16, seed: int = 0) -> Any:
    """Wrap a deep copy of ``model`` in a LoRA adapter on attention and MLP (deterministic init)."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    cfg = LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=["c_attn", "c_proj", "c_fc"],
        fan_in_fan_out=True, bias="none",
    )  # fmt: skip
    return get_peft_model(copy.deepcopy(model), cfg)


def make_setup(
    scope: str = "adapter", *, corpus: PlantedCorpus | None = None, tokenizer: Any = None, base: Any = None,
    seed: int = 0, steps: int | None = None, lr: float | None = None, batch_size: int = 16, lora_r: int = 8,
    pretrain_steps: int = 300, hidden: int = 64, layers: int = 2, optimizer: str | None = None,
    l2: float | None = None, schedule: str = "linear",
) -> Setup:  # fmt: skip
    """Build the full experiment for one scope (pass ``corpus``/``tokenizer``/``base`` to share them).

    Both scopes are trained on an L2-regularised objective, ``loss + l2/2·‖θ‖²``, so that the premise of
    the influence update -- the fine-tuned scope sits at a stationary point of a regularised objective --
    approximately holds, and ``UpdateConfig(l2=...)`` states that objective. The adapter is fine-tuned
    with mini-batch AdamW (``steps`` 400, learning rate decaying linearly to 0 as ``Trainer`` does,
    ``l2`` 1e-2); the decay makes the end point close to stationary and the retrained reference
    reproducible across batch orders (constant lr: up to 3.6 bits apart, see README Status). The head is
    fitted as what it is, L2-regularised softmax regression on frozen features (``l2`` 1e-3), with
    full-batch L-BFGS to its optimum (``steps`` 500 iterations); its retrained reference is the unique
    optimum on the sanitized corpus, independent of the optimiser's path.
    """
    import time

    from sanitize.influence.scope import untie_head

    from .baselines import BaselineConfig, scope_parameters, train_scope
    from .tiny import train_tokenizer

    seconds: dict[str, float] = {}
    corpus = corpus or planted_corpus(seed=seed)
    if tokenizer is None:
        tokenizer = train_tokenizer(
            corpus.texts + corpus.heldout + public_texts(400, seed + 1), vocab_size=400
        )
    if base is None:
        t0 = time.perf_counter()
        base = pretrain_base(
            tokenizer,
            public_texts(1200, seed + 1),
            steps=pretrain_steps,
            seed=seed,
            hidden=hidden,
            layers=layers,
        )
        seconds["pretrain"] = time.perf_counter() - t0
    sanitized = corpus.sanitized(seed)
    train = tokenize_records(corpus.texts, tokenizer)
    train_san = tokenize_records(sanitized, tokenizer)
    heldout = tokenize_records(corpus.heldout, tokenizer)
    if scope == "adapter":
        model = add_lora(base, r=lora_r, seed=seed)
        lr = 1e-2 if lr is None else lr
    else:
        model = untie_head(base)  # a copy
        for p in model.parameters():
            p.requires_grad_(False)
        lr = 3e-2 if lr is None else lr
    params = scope_parameters(model, scope)
    for p in params.values():
        p.requires_grad_(True)
    init = {n: p.detach().clone() for n, p in params.items()}
    retrained = copy.deepcopy(model)
    optimizer = optimizer or ("adamw" if scope == "adapter" else "lbfgs")
    steps = (400 if optimizer == "adamw" else 500) if steps is None else steps
    l2 = (1e-2 if scope == "adapter" else 1e-3) if l2 is None else l2
    cfg = {"steps": steps, "lr": lr, "batch_size": batch_size, "seed": seed, "optimizer": optimizer, "l2": l2}
    if optimizer == "adamw":
        cfg["schedule"] = schedule
    timings = {}
    for name, m, seqs in (("finetune", model, train), ("retrain", retrained, train_san)):
        t0 = time.perf_counter()
        train_scope(m, seqs, BaselineConfig(scope=scope, **cfg))
        timings[name] = time.perf_counter() - t0
    seconds.update(timings)
    pairs = experiment_pairs(corpus, tokenizer, seed)
    return Setup(
        corpus, tokenizer, base, model.eval(), retrained.eval(), init, train, train_san, heldout, pairs, scope,
        cfg, seconds,
    )  # fmt: skip
