"""The corpus tokenised exactly as fine-tuning saw it: the one home of training tokenisation.

* ``record`` mode: one sequence per document, ``tokenizer(text, truncation=True,
  max_length=max_length)`` with the tokenizer's default special tokens (HF ``Trainer`` recipes);
* ``packed`` mode (transformers' ``run_clm.py``): each document tokenised with the default special
  tokens (plus EOS if ``append_eos``), concatenated in groups of ``group_size`` documents, cut into
  blocks of ``block_size`` tokens, each group's remainder dropped.

Also the row access to a corpus (a ``datasets.Dataset`` or a list of str) that the other modules
of :mod:`sanitize.pairs` share.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import SanitizeError
from ..types import TokenSequence
from .config import PairConfig

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

BATCH = 1000


# -- corpus access ---------------------------------------------------------------------------------
class Corpus:
    """Row access to a Dataset (``text`` column; doc id = ``doc`` column if present) or a list of str."""

    def __init__(self, corpus: Any) -> None:
        if isinstance(corpus, (list, tuple)):
            for i, text in enumerate(corpus):
                if not isinstance(text, str):
                    raise SanitizeError(f"corpus item {i} must be a string, got {type(text).__name__}")
            self._list: Sequence[str] | None = corpus
            self._ds = None
            self.n = len(corpus)
            self._rows: dict[int, int] | None = None
            return
        columns = getattr(corpus, "column_names", None)
        if columns is None:
            raise SanitizeError(
                f"corpus must be a datasets.Dataset (from load_corpus) or a list of str, got {type(corpus).__name__}"
            )
        if "text" not in columns:
            raise SanitizeError(f"corpus has no 'text' column; columns present: {', '.join(columns)}")
        self._list, self._ds, self.n = None, corpus, len(corpus)
        self._rows = None
        if "doc" in columns:
            ids = corpus["doc"]
            if list(ids) != list(range(self.n)):
                self._rows = {int(d): r for r, d in enumerate(ids)}

    def row(self, doc: int) -> int | None:
        if self._rows is not None:
            return self._rows.get(doc)
        return doc if 0 <= doc < self.n else None

    def doc_id(self, row: int) -> int:
        if self._rows is None:
            return row
        if not hasattr(self, "_ids"):
            self._ids = {r: d for d, r in self._rows.items()}
        return self._ids[row]

    def texts(self, rows: Sequence[int]) -> list[str]:
        if self._list is not None:
            return [self._list[r] for r in rows]
        assert self._ds is not None
        return list(self._ds.select(list(rows))["text"]) if rows else []

    def batches(self, size: int = BATCH) -> Iterator[list[str]]:
        if self._list is not None:
            for i in range(0, self.n, size):
                yield list(self._list[i : i + size])
            return
        assert self._ds is not None
        for batch in self._ds.select_columns(["text"]).iter(batch_size=size):
            yield list(batch["text"])


def check_tokenizer(tokenizer: Any, config: PairConfig) -> None:
    if not getattr(tokenizer, "is_fast", False):
        raise SanitizeError(
            "build_pairs needs a fast (Rust) tokenizer: character offsets locate secrets in tokens"
        )
    if config.mode == "packed" and config.append_eos and tokenizer.eos_token_id is None:
        raise SanitizeError("PairConfig.append_eos: the tokenizer has no EOS token (set append_eos=False)")


# -- tokenisation as in training (the one home) ----------------------------------------------------
class Encoding:
    """One document's tokens with character offsets. Tokens with no text (BOS, EOS) sit only at
    the ends: ``lead`` before the text tokens, ``trail`` after them."""

    def __init__(self, ids: list[int], offsets: list[tuple[int, int]], special: list[int]) -> None:
        self.ids = ids
        n = len(ids)
        self.lead = next((t for t in range(n) if not special[t]), n)
        self.trail = next((n - t for t in range(n, 0, -1) if not special[t - 1]), 0) if self.lead < n else 0
        text = offsets[self.lead : n - self.trail]
        self.starts = [a for a, _ in text]  # non-decreasing
        self.ends = [b for _, b in text]  # non-decreasing

    def __len__(self) -> int:
        return len(self.ids)

    def overlaps(self, lo: int, hi: int, start: int, end: int) -> bool:
        """Whether a text token among tokens [lo, hi) overlaps characters [start, end)."""
        first = self.lead + bisect.bisect_right(self.ends, start)  # first text token ending after start
        stop = self.lead + bisect.bisect_left(self.starts, end)  # text tokens starting before end
        return max(first, lo) < min(stop, hi)

    def char_range(self, lo: int, hi: int) -> tuple[int, int] | None:
        """Characters covered by the text tokens among [lo, hi), or None if there are none."""
        a, b = max(lo, self.lead), min(hi, len(self.ids) - self.trail)
        return (self.starts[a - self.lead], self.ends[b - 1 - self.lead]) if a < b else None


def encode(tokenizer: Any, texts: list[str], config: PairConfig, *, offsets: bool) -> list[Any]:
    """Record mode: truncated; packed mode: whole documents plus EOS. Offsets on request."""
    if not texts:
        return []
    record = config.mode == "record"
    kwargs: dict[str, Any] = {"add_special_tokens": config.add_special_tokens, "verbose": False}
    if record:
        kwargs.update(truncation=True, max_length=config.max_length)
    if offsets:
        kwargs.update(return_offsets_mapping=True, return_special_tokens_mask=True)
    enc = tokenizer(texts, **kwargs)
    eos = [tokenizer.eos_token_id] if (not record and config.append_eos) else []
    if not offsets:
        return [list(ids) + eos for ids in enc["input_ids"]]
    return [
        Encoding(list(ids) + eos, [tuple(o) for o in offs] + [(0, 0)] * len(eos), list(sp) + [1] * len(eos))
        for ids, offs, sp in zip(enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"])
    ]


def sequence(ids: Sequence[int]) -> TokenSequence:
    ones = (1,) * len(ids)
    return TokenSequence(tuple(ids), ones, ones)


def count_blocks(stream: list[int], config: PairConfig) -> int:
    n, b = len(stream), config.block_size
    return n // b if config.drop_remainder else -(-n // b)


def groups(n: int, config: PairConfig) -> list[range]:
    size = config.group_size or max(n, 1)
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def tokenize_corpus(
    corpus: Any, tokenizer: PreTrainedTokenizerBase, config: PairConfig | None = None
) -> list[TokenSequence]:
    """The corpus tokenised exactly as fine-tuning saw it (see :mod:`sanitize.pairs`).

    Record mode: one sequence per document, in corpus order (an empty document gives a sequence
    with nothing to predict). Packed mode: the blocks in order. Attention and loss masks are all
    ones (labels = input ids, as ``run_clm`` and the causal-LM collators set them).
    """
    config = config or PairConfig()
    c = Corpus(corpus)
    out: list[TokenSequence] = []
    if config.mode == "record":
        for texts in c.batches():
            out.extend(sequence(ids) for ids in encode(tokenizer, texts, config, offsets=False))
        return out
    for group in groups(c.n, config):
        stream: list[int] = []
        for start in range(group.start, group.stop, BATCH):
            rows = range(start, min(start + BATCH, group.stop))
            for ids in encode(tokenizer, c.texts(list(rows)), config, offsets=False):
                stream.extend(ids)
        b = config.block_size
        out.extend(sequence(stream[i * b : (i + 1) * b]) for i in range(count_blocks(stream, config)))
    return out


def retokenize(
    sequences: Sequence[TokenSequence], before: Sequence[str], after: Sequence[str],
    tokenizer: PreTrainedTokenizerBase, config: PairConfig | None = None,
) -> list[TokenSequence]:  # fmt: skip
    """``tokenize_corpus(after)``, given ``sequences = tokenize_corpus(before)`` (same rows, same config).

    Record mode: one sequence per document, so only the documents whose text changed (e.g. the
    sanitized ones) are tokenised again. Packed mode tokenises ``after`` in full: a changed length
    moves every later block boundary of its group.
    """
    config = config or PairConfig()
    if len(before) != len(after):
        raise SanitizeError(f"retokenize: {len(before)} texts before but {len(after)} after")
    if config.mode != "record":
        return tokenize_corpus(list(after), tokenizer, config)
    if len(sequences) != len(before):
        raise SanitizeError(f"retokenize: {len(sequences)} sequences for {len(before)} documents")
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a is not b and a != b]
    out = list(sequences)
    for i, seq in zip(changed, tokenize_corpus([after[i] for i in changed], tokenizer, config)):
        out[i] = seq
    return out
