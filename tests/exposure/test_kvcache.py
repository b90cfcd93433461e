"""The shared-head attention of the trie walk: exact against softmax over the concatenated keys (float64),
used for the model types whose eager attention it reproduces, and the model's setting restored after."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from sanitize.exposure import kvcache
from sanitize.exposure.scoring import score_tokenized, tokenize_candidates

LONG = (
    "Alice was beginning to get very tired of sitting by her sister on the bank. Hi Bob, the wifi password "
    "is hunter2. Please charge the card before Friday, and then the door code is "
)
CANDIDATES = [f"{i:03d}" for i in range(0, 1000, 3)] + ["1234", "ab c", "x", " 7", "\u00e9\u20ac"]


class _Layer(nn.Module):
    layer_idx = 0


def _reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float) -> torch.Tensor:
    """softmax(q Kᵀ) V over [head, path] with the causal rule on the path, brute force -> (B, q, H, hd)."""
    w = torch.matmul(q, k.transpose(2, 3)) * scale  # (B, H, q, L)
    n_q, L = q.shape[2], k.shape[2]
    for i in range(n_q):  # query i is at position L - n_q + i
        w[:, :, i, L - n_q + i + 1 :] = float("-inf")
    return torch.matmul(torch.softmax(w, dim=-1), v).transpose(1, 2)


@pytest.mark.parametrize(("heads", "kv_heads", "n_q"), [(4, 4, 1), (4, 2, 1), (2, 2, 3), (6, 3, 2)])
def test_shared_head_attention_is_attention_over_the_concatenated_keys(
    heads: int, kv_heads: int, n_q: int
) -> None:
    gen = torch.Generator().manual_seed(heads * 10 + n_q)
    B, L0, Lp, hd = 5, 11, 4, 8
    x = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64)  # noqa: E731
    q, k_head, v_head, k_path, v_path = x(B, heads, n_q, hd), x(1, kv_heads, L0, hd), x(1, kv_heads, L0, hd), \
        x(B, kv_heads, Lp, hd), x(B, kv_heads, Lp, hd)  # fmt: skip
    g = heads // kv_heads
    k_all = torch.cat([k_head.expand(B, -1, -1, -1), k_path], dim=2).repeat_interleave(g, 1)  # (B, H, L, hd)
    v_all = torch.cat([v_head.expand(B, -1, -1, -1), v_path], dim=2).repeat_interleave(g, 1)
    with kvcache.shared_head(nn.Module(), [(k_head, v_head)]):
        out, _ = kvcache.shared_head_attention(_Layer(), q, k_path, v_path, None, scaling=0.3)
    torch.testing.assert_close(out, _reference(q, k_all, v_all, 0.3), rtol=0, atol=1e-12)


def test_shared_head_attention_needs_its_context() -> None:
    q = torch.zeros(1, 1, 1, 2)
    with pytest.raises(RuntimeError, match="shared_head"):
        kvcache.shared_head_attention(_Layer(), q, q, q, None)


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_walk_with_the_shared_head_equals_the_walk_with_copies(
    tiny64: Any, float64_llama: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tok = tiny64[kind]
    float64_llama(model)
    assert kvcache.supported(model)  # the tiny models do take the shared-head path
    tokenized = tokenize_candidates(tok, LONG, CANDIDATES)
    shared = score_tokenized(model, tokenized, batch_size=37)
    assert model.config._attn_implementation == "eager"  # restored after the walk
    monkeypatch.setattr(kvcache, "supported", lambda m: False)
    copied = score_tokenized(model, tokenized, batch_size=37)
    np.testing.assert_allclose(shared, copied, rtol=0, atol=1e-10)


def test_supported_refuses_attention_it_does_not_reproduce() -> None:
    from transformers import GPT2Config, MistralConfig

    assert kvcache.supported(type("M", (), {"config": GPT2Config(n_layer=1)})())
    assert not kvcache.supported(
        type("M", (), {"config": GPT2Config(n_layer=1, reorder_and_upcast_attn=True)})()
    )
    assert not kvcache.supported(type("M", (), {"config": MistralConfig(num_hidden_layers=1)})())
    assert not kvcache.supported(object())
