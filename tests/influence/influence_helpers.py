"""Tiny float64 models and data for the influence tests (built offline, in-process)."""

from __future__ import annotations

import functools

import torch

from sanitize.types import TokenSequence

TEXTS = [
    "the cat sat on the mat and the dog sat on the log",
    "a quick brown fox jumps over the lazy dog again",
    "my door code is 4821 and my pin is 7710 today",
    "rain in the morning and sun in the afternoon",
    "we walked to the park and then back home for tea",
    "the river runs past the old mill by the bridge",
] * 3


@functools.cache
def _tokenizer():  # type: ignore[no-untyped-def]
    from sanitize_lab.tiny import train_tokenizer

    return train_tokenizer(TEXTS, kind="gpt2", vocab_size=280)


def tiny_lm(hidden: int = 8, seed: int = 0):  # type: ignore[no-untyped-def]
    """(tokenizer, float64 tiny GPT-2 with a tied head, 1 layer)."""
    from sanitize_lab.tiny import tiny_model

    tok = _tokenizer()
    model = tiny_model(tok, kind="gpt2", seed=seed, dtype=torch.float64, hidden=hidden, layers=1, heads=2)
    return tok, model


def tiny_llama(hidden: int = 8, seed: int = 0):  # type: ignore[no-untyped-def]
    """A float64 tiny Llama (untied head, nn.Linear projections)."""
    from sanitize_lab.tiny import tiny_model

    return tiny_model(
        _tokenizer(), kind="llama", seed=seed, dtype=torch.float64, hidden=hidden, layers=1, heads=2
    )


def lora_model(base, seed: int | None = 0, r: int = 2, method: str = "lora"):  # type: ignore[no-untyped-def]
    """A PEFT model on ``base`` with (when ``seed`` is set) non-zero random adapter weights."""
    from peft import IA3Config, LoHaConfig, LoraConfig, get_peft_model

    if method == "lora":
        cfg = LoraConfig(r=r, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True, lora_dropout=0.0)
    elif method == "ia3":
        cfg = IA3Config(target_modules=["c_attn", "c_fc"], feedforward_modules=["c_fc"], fan_in_fan_out=True)
    elif method == "loha":  # lycoris methods need nn.Linear: use a Llama base
        cfg = LoHaConfig(r=r, alpha=4, target_modules=["q_proj", "v_proj"])
    else:
        raise ValueError(method)
    model = get_peft_model(base, cfg)
    if seed is None:  # peft's own init (LoRA B = 0)
        return model.eval()
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.3 * torch.randn_like(p))
    return model.eval()


def encode(tok, text: str, max_tokens: int = 10) -> TokenSequence:  # type: ignore[no-untyped-def]
    ids = tok(text)["input_ids"][:max_tokens]
    return TokenSequence(tuple(ids), (1,) * len(ids), (1,) * len(ids))


def sequences(tok, n: int, max_tokens: int = 6) -> list[TokenSequence]:  # type: ignore[no-untyped-def]
    return [encode(tok, TEXTS[i], max_tokens) for i in range(n)]
