"""How a model scores candidate secrets: the summed NLL of the candidate's tokens given everything
before them, positions as in the real text.

Two implementations that must agree (``tests/exposure/test_scoring.py`` checks it to ~1e-9 in
float64):

* :func:`score_naive` tokenises every full text ``head + candidate`` and runs it through the model
  (cost ~ |R| x sequence length);
* :func:`score_candidates` runs the shared head through the model ONCE, keeps its KV cache, and
  walks the trie of candidate token suffixes level by level, one forward step per internal node
  (cost ~ number of distinct candidate prefixes; the leaves need no forward pass at all).

Tokenisation at the boundary: the text is tokenised as a whole, and the candidate's tokens are the
tokens whose character span ends after the boundary ``len(head)`` (so a token straddling the
boundary, e.g. ``" 1"``, counts as the candidate's). A sequence that would have no token to
condition on (empty head, no BOS) gets the tokenizer's BOS (or EOS) token prepended, in both paths.
For speed, :func:`tokenize_candidates` tokenises only a tail window of the head per candidate: it
picks a token boundary at least ``margin`` characters before the candidate and checks on the first
candidate plus ``check`` random others that head-tokens + tail-tokens equal the tokenisation of the
full text; otherwise it falls back to tokenising every full text (``exact=True`` forces that).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SanitizeError


@dataclasses.dataclass
class Tokenized:
    """Candidates as ``shared + suffix[i]``; candidate i's scored tokens are ``suffix[i][skip[i]:]``."""

    shared: list[int]  # token ids common to all candidates, run through the model once
    suffixes: np.ndarray  # (N, M) int64 token ids after `shared`, padded with -1
    lengths: np.ndarray  # (N,) int64 number of suffix tokens
    skip: np.ndarray  # (N,) int64 leading suffix tokens that belong to the head (not scored)
    mode: str  # "window" or "full": how the candidates were tokenised

    def __repr__(self) -> str:  # token ids decode to the secret
        return (
            f"Tokenized(shared={len(self.shared)}, n={len(self.lengths)}, max_len={self.suffixes.shape[1]})"
        )


def _encode(
    tokenizer: Any, texts: list[str], specials: bool
) -> list[tuple[list[int], list[tuple[int, int]]]]:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        return [(e.ids, e.offsets) for e in backend.encode_batch(texts, add_special_tokens=specials)]
    enc = tokenizer(texts, add_special_tokens=specials, return_offsets_mapping=True)  # pragma: no cover
    return list(zip(enc["input_ids"], enc["offset_mapping"]))  # pragma: no cover


def _bos(tokenizer: Any) -> int:
    bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    if bos is None:
        raise SanitizeError(
            "the tokenizer has neither a BOS nor an EOS token to condition the first token on"
        )
    return int(bos)


def _first_scored(offsets: Sequence[tuple[int, int]], boundary: int) -> int:
    """Index of the first token whose span ends after ``boundary`` (special tokens have (0, 0))."""
    for i, (start, end) in enumerate(offsets):
        if end > boundary and end > start:
            return i
    raise SanitizeError("a candidate has no tokens (empty candidate string?)")


def full_sequences(tokenizer: Any, head: str, candidates: Sequence[str]) -> list[tuple[list[int], int]]:
    """``(token ids of head + candidate, index of its first scored token)`` for every candidate."""
    bos = None
    out = []
    for ids, offsets in _encode(tokenizer, [head + c for c in candidates], True):
        start = _first_scored(offsets, len(head))
        if start == 0:
            bos = _bos(tokenizer) if bos is None else bos
            ids, start = [bos, *ids], 1
        out.append((list(ids), start))
    return out


