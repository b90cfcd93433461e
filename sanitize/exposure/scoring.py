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

import dataclasses
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SanitizeError

if TYPE_CHECKING:
    import torch


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


def _trie(
    suffixes: np.ndarray, lengths: np.ndarray, vocab: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[np.ndarray]]:
    """Level d of the trie: (parent index at level d-1, token) per node, sorted by (parent, token);
    and leaf[d][i] = node of candidate i at level d (-1 when the candidate is shorter)."""
    n, width = suffixes.shape
    node = np.zeros(n, dtype=np.int64)  # (N,) node per candidate at the current level (root = 0)
    levels, nodes = [], []
    for d in range(width):
        active = lengths > d  # (N,) candidates that have a token at depth d
        keys = node[active] * vocab + suffixes[active, d]  # (n_active,) (parent, token) packed
        uniq, inverse = np.unique(keys, return_inverse=True)  # sorted by parent, then token
        levels.append((uniq // vocab, uniq % vocab))
        node = np.full(n, -1, dtype=np.int64)
        node[active] = inverse
        nodes.append(node)
    return levels, nodes


def _cache_kwarg(model: Any) -> str:
    """``cache`` (transformers >= 5.2x) or ``past_key_values``: the name the forward pass takes."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


@functools.cache
def _slot_layer() -> type:
    """A DynamicLayer over preallocated K/V buffers (B, H, L, hd) of which the first ``filled`` positions
    hold the past: ``update`` writes the new tokens in place behind them and returns views, where
    DynamicLayer would concatenate (a copy of the whole past per forward)."""
    from transformers.cache_utils import DynamicLayer

    class SlotLayer(DynamicLayer):
        def __init__(self, keys: torch.Tensor, values: torch.Tensor, filled: int) -> None:
            super().__init__()
            self.keys, self.values, self.filled = keys, values, filled
            self.device, self.is_initialized = keys.device, True

        def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any) -> Any:
            end = self.filled + key_states.shape[-2]
            self.keys[:, :, self.filled : end] = key_states
            self.values[:, :, self.filled : end] = value_states
            self.filled = end
            return self.keys[:, :, :end], self.values[:, :, :end]

        def get_seq_length(self) -> int:
            return self.filled

    return SlotLayer


def _slot_cache(buffers: list[tuple[torch.Tensor, torch.Tensor]], filled: int) -> Any:
    """A DynamicCache whose layers write into ``buffers`` (per layer K, V (B, H, L, hd)) after ``filled``."""
    from transformers import DynamicCache

    cache = DynamicCache()
    cache.layers = [_slot_layer()(k, v, filled) for k, v in buffers]
    return cache


def _out_cache(out: Any) -> Any:
    cache = out.get("cache") if hasattr(out, "get") else None
    return cache if cache is not None else out.past_key_values


def _layer_kv(cache: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return [(k, v) for k, v in cache]  # pragma: no cover - older cache API


def score_tokenized(
    model: Any, tok: Tokenized, *, batch_size: int = 256, group_size: int = 100_000
) -> np.ndarray:  # fmt: skip
    """(N,) float64 summed NLL of every candidate's scored suffix tokens: the shared tokens run once,
    then the trie. More than ``group_size`` candidates are walked one first-token subtree at a time
    (same shared KV), which bounds the memory held for the KV of internal trie nodes."""
    import torch

    n, width = tok.suffixes.shape
    _check_positions(model, len(tok.shared) + width)
    device = next(model.parameters()).device
    with torch.no_grad():
        out = model(input_ids=torch.tensor([tok.shared], device=device), use_cache=True)
        shared_kv = _layer_kv(_out_cache(out))  # per layer (1, H, L0, hd)
        root_logp = torch.log_softmax(out.logits[0, -1].double(), dim=-1)  # (V,)
        walk = _TrieWalk(model, shared_kv, root_logp, len(tok.shared), batch_size)
        if n <= group_size:
            return walk(tok.suffixes, tok.lengths, tok.skip)
        scores = np.empty(n, dtype=np.float64)
        first = tok.suffixes[:, 0]  # (N,) first suffix token: one subtree per value
        for t in np.unique(first):
            rows = np.flatnonzero(first == t)
            scores[rows] = walk(tok.suffixes[rows], tok.lengths[rows], tok.skip[rows])
        return scores


@dataclasses.dataclass
class _TrieWalk:
    """Level-by-level walk of one candidate trie below the shared context (see score_tokenized)."""

    model: Any
    shared_kv: list[tuple[torch.Tensor, torch.Tensor]]  # per layer (1, H, L0, hd)
    root_logp: torch.Tensor  # (V,) log p(first suffix token | shared)
    L0: int
    batch_size: int

    def __call__(self, suffixes: np.ndarray, lengths: np.ndarray, skip: np.ndarray) -> np.ndarray:
        import torch

        model, shared_kv, L0, batch_size = self.model, self.shared_kv, self.L0, self.batch_size
        n = len(lengths)
        width = int(lengths.max())
        suffixes = suffixes[:, :width]
        vocab = max(int(self.root_logp.shape[0]), int(suffixes.max()) + 1)
        levels, nodes = _trie(suffixes, lengths, vocab)
        device = self.root_logp.device
        kwarg = _cache_kwarg(model)
        _, token = levels[0]
        cum = -self.root_logp[torch.from_numpy(token).to(device)]  # (n_1,) NLL of the first suffix token
        path_kv: list[tuple[torch.Tensor, ...]] | None = None  # per layer (n_int, H, d, hd) K and V
        path_index = np.zeros(1, dtype=np.int64)  # level d-1 node -> row in path_kv
        # per layer K and V buffers (rows, H, L0 + width, hd): the shared context copied in once per walk,
        # each chunk's path rows then its new token written behind it (no per-step concatenation)
        rows_max = min(batch_size, max(len(p) for p, _ in levels))
        bufs = [
            tuple(t.new_empty(rows_max, t.shape[1], L0 + width, t.shape[3]) for t in kv) for kv in shared_kv
        ]
        for (kb, vb), (k0, v0) in zip(bufs, shared_kv):
            kb[:, :, :L0], vb[:, :, :L0] = k0, v0
        scores = np.zeros(n, dtype=np.float64)
        for d in range(width):
            ends = lengths == d + 1  # (N,) candidates whose last token is at depth d
            scores[ends] += cum[torch.from_numpy(nodes[d][ends]).to(device)].cpu().numpy()
            skipped = skip == d + 1  # (N,) candidates whose first d+1 suffix tokens are head tokens
            scores[skipped] -= cum[torch.from_numpy(nodes[d][skipped]).to(device)].cpu().numpy()
            if d + 1 == width:
                break
            child_parent, child_token = levels[d + 1]
            internal = np.unique(child_parent)  # (n_int,) level-d nodes with children, sorted
            child_cum = torch.empty(len(child_parent), dtype=torch.float64, device=device)
            new_kv: list[list[torch.Tensor]] = [[] for _ in shared_kv]
            for lo in range(0, len(internal), batch_size):
                chunk = internal[lo : lo + batch_size]  # (B,) level-d node ids
                B = len(chunk)
                if path_kv is not None:
                    rows = torch.from_numpy(path_index[levels[d][0][chunk]]).to(device)  # parents' rows
                    for (kb, vb), (pk, pv) in zip(bufs, path_kv):
                        kb[:B, :, L0 : L0 + d], vb[:B, :, L0 : L0 + d] = pk[rows], pv[rows]  # (B, H, d, hd)
                cache = _slot_cache([(kb[:B], vb[:B]) for kb, vb in bufs], L0 + d)
                ids = torch.from_numpy(levels[d][1][chunk]).to(device)[:, None]  # (B, 1) node tokens
                pos = torch.full((B, 1), L0 + d, dtype=torch.long, device=device)  # (B, 1) real position
                step = model(input_ids=ids, position_ids=pos, use_cache=True, **{kwarg: cache})
                for li, (kb, vb) in enumerate(bufs):  # (2, B, H, d+1, hd) the path, the new token included
                    new_kv[li].append(torch.stack([kb[:B, :, L0 : L0 + d + 1], vb[:B, :, L0 : L0 + d + 1]]))
                logp = torch.log_softmax(step.logits[:, -1].double(), dim=-1)  # (B, V)
                a = np.searchsorted(child_parent, chunk[0], side="left")
                b = np.searchsorted(child_parent, chunk[-1], side="right")  # children of chunk: [a, b)
                local = torch.from_numpy(np.searchsorted(chunk, child_parent[a:b])).to(device)  # (b-a,)
                tokens = torch.from_numpy(child_token[a:b]).to(device)
                parent_cum = cum[torch.from_numpy(child_parent[a:b]).to(device)]
                child_cum[a:b] = parent_cum - logp[local, tokens]  # (b-a,) cumulative NLL
            path_kv = [tuple(torch.cat(x, dim=1).unbind(0)) for x in new_kv]  # (n_int, H, d+1, hd) each
            path_index = np.full(len(levels[d][0]), -1, dtype=np.int64)
            path_index[internal] = np.arange(len(internal))
            cum = child_cum
        return scores


def score_candidates(
    model: Any, tokenizer: Any, head: str, candidates: Sequence[str], *, batch_size: int = 256,
    exact_tokenization: bool = False, group_size: int = 100_000,
) -> np.ndarray:  # fmt: skip
    """(N,) float64 summed NLL (nats) of each candidate after ``head``, via the KV-cached trie walk."""
    tok = tokenize_candidates(tokenizer, head, candidates, exact=exact_tokenization)
    return score_tokenized(model, tok, batch_size=batch_size, group_size=group_size)
