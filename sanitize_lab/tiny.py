"""Tiny offline models and tokenizers for tests, the demo, notebooks and benchmarks (pre-train them
with :func:`sanitize_lab.train.train_texts`).

Nothing here downloads anything: models are built from a config with random weights and
tokenizers are trained in-process with 🤗 ``tokenizers`` on the texts you give. Digits are split
individually, so a numeric secret is one token per digit (as in the Secret Sharer experiments).

    >>> tok = train_tokenizer(["my pin is 1234"] * 10, kind="gpt2", vocab_size=300)
    >>> model = tiny_model(tok, kind="gpt2")
    >>> save_tiny(model, tok, "/tmp/tiny")  # then sanitize.load_model("/tmp/tiny")

Two flavours cover the tokenisation schemes users meet:

* ``"gpt2"``: byte-level BPE, no BOS, ``<|endoftext|>`` as EOS/pad, learned absolute positions;
* ``"llama"``: SentencePiece-style BPE (``▁`` word boundaries, byte fallback), ``<s>`` BOS added
  to every sequence, ``</s>`` EOS, rotary positions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

Kind = Literal["gpt2", "llama"]


def train_tokenizer(
    texts: Iterable[str], kind: Kind = "gpt2", vocab_size: int = 512, min_frequency: int = 2
) -> PreTrainedTokenizerBase:
    """Train a small BPE tokenizer on ``texts`` and wrap it as a ``PreTrainedTokenizerFast``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    texts = list(texts)
    if kind == "gpt2":
        special = ["<|endoftext|>"]
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
        )
        tok.decoder = decoders.ByteLevel()
        alphabet = pre_tokenizers.ByteLevel.alphabet()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=special,
            initial_alphabet=alphabet,
        )
        tok.train_from_iterator(texts, trainer=trainer)
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        return PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
            unk_token="<|endoftext|>", pad_token="<|endoftext|>", model_max_length=1024,
        )  # fmt: skip
    if kind == "llama":
        special = ["<unk>", "<s>", "</s>"]
        byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=True),
             pre_tokenizers.Digits(individual_digits=True)]
        )  # fmt: skip
        tok.decoder = decoders.Sequence(
            [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]
        )
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special + byte_tokens
        )
        tok.train_from_iterator(texts, trainer=trainer)
        bos = tok.token_to_id("<s>")
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]
        )
        return PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="</s>",
            model_max_length=2048, add_bos_token=True,
        )  # fmt: skip
    raise ValueError(f"kind must be 'gpt2' or 'llama', got {kind!r}")


def tiny_config(
    tokenizer: PreTrainedTokenizerBase, kind: Kind = "gpt2", *, hidden: int = 64, layers: int = 2,
    heads: int = 4, max_positions: int = 256, **overrides: Any,
) -> Any:  # fmt: skip
    """A tiny GPT-2 or Llama config sized for ``tokenizer`` (eager attention)."""
    from transformers import GPT2Config, LlamaConfig

    vocab = len(tokenizer)
    if kind == "gpt2":
        cfg = GPT2Config(
            vocab_size=vocab, n_positions=max_positions, n_embd=hidden, n_layer=layers, n_head=heads,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        )  # fmt: skip
    elif kind == "llama":
        cfg = LlamaConfig(
            vocab_size=vocab, hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=layers,
            num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max_positions,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
        )  # fmt: skip
    else:
        raise ValueError(f"kind must be 'gpt2' or 'llama', got {kind!r}")
    for key, value in overrides.items():
        setattr(cfg, key, value)
    cfg._attn_implementation = "eager"
    return cfg


def tiny_model(
    tokenizer: PreTrainedTokenizerBase, kind: Kind = "gpt2", seed: int = 0,
    dtype: torch.dtype | None = None, **config_kwargs: Any,
) -> PreTrainedModel:  # fmt: skip
    """A randomly initialised tiny causal LM (deterministic for a given ``seed``)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(
        tiny_config(tokenizer, kind, **config_kwargs), attn_implementation="eager"
    )
    if dtype is not None:
        model = model.to(dtype)
    return model.eval()


def save_tiny(model: Any, tokenizer: PreTrainedTokenizerBase, path: str | os.PathLike[str]) -> str:
    """``save_pretrained`` model and tokenizer into ``path``; returns the path as a string."""
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return os.fspath(path)


def train_causal_lm(
    model: Any, tokenizer: PreTrainedTokenizerBase, texts: list[str], *, steps: int = 100,
    lr: float = 3e-3, batch_size: int = 8, max_length: int = 128, seed: int = 0, l2: float = 0.0,
) -> list[float]:  # fmt: skip
    """Shorthand for pre-training a tiny model with the lab's trainer (:func:`sanitize_lab.train.train_texts`:
    constant-lr AdamW, ``steps`` batches sampled with replacement, ``l2/2·‖θ‖²`` added to the loss); returns
    the losses.

    Trains whatever parameters have ``requires_grad`` (all of them, or only a PEFT adapter's).
    """
    from .train import TrainConfig, train_texts

    config = TrainConfig(
        scope="full", loop="sampled", schedule="constant", max_steps=steps, learning_rate=lr,
        batch_size=batch_size, seed=seed, l2=l2,
    )  # fmt: skip
    return train_texts(model, tokenizer, texts, config, max_length=max_length).losses