def _pack(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(N, W) int64 token ids padded with -1 and (N,) lengths."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    width = int(lengths.max())
    padded = np.full((len(seqs), width), -1, dtype=np.int64)
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    return padded, lengths


def _split(padded: np.ndarray, lengths: np.ndarray, starts: np.ndarray) -> Tokenized:
    """Cut the (N, W) padded full sequences at the longest common prefix, capped at the earliest first
    scored token (so every scored token is in a suffix; the tokens before it are skipped)."""
    same = (padded == padded[:1]).all(axis=0) & (padded[0] >= 0)  # (W,) column shared by all
    lcp = int(np.argmin(same)) if not same.all() else padded.shape[1]
    cut = min(lcp, int(starts.min()))
    shared = padded[0, :cut].tolist()
    suffixes = padded[:, cut:]
    return Tokenized(shared, np.ascontiguousarray(suffixes), lengths - cut, starts - cut, "")


def tokenize_candidates(
    tokenizer: Any, head: str, candidates: Sequence[str], *, exact: bool = False, margin: int = 16,
    check: int = 64, seed: int = 0, tail_cache: dict[str, Tokenized] | None = None,
) -> Tokenized:  # fmt: skip
    """Tokenise ``head + c`` for every candidate ``c`` (see the module docstring).

    ``tail_cache``: a cache, for one fixed list of ``candidates``, of the tokenised tail windows: heads that
    end in the same checked window (the same secret after the same words in other records) reuse its
    tokens instead of tokenising every candidate again."""
    if not candidates:
        raise SanitizeError("no candidates to score")
    boundary = len(head)
    if not exact and boundary > margin:
        ref_ids, ref_offsets = _encode(tokenizer, [head + candidates[0]], True)[0]
        rng = np.random.default_rng(seed)
        probe = [0, *rng.choice(len(candidates), size=min(check, len(candidates)), replace=False).tolist()]
        probe_full = _encode(tokenizer, [head + candidates[i] for i in probe], True)
        tried = 0
        for k in range(len(ref_ids) - 1, 0, -1):  # token boundaries, nearest to the candidate first
            q = ref_offsets[k][0]
            if q > boundary - margin or ref_offsets[k][1] <= q:
                continue
            tried += 1
            if tried > 8:
                break
            # a sentencepiece-style normaliser prepends "▁" to the text: then the tail must start
            # after the space that the token's "▁" stands for
            for start in (q, q + 1) if head[q] == " " else (q,):
                tails = _encode(tokenizer, [head[start:] + candidates[i] for i in probe], False)
                if all(
                    full[0] == ref_ids[:k] + tail[0] for full, tail in zip(probe_full, tails)
                ):  # head tokens + tail tokens == tokens of the whole text
                    return _window(tokenizer, head, candidates, ref_ids[:k], start, tail_cache)
    seqs = full_sequences(tokenizer, head, candidates)
    starts = np.array([s for _, s in seqs], dtype=np.int64)
    padded, lengths = _pack([ids for ids, _ in seqs])
    out = _split(padded, lengths, starts)
    out.mode = "full"
    return out


def _window(
    tokenizer: Any, head: str, candidates: Sequence[str], prefix: list[int], q: int,
    cache: dict[str, Tokenized] | None = None,
) -> Tokenized:  # fmt: skip
    """``prefix`` (the head's tokens before character ``q``) + each tail ``head[q:] + c`` tokenised."""
    tail = head[q:]
    split = cache.get(tail) if cache is not None else None
    if split is None:
        encoded = _encode(tokenizer, [tail + c for c in candidates], False)
        starts = np.array([_first_scored(off, len(tail)) for _, off in encoded], dtype=np.int64)
        padded, lengths = _pack([ids for ids, _ in encoded])
        # the prefix is common to all: never materialised per candidate
        split = _split(padded, lengths, starts)
        if cache is not None:
            cache[tail] = split
    return dataclasses.replace(split, shared=prefix + split.shared, mode="window")


# -- model scoring --------------------------------------------------------------------------------
def _check_positions(model: Any, length: int) -> None:
    limit = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", None
    )
    if limit is not None and length > limit:
        raise SanitizeError(
            f"context + candidate is {length} tokens, more than the model's {limit} positions; shorten --context"
        )


