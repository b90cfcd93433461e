"""Fixtures for the exposure tests: float64 tiny models (GPT-2 and Llama) loaded from disk."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest


def _rms_norm64(self: Any, h: Any) -> Any:
    import torch

    return self.weight * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.variance_epsilon))


def _rope64(self: Any, x: Any, position_ids: Any) -> Any:
    import torch

    freqs = position_ids[..., None].double() * self.inv_freq.double()  # (B, T, hd/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (B, T, hd)
    return (emb.cos() * self.attention_scaling).to(x.dtype), (emb.sin() * self.attention_scaling).to(x.dtype)


def _eager64(module: Any, query: Any, key: Any, value: Any, attention_mask: Any, scaling: float,
             dropout: float = 0.0, **kwargs: Any) -> Any:  # fmt: skip
    import torch
    from transformers.models.llama.modeling_llama import repeat_kv

    k = repeat_kv(key, module.num_key_value_groups)
    v = repeat_kv(value, module.num_key_value_groups)
    w = torch.matmul(query, k.transpose(2, 3)) * scaling  # (B, H, Tq, Tk)
    if attention_mask is not None:
        w = w + attention_mask
    w = torch.softmax(w, dim=-1)  # in float64, unlike the upstream float32 softmax
    return torch.matmul(w, v).transpose(1, 2).contiguous(), w


@pytest.fixture
def float64_llama(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make a Llama model truly float64: upstream computes RMSNorm, RoPE and the attention softmax in
    float32 even for float64 weights, which limits agreement between two exact methods to ~1e-7."""
    from transformers.models.llama import modeling_llama

    monkeypatch.setattr(modeling_llama, "eager_attention_forward", _eager64)

    def patch(model: Any) -> Any:
        for m in model.modules():
            name = type(m).__name__
            if name.endswith("RMSNorm"):
                m.forward = types.MethodType(_rms_norm64, m)
            elif name.endswith("RotaryEmbedding"):
                m.forward = types.MethodType(_rope64, m)
        return model

    yield patch


@pytest.fixture(scope="session")
def tiny64(gpt2_dir: str, llama_dir: str) -> dict[str, tuple[Any, Any]]:
    """kind -> (float64 model, tokenizer), loaded once through load_model (read-only: do not train)."""
    from sanitize.models import load_model

    return {"gpt2": load_model(gpt2_dir, dtype="float64"), "llama": load_model(llama_dir, dtype="float64")}
