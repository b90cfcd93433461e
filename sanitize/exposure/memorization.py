"""Memorisation measures besides exposure, and held-out perplexity for utility.

* :func:`greedy_extraction` -- does greedy decoding from the context emit the secret? (exact match
  and the longest matched prefix, in characters);
* :func:`token_accuracy` -- fraction of the secret's tokens that are the model's argmax given the
  true text before them (teacher forcing);
* :func:`log_perplexity` -- mean NLL per secret token after a context; compared with a surrogate of
  the same shape by :func:`memorization` (a memorised secret is much likelier than its surrogate);
* :func:`zlib_ratio` -- log-perplexity of the text over its zlib entropy (Carlini et al., 2021);
* :func:`heldout_perplexity` -- exp(mean token NLL) over held-out texts or token sequences.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..types import TokenSequence
from .rank import check_text_args
from .scoring import full_sequences


@dataclasses.dataclass(frozen=True)
class Extraction:
    """Greedy extraction of one secret: ``exact`` when the continuation starts with the secret."""

    exact: bool
    matched_prefix: int  # characters of the secret reproduced before the first mismatch
    secret_length: int

    def __repr__(self) -> str:
        return f"Extraction(exact={self.exact}, matched_prefix={self.matched_prefix}/{self.secret_length})"


def _token_nll(model: Any, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(T-1,) NLL of tokens 1..T-1 and (T-1,) argmax predictions, one forward pass."""
    import torch

    device = next(model.parameters()).device
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, :-1]  # (T-1, V)
        logp = torch.log_softmax(logits.double(), dim=-1)  # (T-1, V)
        target = torch.tensor(ids[1:], device=device)  # (T-1,)
        nll = -logp.gather(-1, target[:, None]).squeeze(-1)  # (T-1,)
    return nll.cpu().numpy(), logits.argmax(-1).cpu().numpy()


def _secret_tokens(tokenizer: Any, context: str, secret: str) -> tuple[list[int], int]:
    ids, start = full_sequences(tokenizer, context, [secret])[0]
    return ids, start


def log_perplexity(model: Any, tokenizer: Any, context: str, secret: str) -> float:
    """Mean NLL (nats) per token of ``secret`` after ``context`` (same tokenisation as exposure)."""
    check_text_args(model, tokenizer, context=context, secret=secret)
    ids, start = _secret_tokens(tokenizer, context, secret)
    nll, _ = _token_nll(model, ids)
    return float(nll[start - 1 :].mean())


def token_accuracy(model: Any, tokenizer: Any, context: str, secret: str) -> float:
    """Fraction of the secret's tokens that are the argmax prediction given the true text before them."""
    check_text_args(model, tokenizer, context=context, secret=secret)
    ids, start = _secret_tokens(tokenizer, context, secret)
    _, pred = _token_nll(model, ids)
    target = np.asarray(ids[1:])
    return float((pred[start - 1 :] == target[start - 1 :]).mean())


def greedy_extraction(
    model: Any, tokenizer: Any, context: str, secret: str, *, extra_tokens: int = 4
) -> Extraction:
    """Greedy-decode from ``context`` (as many tokens as the secret has, plus ``extra_tokens``)."""
    return greedy_extractions(model, tokenizer, [(context, secret)], extra_tokens=extra_tokens)[0]


def greedy_extractions(
    model: Any, tokenizer: Any, items: Sequence[tuple[str, str]], *, extra_tokens: int = 4,
    batch_size: int = 32,
) -> list[Extraction]:  # fmt: skip
    """:func:`greedy_extraction` of many ``(context, secret)`` pairs. Each prompt runs alone once (no
    padding: a padded query row that sees no key is NaN in some attention kernels); then ``batch_size``
    continuations decode together, one token per step, on their KV caches stacked left-padded (zeros,
    masked) with each prompt's own positions."""
    import torch

    for c, s in items:  # the public boundary: named errors, not a failure deep in the batch
        check_text_args(model, tokenizer, context=c, secret=s)
    device = next(model.parameters()).device
    from .kvcache import cache_kwarg, layer_kv, out_cache, slot_cache

    kwarg = cache_kwarg(model)
    prepared = [_secret_tokens(tokenizer, c, s) for c, s in items]  # (ids, start of the secret's tokens)
    out: list[Extraction] = []
    for lo in range(0, len(items), batch_size):
        chunk = range(lo, min(lo + batch_size, len(items)))
        steps = [len(prepared[i][0]) - prepared[i][1] + extra_tokens for i in chunk]  # tokens to generate
        lengths = torch.tensor([prepared[i][1] for i in chunk], device=device)  # (B,) prompt lengths
        width, B = int(lengths.max()), len(chunk)
        first, kv = [], []
        with torch.no_grad():
            for i in chunk:  # per layer (1, H, L_i, hd) K and V of the prompt alone
                o = model(
                    input_ids=torch.tensor([prepared[i][0][: prepared[i][1]]], device=device), use_cache=True
                )
                first.append(o.logits[0, -1].argmax())
                kv.append(layer_kv(out_cache(o)))
            total = width + max(steps) - 1  # the prompts, right-aligned, then the decoded tokens
            layers = []
            for li in range(len(kv[0])):  # (B, H, total, hd) buffers, zero (masked) padding on the left
                k0, v0 = kv[0][li]
                k = k0.new_zeros(B, k0.shape[1], total, k0.shape[3])
                v = v0.new_zeros(B, v0.shape[1], total, v0.shape[3])
                for b in range(B):
                    n = int(lengths[b])
                    k[b, :, width - n : width], v[b, :, width - n : width] = kv[b][li][0][0], kv[b][li][1][0]
                layers.append((k, v))
            cols = torch.arange(total, device=device)  # (total,)
            mask = (cols[None, :] >= width - lengths[:, None]).long()  # (B, total) 0 on the padding only
            generated = torch.empty(B, max(steps), dtype=torch.long, device=device)  # (B, S)
            generated[:, 0] = torch.stack(first)
            cache = slot_cache(layers, width)  # each step writes its token behind the prompts, in place
            for step in range(1, max(steps)):
                pos = (lengths + step - 1)[:, None]  # (B, 1) the previous token's own position
                o = model(
                    input_ids=generated[:, step - 1 : step], attention_mask=mask[:, : width + step],
                    position_ids=pos, use_cache=True, **{kwarg: cache},
                )  # fmt: skip
                generated[:, step] = o.logits[:, -1].argmax(-1)  # (B,)
        for b, i in enumerate(chunk):
            ids_i, start = prepared[i]
            out.append(_matched(tokenizer, ids_i[start:], generated[b, : steps[b]].tolist(), items[i][1]))
    return out