def score_naive(
    model: Any, tokenizer: Any, head: str, candidates: Sequence[str], *, batch_size: int = 64
) -> np.ndarray:
    """(N,) float64 summed NLL (nats) of each candidate, one full forward pass per text (reference)."""
    import torch

    seqs = full_sequences(tokenizer, head, candidates)
    device = next(model.parameters()).device
    out = np.empty(len(seqs), dtype=np.float64)
    with torch.no_grad():
        for lo in range(0, len(seqs), batch_size):
            chunk = seqs[lo : lo + batch_size]
            width = max(len(ids) for ids, _ in chunk)
            _check_positions(model, width)
            ids = torch.zeros(len(chunk), width, dtype=torch.long)  # (B, T), right padded
            mask = torch.zeros(len(chunk), width, dtype=torch.long)  # (B, T)
            target = torch.zeros(len(chunk), width, dtype=torch.bool)  # (B, T) scored tokens
            for i, (s, start) in enumerate(chunk):
                ids[i, : len(s)] = torch.tensor(s)
                mask[i, : len(s)] = 1
                target[i, start : len(s)] = True
            ids, mask, target = ids.to(device), mask.to(device), target.to(device)
            logits = model(input_ids=ids, attention_mask=mask).logits  # (B, T, V)
            logp = torch.log_softmax(logits[:, :-1].double(), dim=-1)  # (B, T-1, V) predicts tokens 1..T-1
            nll = -logp.gather(-1, ids[:, 1:, None]).squeeze(-1)  # (B, T-1)
            out[lo : lo + len(chunk)] = (nll * target[:, 1:]).sum(-1).cpu().numpy()
    return out


def score_tokenized(
    model: Any, tok: Tokenized, *, batch_size: int = 256, group_size: int = 100_000
) -> np.ndarray:  # fmt: skip
    """(N,) float64 summed NLL of every candidate's scored suffix tokens: the shared tokens run once,
    then the trie. More than ``group_size`` candidates are walked one first-token subtree at a time
    (same shared KV), which bounds the memory held for the KV of internal trie nodes."""
    import torch

    from .kvcache import layer_kv, out_cache, shared_head, supported
    from .trie import TrieWalk

    n, width = tok.suffixes.shape
    _check_positions(model, len(tok.shared) + width)
    device = next(model.parameters()).device
    with torch.no_grad():
        out = model(input_ids=torch.tensor([tok.shared], device=device), use_cache=True)
        shared_kv = layer_kv(out_cache(out))  # per layer (1, H, L0, hd)
        root_logp = torch.log_softmax(out.logits[0, -1].double(), dim=-1)  # (V,)
        shared = supported(model)  # the shared context attended once for all rows, not copied into each
        walk = TrieWalk(model, shared_kv, root_logp, len(tok.shared), batch_size, shared)
        with shared_head(model, shared_kv) if shared else contextlib.nullcontext():
            if n <= group_size:
                return walk(tok.suffixes, tok.lengths, tok.skip)
            scores = np.empty(n, dtype=np.float64)
            first = tok.suffixes[:, 0]  # (N,) first suffix token: one subtree per value
            for t in np.unique(first):
                rows = np.flatnonzero(first == t)
                scores[rows] = walk(tok.suffixes[rows], tok.lengths[rows], tok.skip[rows])
            return scores


def score_candidates(
    model: Any, tokenizer: Any, head: str, candidates: Sequence[str], *, batch_size: int = 256,
    exact_tokenization: bool = False, group_size: int = 100_000,
) -> np.ndarray:  # fmt: skip
    """(N,) float64 summed NLL (nats) of each candidate after ``head``, via the KV-cached trie walk."""
    tok = tokenize_candidates(tokenizer, head, candidates, exact=exact_tokenization)
    return score_tokenized(model, tok, batch_size=batch_size, group_size=group_size)
