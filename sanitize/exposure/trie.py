"""The candidate trie below a shared context and its level-by-level walk (:func:`.scoring.score_tokenized`):
one forward step per internal trie node, batched per level, each row's KV cache holding its path."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from .kvcache import cache_kwarg, slot_cache

if TYPE_CHECKING:
    import torch


def build_trie(
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


@dataclasses.dataclass
class TrieWalk:
    """Level-by-level walk of one candidate trie below the shared context (see score_tokenized).
    With ``shared`` (the caller runs the walk inside :func:`.kvcache.shared_head`, for models that
    :func:`.kvcache.supported`) the rows' caches hold their paths only and the shared context is attended
    once for all rows; otherwise each row's buffer starts with a copy of the shared context."""

    model: Any
    shared_kv: list[tuple[torch.Tensor, torch.Tensor]]  # per layer (1, H, L0, hd)
    root_logp: torch.Tensor  # (V,) log p(first suffix token | shared)
    L0: int
    batch_size: int
    shared: bool = False

    def __call__(self, suffixes: np.ndarray, lengths: np.ndarray, skip: np.ndarray) -> np.ndarray:
        import torch

        model, shared_kv, L0, batch_size = self.model, self.shared_kv, self.L0, self.batch_size
        n = len(lengths)
        width = int(lengths.max())
        suffixes = suffixes[:, :width]
        vocab = max(int(self.root_logp.shape[0]), int(suffixes.max()) + 1)
        levels, nodes = build_trie(suffixes, lengths, vocab)
        device = self.root_logp.device
        kwarg = cache_kwarg(model)
        shared = self.shared  # the context attended once for all rows; else copied into each
        off = 0 if shared else L0  # where the path starts in a row's buffer
        _, token = levels[0]
        cum = -self.root_logp[torch.from_numpy(token).to(device)]  # (n_1,) NLL of the first suffix token
        path_kv: list[tuple[torch.Tensor, ...]] | None = None  # per layer (n_int, H, d, hd) K and V
        path_index = np.zeros(1, dtype=np.int64)  # level d-1 node -> row in path_kv
        # per layer K and V buffers (rows, H, off + width, hd): the shared context copied in once per walk
        # when it is not attended once, each chunk's path rows then its new token written behind it
        rows_max = min(batch_size, max(len(p) for p, _ in levels))
        bufs = [
            tuple(t.new_empty(rows_max, t.shape[1], off + width, t.shape[3]) for t in kv) for kv in shared_kv
        ]
        for (kb, vb), (k0, v0) in zip(bufs, shared_kv):
            kb[:, :, :off], vb[:, :, :off] = k0[:, :, :off], v0[:, :, :off]
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
                        kb[:B, :, off : off + d], vb[:B, :, off : off + d] = (
                            pk[rows],
                            pv[rows],
                        )  # (B, H, d, hd)
                rows_kv = [(kb[:B], vb[:B]) for kb, vb in bufs]
                cache = slot_cache(rows_kv, d, offset=L0) if shared else slot_cache(rows_kv, L0 + d)
                ids = torch.from_numpy(levels[d][1][chunk]).to(device)[:, None]  # (B, 1) node tokens
                pos = torch.full((B, 1), L0 + d, dtype=torch.long, device=device)  # (B, 1) real position
                step = model(input_ids=ids, position_ids=pos, use_cache=True, **{kwarg: cache})
                for li, (kb, vb) in enumerate(bufs):  # (2, B, H, d+1, hd) the path, the new token included
                    new_kv[li].append(
                        torch.stack([kb[:B, :, off : off + d + 1], vb[:B, :, off : off + d + 1]])
                    )
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