def _matched(tokenizer: Any, truth: list[int], generated: list[int], secret: str) -> Extraction:
    """Compare the decoded continuation with the secret, in characters."""
    # the scored span may begin with a token that straddles the boundary (e.g. " 1"): compare text
    # decoded from the first secret token on, against the text those tokens cover in the truth
    head_text = tokenizer.decode(truth, skip_special_tokens=True)
    lead = head_text[: len(head_text) - len(secret)] if head_text.endswith(secret) else ""
    text = tokenizer.decode(generated, skip_special_tokens=True)
    text = text[len(lead) :] if text.startswith(lead) else ""
    matched = 0
    for a, b in zip(text, secret):
        if a != b:
            break
        matched += 1
    return Extraction(exact=matched == len(secret), matched_prefix=matched, secret_length=len(secret))


def zlib_ratio(model: Any, tokenizer: Any, text: str) -> float:
    """Log-perplexity of ``text`` (mean token NLL, nats) divided by its zlib entropy (bits per byte
    of the compressed text, i.e. ``len(zlib.compress(text))``); low values flag memorised text."""
    check_text_args(model, tokenizer, text=text)
    ids = tokenizer(text)["input_ids"]
    if len(ids) < 2:
        ids = full_sequences(tokenizer, "", [text])[0][0]
    nll, _ = _token_nll(model, ids)
    return float(nll.mean()) / len(zlib.compress(text.encode("utf-8")))


def heldout_perplexity(
    model: Any, tokenizer: Any, texts: Sequence[str] | Sequence[TokenSequence], *, batch_size: int = 8,
    max_length: int | None = None,
) -> float:  # fmt: skip
    """``exp(total NLL / total target tokens)`` over held-out texts (tokenised with the tokenizer's
    defaults, truncated to ``max_length``) or :class:`TokenSequence` s (their ``loss_mask``)."""
    import torch

    seqs: list[tuple[list[int], list[int]]] = []
    for item in texts:
        if isinstance(item, TokenSequence):
            seqs.append((list(item.input_ids), list(item.loss_mask)))
        else:
            kwargs = {"truncation": True, "max_length": max_length} if max_length else {}
            ids = tokenizer(item, **kwargs)["input_ids"]
            seqs.append((ids, [0] + [1] * (len(ids) - 1)))
    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.no_grad():
        for lo in range(0, len(seqs), batch_size):
            chunk = seqs[lo : lo + batch_size]
            width = max(len(s) for s, _ in chunk)
            ids = torch.zeros(len(chunk), width, dtype=torch.long)  # (B, T)
            attn = torch.zeros(len(chunk), width, dtype=torch.long)  # (B, T)
            target = torch.zeros(len(chunk), width, dtype=torch.bool)  # (B, T)
            for i, (s, m) in enumerate(chunk):
                ids[i, : len(s)] = torch.tensor(s)
                attn[i, : len(s)] = 1
                target[i, : len(s)] = torch.tensor(m, dtype=torch.bool)
            ids, attn, target = ids.to(device), attn.to(device), target.to(device)
            logp = torch.log_softmax(model(input_ids=ids, attention_mask=attn).logits[:, :-1].double(), -1)
            nll = -logp.gather(-1, ids[:, 1:, None]).squeeze(-1)  # (B, T-1)
            total += float((nll * target[:, 1:]).sum())
            count += int(target[:, 1:].sum())
    if count == 0:
        raise ValueError("no target tokens in the held-out set")
    return math.exp(total / count)


@dataclasses.dataclass(frozen=True)
class Memorization:
    """All per-secret measures at once (no plaintext)."""

    extraction: Extraction
    token_accuracy: float
    log_perplexity: float
    surrogate_log_perplexity: float
    zlib_ratio: float

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["extraction"] = dataclasses.asdict(self.extraction)
        return out


def memorization(model: Any, tokenizer: Any, context: str, secret: str, surrogate: str | None = None,
                 seed: int = 0) -> Memorization:  # fmt: skip
    """Greedy extraction, token accuracy, log-perplexity vs a surrogate (a random candidate of the
    secret's :func:`space_for` space unless given) and zlib ratio of ``context + secret``."""
    from .spaces import space_for

    check_text_args(model, tokenizer, context=context, secret=secret)
    if surrogate is None:
        surrogate = space_for(secret).sample(1, seed=seed, exclude=secret)[0]
    return Memorization(
        extraction=greedy_extraction(model, tokenizer, context, secret),
        token_accuracy=token_accuracy(model, tokenizer, context, secret),
        log_perplexity=log_perplexity(model, tokenizer, context, secret),
        surrogate_log_perplexity=log_perplexity(model, tokenizer, context, surrogate),
        zlib_ratio=zlib_ratio(model, tokenizer, context + secret),
    )
