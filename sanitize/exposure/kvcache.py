"""KV caches for scoring and decoding many continuations of one context.

* :func:`slot_cache`: a cache over preallocated K/V buffers whose first positions hold the past;
  each forward writes its new tokens behind them in place (DynamicCache would concatenate).
* :func:`shared_head` + :func:`slot_cache` with an ``offset``: attention over a context shared by every row of a batch,
  held once instead of once per row.

The trie walk (:mod:`.trie`) feeds B rows (trie nodes), one new token each, that all continue the
same shared head of L0 tokens plus their own path of d tokens. Eager attention over a cache that
holds the head copied into every row costs B small (1 x L0) matmuls per head and layer and the copy
itself; here the head's keys and values are kept once, (1, Hkv, L0, hd), and its scores for all rows
are one GEMM per head:

    s_head = q Kₕᵀ · scale          (B, H, q, L0)   one (B·q, hd) x (hd, L0) product per head
    s_path = q Kₚᵀ · scale          (B, H, q, Lp)   each row's own path (causal within it)
    w      = softmax([s_head, s_path])               over L0 + Lp, in float32 at least
    out    = w_head Vₕ + w_path Vₚ  (B, H, q, hd)   the head's part again one GEMM per head

which is exactly softmax(q Kᵀ) V over the concatenated keys. The slot cache with an offset stores and returns the
paths only; the head's K/V are handed to the attention through a context variable set by
:func:`shared_head`, which also switches the model to this attention for the duration. Only model types
whose eager attention is exactly this (no sliding window, no logit soft-capping) use it: :func:`supported`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

NAME = "sanitize_shared_head"
_MODEL_TYPES = frozenset({"gpt2", "llama"})
_HEAD: contextvars.ContextVar[list[tuple[torch.Tensor, torch.Tensor]] | None] = contextvars.ContextVar(
    "sanitize_shared_head", default=None
)


def supported(model: Any) -> bool:
    """Whether ``model`` (or the base model of a PEFT model) can score with the shared head."""
    config = getattr(model, "config", None)
    if config is None or getattr(config, "model_type", None) not in _MODEL_TYPES:
        return False
    return getattr(config, "sliding_window", None) is None and not getattr(
        config, "reorder_and_upcast_attn", False
    )


def shared_head_attention(
    module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, attention_mask: Any,
    scaling: float | None = None, dropout: float = 0.0, **kwargs: Any,
) -> tuple[torch.Tensor, None]:  # fmt: skip
    """Attention of ``query`` (B, H, q, hd) over the shared head and each row's path ``key``/``value``
    (B, Hkv, Lp, hd), the last q path positions being the queries' own -> ((B, q, H, hd), None)."""
    import torch

    head = _HEAD.get()
    if head is None:
        raise RuntimeError("shared_head_attention runs only inside shared_head(...)")
    k_head, v_head = head[module.layer_idx]  # (1, Hkv, L0, hd) each
    B, H, q, hd = query.shape
    groups = H // key.shape[1]  # grouped-query attention: each K/V head serves `groups` query heads
    if groups > 1:
        key, value = key.repeat_interleave(groups, 1), value.repeat_interleave(groups, 1)  # (B, H, Lp, hd)
        k_head, v_head = k_head.repeat_interleave(groups, 1), v_head.repeat_interleave(groups, 1)
    scale = hd**-0.5 if scaling is None else scaling
    Lp = key.shape[2]  # path length; the head has k_head.shape[2] = L0 positions
    work = torch.float32 if query.dtype in (torch.float16, torch.bfloat16) else query.dtype
    qh = query.transpose(0, 1).reshape(H, B * q, hd)  # (H, B·q, hd)
    s_head = (torch.matmul(qh, k_head[0].transpose(1, 2)) * scale).to(work)  # (H, B·q, L0): one GEMM per head
    s_path = (torch.matmul(query, key.transpose(2, 3)) * scale).to(work)  # (B, H, q, Lp)
    if q > 1:  # query i sees the path up to its own position Lp - q + i
        rows = torch.arange(q, device=query.device)[:, None] + (Lp - q)  # (q, 1)
        s_path = s_path.masked_fill(torch.arange(Lp, device=query.device)[None, :] > rows, float("-inf"))
    s_path = s_path.transpose(0, 1).reshape(H, B * q, Lp)  # (H, B·q, Lp): small, next to the head's scores
    w = torch.softmax(torch.cat([s_head, s_path], dim=-1), dim=-1).to(value.dtype)  # (H, B·q, L0 + Lp)
    L0 = s_head.shape[-1]
    out = torch.matmul(w[..., :L0], v_head[0])  # (H, B·q, hd): one GEMM per head
    w_path = w[..., L0:].view(H, B, q, Lp).transpose(0, 1)  # (B, H, q, Lp)
    out = out.view(H, B, q, hd).transpose(0, 1) + torch.matmul(w_path, value)  # (B, H, q, hd)
    return out.transpose(1, 2).contiguous(), None  # (B, q, H, hd), as eager_attention_forward


