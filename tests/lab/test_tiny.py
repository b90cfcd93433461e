"""The offline tiny models and tokenizers that every other test relies on."""

from __future__ import annotations

import pytest
import torch
from support import TINY_TEXTS

from sanitize_lab.tiny import tiny_model, train_causal_lm, train_tokenizer


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_digits_are_single_tokens_and_decoding_round_trips(kind: str) -> None:
    tok = train_tokenizer(TINY_TEXTS, kind=kind, vocab_size=320)  # type: ignore[arg-type]
    text = "call 0123456789 now, card 4539 1488 0343 6467"
    ids = tok(text)["input_ids"]
    pieces = tok.convert_ids_to_tokens(ids)
    digits = [p.lstrip("Ġ▁") for p in pieces if any(c.isdigit() for c in p)]
    assert all(len(p) == 1 for p in digits), pieces
    assert "".join(digits) == "".join(c for c in text if c.isdigit())
    assert tok.decode(ids, skip_special_tokens=True) == text
    assert (ids[0] == tok.bos_token_id) is (kind == "llama")


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_tiny_model_is_deterministic_and_learns(kind: str) -> None:
    tok = train_tokenizer(TINY_TEXTS, kind=kind, vocab_size=320)  # type: ignore[arg-type]
    a, b = tiny_model(tok, kind=kind, seed=3), tiny_model(tok, kind=kind, seed=3)  # type: ignore[arg-type]
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert sum(p.numel() for p in a.parameters()) < 200_000
    losses = train_causal_lm(a, tok, TINY_TEXTS, steps=30, lr=1e-2)
    assert losses[-1] < 0.6 * losses[0]


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        train_tokenizer(["x"], kind="bert")  # type: ignore[arg-type]