@functools.cache
def _register() -> None:
    from transformers import AttentionInterface

    AttentionInterface.register(NAME, shared_head_attention)


@contextlib.contextmanager
def shared_head(model: Any, head: list[tuple[torch.Tensor, torch.Tensor]]) -> Iterator[None]:
    """Within the block, ``model`` attends over ``head`` (per layer (1, Hkv, L0, hd) K and V) plus the
    paths its cache returns (:func:`slot_cache` with an ``offset``). The model's attention setting is restored on exit."""
    _register()
    configs = {
        id(m.config): m.config for m in model.modules() if hasattr(getattr(m, "config", None), "model_type")
    }
    old = {k: c._attn_implementation for k, c in configs.items()}
    token = _HEAD.set(head)
    try:
        for c in configs.values():
            c._attn_implementation = NAME
        yield
    finally:
        _HEAD.reset(token)
        for k, c in configs.items():
            c._attn_implementation = old[k]


def cache_kwarg(model: Any) -> str:
    """``cache`` (transformers >= 5.2x) or ``past_key_values``: the name the forward pass takes."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


@functools.cache
def _slot_layer() -> type:
    """A DynamicLayer over preallocated K/V buffers (B, H, L, hd) of which the first ``filled`` positions
    hold the past: ``update`` writes the new tokens in place behind them and returns views, where
    DynamicLayer would concatenate (a copy of the whole past per forward). ``offset``: positions before
    the buffers that the attention sees elsewhere (:func:`shared_head`), counted in the sequence length."""
    from transformers.cache_utils import DynamicLayer

    class SlotLayer(DynamicLayer):
        def __init__(self, keys: torch.Tensor, values: torch.Tensor, filled: int, offset: int = 0) -> None:
            super().__init__()
            self.keys, self.values, self.filled, self.offset = keys, values, filled, offset
            self.device, self.is_initialized = keys.device, True

        def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any) -> Any:
            end = self.filled + key_states.shape[-2]
            self.keys[:, :, self.filled : end] = key_states
            self.values[:, :, self.filled : end] = value_states
            self.filled = end
            return self.keys[:, :, :end], self.values[:, :, :end]

        def get_seq_length(self) -> int:
            return self.offset + self.filled

    return SlotLayer


def slot_cache(buffers: list[tuple[torch.Tensor, torch.Tensor]], filled: int, offset: int = 0) -> Any:
    """A DynamicCache whose layers write into ``buffers`` (per layer K, V (B, H, L, hd)) after ``filled``;
    with ``offset`` (:func:`shared_head`) the buffers hold only what follows a shared head of that length."""
    from transformers import DynamicCache

    cache = DynamicCache()
    cache.layers = [_slot_layer()(k, v, filled, offset) for k, v in buffers]
    return cache


def out_cache(out: Any) -> Any:
    cache = out.get("cache") if hasattr(out, "get") else None
    return cache if cache is not None else out.past_key_values


def layer_kv(cache: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return [(k, v) for k, v in cache]  # pragma: no cover - older cache API
