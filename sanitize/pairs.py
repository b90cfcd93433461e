"""Replacement pairs: every training sequence z that held a secret, and its sanitized twin z̃.

The influence update compares the loss on z with the loss on z̃, so both must be tokenised exactly
as fine-tuning saw them. :func:`tokenize_corpus` is the one home of that tokenisation:

* ``record`` mode: one sequence per document, ``tokenizer(text, truncation=True,
  max_length=max_length)`` with the tokenizer's default special tokens (HF ``Trainer`` recipes);
  z̃ is the same call on the sanitized document, i.e. what retraining on the sanitized corpus sees.
* ``packed`` mode (transformers' ``run_clm.py``): each document tokenised with the default special
  tokens (plus EOS if ``append_eos``), concatenated in groups of ``group_size`` documents, cut into
  blocks of ``block_size`` tokens, each group's remainder dropped. Re-packing a sanitized corpus
  would shift every later block, so z̃ is built per block: each document's slice of the block is
  mapped through a token alignment (:class:`_Alignment`) of the document onto the tokenisation of
  the sanitized document. Where the two tokenisations agree the map is token for token; only
  inside a re-tokenised run around a replacement is a block boundary placed by position. The z̃
  of consecutive blocks therefore tile the sanitized documents' tokens exactly (a secret cut by a
  block boundary is paired in both blocks, and a block away from every replacement has z̃ = z),
  except that a z̃ longer than ``block_size`` (a run that gained tokens) is cut to ``block_size``:
  the model never saw longer blocks. A block is paired when it holds part of a finding or when its
  z̃ differs from z (a merge across the secret's edge can move a token into the next block).

z̃ is always a fresh tokenisation of the replaced *text* (never spliced token ids), so BPE merges
across the secret boundary come out as the tokenizer makes them. Overlapping or adjacent findings
are merged into one replaced span. Findings whose characters fall beyond truncation (or in a
dropped remainder) were not trained on: they are listed in ``Pairs.unseen`` and get no pair.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .config import BaseConfig, option
from .errors import SanitizeError
from .fingerprint import fingerprint_secret, mask_secret
from .replacers import Occurrence, replace
from .types import Finding, Pair, Pairs, TokenSequence

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

_BATCH = 1000


# -- corpus access ---------------------------------------------------------------------------------
@dataclasses.dataclass
class PairConfig(BaseConfig):
    """How (original, sanitized) training sequences are built (see :func:`sanitize.build_pairs`).

    ``mode`` must match how the model was fine-tuned: ``"record"`` is one example per document,
    ``tokenizer(text, truncation=True, max_length=max_length)`` with the tokenizer's default special
    tokens (what ``Trainer`` recipes do); ``"packed"`` is the ``run_clm`` recipe: documents tokenised
    with the default special tokens, concatenated (optionally with EOS after each) in groups of
    ``group_size`` documents, and cut into blocks of ``block_size`` tokens, the remainder of each group
    dropped.
    """

    mode: str = option(
        "record", help="'record' = one truncated sequence per document; 'packed' = run_clm blocks."
    )
    max_length: int = option(1024, help="Record mode: truncation length in tokens (special tokens included).")
    block_size: int = option(1024, help="Packed mode: tokens per block.")
    append_eos: bool = option(
        True,
        help="Packed mode: append the EOS token after each document before concatenating (most packing "
        "recipes do; transformers' run_clm.py itself does not: set False to match it exactly).",
    )
    group_size: int = option(
        1000,
        help="Packed mode: documents concatenated per group (run_clm packs inside datasets.map batches of "
        "1000 and drops each group's remainder); 0 = the whole corpus is one group.",
    )
    drop_remainder: bool = option(
        True, help="Packed mode: drop each group's last partial block (run_clm does); False keeps it."
    )
    add_special_tokens: bool = option(
        True, help="Tokenise with the tokenizer's default special tokens (BOS etc.), as training did."
    )
    replacement: str = option(
        "surrogate",
        help="Replacement strategy: 'surrogate' (format-preserving fake of the same type), 'placeholder' "
        "('[CREDIT_CARD]'), 'model' (sampled from the model given the preceding text) or a name "
        "registered with sanitize.replacers.register_replacer.",
    )
    seed: int = option(0, help="Seed for replacements (with the secret's keyed fingerprint).")
    fingerprint_key: str | None = option(
        None,
        help="HMAC key for fingerprints that seed surrogates; None = $SANITIZE_FINGERPRINT_KEY or the "
        "per-user key file (prefer those: a saved config should not hold a key).",
    )
    model_context_tokens: int = option(
        256, help="'model' strategy: how many preceding tokens condition the sampled replacement."
    )
    model_temperature: float = option(1.0, help="'model' strategy: sampling temperature (> 0).")

    def __post_init__(self) -> None:
        self._check_choice("mode", ("record", "packed"))
        for name in ("max_length", "block_size", "model_context_tokens"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
            self._check_range(name, 1)
        if isinstance(self.group_size, bool) or not isinstance(self.group_size, int):
            self._fail("group_size", "must be an integer")
        self._check_range("group_size", 0)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            self._fail("seed", "must be an integer")
        for name in ("append_eos", "drop_remainder", "add_special_tokens"):
            if not isinstance(getattr(self, name), bool):
                self._fail(name, "must be true or false")
        if not isinstance(self.replacement, str) or not self.replacement:
            self._fail("replacement", "must be a strategy name")
        self._check_range("model_temperature", 0.0, low_open=True)


class _Corpus:
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

    def batches(self, size: int = _BATCH) -> Iterator[list[str]]:
        if self._list is not None:
            for i in range(0, self.n, size):
                yield list(self._list[i : i + size])
            return
        assert self._ds is not None
        for batch in self._ds.select_columns(["text"]).iter(batch_size=size):
            yield list(batch["text"])


def _check_tokenizer(tokenizer: Any, config: PairConfig) -> None:
    if not getattr(tokenizer, "is_fast", False):
        raise SanitizeError(
            "build_pairs needs a fast (Rust) tokenizer: character offsets locate secrets in tokens"
        )
    if config.mode == "packed" and config.append_eos and tokenizer.eos_token_id is None:
        raise SanitizeError("PairConfig.append_eos: the tokenizer has no EOS token (set append_eos=False)")


# -- tokenisation as in training (the one home) ----------------------------------------------------
class _Enc:
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


def _encode(tokenizer: Any, texts: list[str], config: PairConfig, *, offsets: bool) -> list[Any]:
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
        _Enc(list(ids) + eos, [tuple(o) for o in offs] + [(0, 0)] * len(eos), list(sp) + [1] * len(eos))
        for ids, offs, sp in zip(enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"])
    ]


def _sequence(ids: Sequence[int]) -> TokenSequence:
    ones = (1,) * len(ids)
    return TokenSequence(tuple(ids), ones, ones)


def _blocks(stream: list[int], config: PairConfig) -> int:
    n, b = len(stream), config.block_size
    return n // b if config.drop_remainder else -(-n // b)


def _groups(n: int, config: PairConfig) -> list[range]:
    size = config.group_size or max(n, 1)
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def tokenize_corpus(
    corpus: Any, tokenizer: PreTrainedTokenizerBase, config: PairConfig | None = None
) -> list[TokenSequence]:
    """The corpus tokenised exactly as fine-tuning saw it (see the module docstring).

    Record mode: one sequence per document, in corpus order (an empty document gives a sequence
    with nothing to predict). Packed mode: the blocks in order. Attention and loss masks are all
    ones (labels = input ids, as ``run_clm`` and the causal-LM collators set them).
    """
    config = config or PairConfig()
    c = _Corpus(corpus)
    out: list[TokenSequence] = []
    if config.mode == "record":
        for texts in c.batches():
            out.extend(_sequence(ids) for ids in _encode(tokenizer, texts, config, offsets=False))
        return out
    for group in _groups(c.n, config):
        stream: list[int] = []
        for start in range(group.start, group.stop, _BATCH):
            rows = range(start, min(start + _BATCH, group.stop))
            for ids in _encode(tokenizer, c.texts(list(rows)), config, offsets=False):
                stream.extend(ids)
        b = config.block_size
        out.extend(_sequence(stream[i * b : (i + 1) * b]) for i in range(_blocks(stream, config)))
    return out


# -- findings -> merged spans -> replacements ------------------------------------------------------
@dataclasses.dataclass
class _Span:
    """Merged, replaced character span of one document (``members``: finding indices)."""

    start: int
    end: int
    type: str
    members: list[int]
    new_start: int = 0
    new_end: int = 0


@dataclasses.dataclass
class _Doc:
    row: int
    doc: int
    text: str = dataclasses.field(repr=False)
    spans: list[_Span]
    sanitized: str = dataclasses.field(default="", repr=False)

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [s.start for s in self.spans]

    def _span_at(self, c: int) -> _Span | None:
        """The last span starting at or before character ``c``."""
        i = bisect.bisect_right(self._starts, c) - 1
        return self.spans[i] if i >= 0 else None

    def inside(self, c: int) -> bool:
        """Whether character position ``c`` lies strictly inside a replaced span."""
        s = self._span_at(c)
        return s is not None and s.start < c < s.end

    def map_char(self, c: int) -> int:
        """Character position in the original text -> position in the sanitized text.

        Outside spans: shifted by the length change so far; inside a span: proportionally, so a
        boundary that cuts a secret cuts its replacement at the same relative place."""
        s = self._span_at(c)
        if s is None:
            return c
        if c < s.end:
            return s.new_start + (c - s.start) * (s.new_end - s.new_start) // (s.end - s.start)
        return c - s.end + s.new_end


def _prepare(
    c: _Corpus, findings: Sequence[Finding], config: PairConfig, tokenizer: Any, model: Any
) -> dict[int, _Doc]:
    """Validate findings against the corpus, merge them per document, compute replacements."""
    by_row: dict[int, list[int]] = {}
    for i, f in enumerate(findings):
        if not isinstance(f, Finding):
            raise SanitizeError(f"finding {i}: expected a Finding, got {type(f).__name__}")
        row = c.row(f.doc)
        if row is None:
            raise SanitizeError(
                f"finding {i} (doc={f.doc}, start={f.start}, end={f.end}, type={f.type}): doc index out "
                f"of range (the corpus has {c.n} documents)"
            )
        by_row.setdefault(row, []).append(i)
    rows = sorted(by_row)
    docs: dict[int, _Doc] = {}
    for row, text in zip(rows, c.texts(rows)):
        members = sorted(by_row[row], key=lambda i: (findings[i].start, findings[i].end))
        spans: list[_Span] = []
        for i in members:
            f = findings[i]
            if f.end > len(text):
                raise SanitizeError(
                    f"finding {i} (doc={f.doc}, start={f.start}, end={f.end}, type={f.type}): span ends "
                    f"past the end of the document text ({len(text)} characters)"
                )
            if spans and f.start <= spans[-1].end:  # overlapping or adjacent: merge
                last = spans[-1]
                longest = max(last.members, key=lambda j: findings[j].end - findings[j].start)
                last.end = max(last.end, f.end)
                last.members.append(i)
                if f.end - f.start > findings[longest].end - findings[longest].start:
                    last.type = f.type
            else:
                spans.append(_Span(f.start, f.end, f.type, [i]))
        doc = _Doc(row, findings[members[0]].doc, text, spans)
        parts, pos, shift = [], 0, 0
        for s in spans:
            secret = text[s.start : s.end]
            occ = Occurrence(
                secret=secret, type=s.type, seed=config.seed,
                fingerprint=fingerprint_secret(secret, config.fingerprint_key), prefix=text[: s.start],
                doc=doc.doc, start=s.start, model=model, tokenizer=tokenizer,
                context_tokens=config.model_context_tokens, temperature=config.model_temperature,
                key=config.fingerprint_key,
            )  # fmt: skip
            new = replace(occ, config.replacement)
            parts += [text[pos : s.start], new]
            s.new_start = s.start + shift
            s.new_end = s.new_start + len(new)
            shift += len(new) - (s.end - s.start)
            pos = s.end
        doc.sanitized = "".join([*parts, text[pos:]])
        docs[row] = doc
    return docs


def sanitize_texts(
    corpus: Any, findings: Sequence[Finding], config: PairConfig | None = None, *,
    tokenizer: Any = None, model: Any = None,
) -> list[str]:  # fmt: skip
    """Every document's text with every finding replaced (the corpus a retraining reference uses).

    The replacements are the ones :func:`build_pairs` uses for the same config (and model).
    """
    config = config or PairConfig()
    c = _Corpus(corpus)
    docs = _prepare(c, list(findings), config, tokenizer, model)
    out: list[str] = []
    for texts in c.batches():
        for text in texts:
            doc = docs.get(len(out))
            out.append(doc.sanitized if doc is not None else text)
    return out


def find_literal(
    corpus: Any, secrets: Sequence[str], *, type: str = "literal", key: str | None = None
) -> list[Finding]:
    """Every occurrence (overlapping ones too) of each literal secret, sorted by (doc, start).

    For canary workflows: ``build_pairs(corpus, find_literal(corpus, ["my pin is 1234"]), tok)``.
    """
    for i, s in enumerate(secrets):
        if not isinstance(s, str) or not s:
            raise SanitizeError(f"secrets[{i}] must be a non-empty string")
    c = _Corpus(corpus)
    meta = [(s, fingerprint_secret(s, key), mask_secret(s, type)) for s in secrets]
    out: list[Finding] = []
    row = 0
    for texts in c.batches():
        for text in texts:
            doc = c.doc_id(row)
            for secret, fp, preview in meta:
                at = text.find(secret)
                while at >= 0:
                    out.append(Finding(doc, at, at + len(secret), type, "literal", 1.0, fp, preview))
                    at = text.find(secret, at + 1)
            row += 1
    return sorted(out)


# -- pairs -----------------------------------------------------------------------------------------
def _record_pairs(
    docs: dict[int, _Doc], tokenizer: Any, config: PairConfig, findings: Sequence[Finding]
) -> Pairs:
    rows = sorted(docs)
    originals, sanitized = [], []
    for i in range(0, len(rows), _BATCH):
        chunk = rows[i : i + _BATCH]
        originals += _encode(tokenizer, [docs[r].text for r in chunk], config, offsets=True)
        sanitized += _encode(tokenizer, [docs[r].sanitized for r in chunk], config, offsets=False)
    pairs, unseen = [], []
    for row, enc, new in zip(rows, originals, sanitized):
        seen = []
        for span in docs[row].spans:
            for i in span.members:
                f = findings[i]
                (seen if enc.overlaps(0, len(enc), f.start, f.end) else unseen).append(i)
        if seen:
            pairs.append(Pair(_sequence(enc.ids), _sequence(new), docs[row].doc, tuple(sorted(seen)), None))
    return Pairs(tuple(pairs), tuple(sorted(unseen)))


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    return next((t for t, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


class _Alignment:
    """Token boundaries of one document's original tokenisation -> boundaries of its sanitized one.

    Both token lists are cut at *sync* boundaries ``(k, j)``: original boundary ``k`` and sanitized
    boundary ``j`` sit at the same place of the text, i.e. a character ``c`` of the original that is
    not strictly inside a replaced span, where a token of each starts (``j``'s at ``map_char(c)``)
    and no token of either straddles it; plus the edges of the special tokens (BOS/EOS). Between
    two consecutive syncs the pieces are equal (same ids) or a re-tokenised run, trimmed of the
    tokens it starts and ends with in both lists. Equal pieces map token for token -- this also
    places a boundary inside a character of several byte tokens (``é`` = 2 byte-level tokens with
    one offset), which a character map cannot. A boundary strictly inside a run is placed by
    position: the first sanitized token of the run that starts at or after the mapped character
    (so a boundary that cuts a secret cuts its replacement at the same relative place). The map is
    monotone with ``0 -> 0`` and ``len(orig) -> len(new)``, so consecutive blocks' twins tile the
    sanitized tokens; it never matches tokens inside a run (a surrogate's digits may equal the
    secret's by chance).
    """

    def __init__(self, orig: _Enc, new: _Enc, doc: _Doc) -> None:
        self.orig, self.new, self.doc = orig, new, doc
        # segments (i0, i1, j0, j1, equal): orig tokens [i0, i1) <-> sanitized tokens [j0, j1),
        # consecutive and covering both lists
        self.segments: list[tuple[int, int, int, int, bool]] = []
        syncs = self._syncs()
        for (i0, j0), (i1, j1) in itertools.pairwise(syncs):
            a, b = orig.ids[i0:i1], new.ids[j0:j1]
            if a == b:
                self._add(i0, i1, j0, j1, True)
                continue
            p = _common_prefix(a, b)
            q = _common_prefix(a[p:][::-1], b[p:][::-1])
            self._add(i0, i0 + p, j0, j0 + p, True)  # common first tokens
            self._add(i0 + p, i1 - q, j0 + p, j1 - q, False)  # the re-tokenised run
            self._add(i1 - q, i1, j1 - q, j1, True)  # common last tokens
        self._i0 = [seg[0] for seg in self.segments]

    def _add(self, i0: int, i1: int, j0: int, j1: int, equal: bool) -> None:
        if i0 < i1 or j0 < j1:
            self.segments.append((i0, i1, j0, j1, equal))

    def _syncs(self) -> list[tuple[int, int]]:
        """Sync boundaries (k, j), increasing in k and non-decreasing in j."""
        orig, new, doc = self.orig, self.new, self.doc
        o_end, n_end = len(orig) - orig.trail, len(new) - new.trail  # ends of the text tokens
        syncs = [(0, 0), (orig.lead, new.lead)]
        for t in range(1, len(orig.starts)):  # original boundary k = lead + t, before text token t
            c = orig.starts[t]
            if orig.ends[t - 1] > c or orig.starts[t - 1] == c or doc.inside(c):
                continue  # inside a multi-token character, after an empty token, or inside a secret
            c_new = doc.map_char(c)
            u = bisect.bisect_left(new.starts, c_new)  # first sanitized text token starting at/after
            if u == 0 or u >= len(new.starts) or new.starts[u] != c_new or new.ends[u - 1] > c_new:
                continue  # no sanitized token boundary at the same place
            syncs.append((orig.lead + t, new.lead + u))
        return [*syncs, (o_end, n_end), (len(orig), len(new))]

    def __call__(self, k: int) -> int:
        """Original boundary ``k`` (0..len(orig)) -> sanitized boundary (0..len(new))."""
        if k <= 0 or k >= len(self.orig):  # the document's ends (with any tokens inserted there)
            return 0 if k <= 0 else len(self.new)
        # the last segment starting at or before k: tokens inserted at k go to the block before k
        i0, i1, j0, j1, equal = self.segments[bisect.bisect_right(self._i0, k) - 1]
        if equal or k == i0:
            return j0 + (k - i0)
        t = k - self.orig.lead  # k is strictly inside a run: place it by position
        if not 0 <= t < len(self.orig.starts):  # a run of special tokens (an empty text): by count
            return j0 + (k - i0) * (j1 - j0) // (i1 - i0)
        lo, hi = max(j0 - self.new.lead, 0), max(j1 - self.new.lead, 0)
        c_new = self.doc.map_char(self.orig.starts[t])
        return self.new.lead + bisect.bisect_left(self.new.starts, c_new, lo, hi)


def _packed_pairs(
    c: _Corpus, docs: dict[int, _Doc], tokenizer: Any, config: PairConfig, findings: Sequence[Finding]
) -> Pairs:
    b_size = config.block_size
    pairs: list[Pair] = []
    unseen: list[int] = []
    for group in _groups(c.n, config):
        rows = [r for r in group if r in docs]
        if not rows:
            continue
        # every document of the group as training tokenised it; with character offsets only where
        # there are findings (the same ids, plus where each token sits in the text)
        olds = dict(zip(rows, _encode(tokenizer, [docs[r].text for r in rows], config, offsets=True)))
        news = _encode(tokenizer, [docs[r].sanitized for r in rows], config, offsets=True)
        aligns = {r: _Alignment(olds[r], new, docs[r]) for r, new in zip(rows, news)}
        ids: list[list[int]] = []
        for start in range(group.start, group.stop, _BATCH):
            batch = range(start, min(start + _BATCH, group.stop))
            plain = [r for r in batch if r not in olds]
            encoded = dict(zip(plain, _encode(tokenizer, c.texts(plain), config, offsets=False)))
            ids.extend(olds[r].ids if r in olds else encoded[r] for r in batch)
        starts = [0]
        for doc_ids in ids:
            starts.append(starts[-1] + len(doc_ids))
        stream = [t for doc_ids in ids for t in doc_ids]
        n_blocks = _blocks(stream, config)
        for r in rows:  # which findings were trained on
            enc, limit = olds[r], n_blocks * b_size - starts[r - group.start]
            for span in docs[r].spans:
                for i in span.members:
                    f = findings[i]
                    if not enc.overlaps(0, limit, f.start, f.end):
                        unseen.append(i)
        candidates = sorted({
            b for r in rows for b in range(starts[r - group.start] // b_size,
                                           min(n_blocks, -(-starts[r - group.start + 1] // b_size)))
        })  # fmt: skip
        for b in candidates:
            lo, hi = b * b_size, min((b + 1) * b_size, len(stream))
            new_ids: list[int] = []
            members: set[int] = set()
            holds_secret = False
            first = bisect.bisect_right(starts, lo) - 1
            for d in range(first, len(ids)):
                if starts[d] >= hi:
                    break
                k0, k1 = max(lo, starts[d]) - starts[d], min(hi, starts[d + 1]) - starts[d]
                row = group.start + d
                if row not in docs:
                    new_ids.extend(ids[d][k0:k1])
                    continue
                doc, enc, align = docs[row], olds[row], aligns[row]
                new_ids.extend(align.new.ids[align(k0) : align(k1)])  # this doc's part of z̃
                chars = enc.char_range(k0, k1)
                for span in doc.spans:
                    if chars is None or span.start > chars[1] or span.end < chars[0]:
                        continue
                    for i in span.members:
                        f = findings[i]
                        inside = enc.overlaps(k0, k1, f.start, f.end)
                        holds_secret |= inside
                        if inside or (f.start <= chars[1] and f.end >= chars[0]):  # touches the block
                            members.add(i)
            original = stream[lo:hi]
            new_ids = new_ids[:b_size]
            if holds_secret or new_ids != original:  # every seen finding is in a pair
                doc_of = findings[min(members)].doc if members else c.doc_id(group.start + first)
                pairs.append(Pair(_sequence(original), _sequence(new_ids), doc_of, tuple(sorted(members)), b))
    return Pairs(tuple(pairs), tuple(sorted(unseen)))


def build_pairs(
    corpus: Any, findings: Sequence[Finding], tokenizer: PreTrainedTokenizerBase,
    config: PairConfig | None = None, model: Any = None,
) -> Pairs:  # fmt: skip
    """(z, z̃) for every training sequence that held at least one finding (see the module docstring).

    ``corpus``: a ``datasets.Dataset`` from :func:`sanitize.load_corpus` (``doc``/``text`` columns)
    or a list of str; ``findings``: spans into it (from ``scan`` or :func:`find_literal`);
    ``model``: needed by the ``model`` replacement strategy only. ``Pair.findings`` are indices into
    ``findings``; ``Pair.doc`` is the document (packed mode: of the block's first finding) and
    ``Pair.block`` the block index in packed mode. Pairs hold secrets in memory:
    their ``repr`` shows counts and shapes only, and ``Pairs.save`` needs ``allow_secrets=True``.
    """
    config = config or PairConfig()
    _check_tokenizer(tokenizer, config)
    c = _Corpus(corpus)
    findings = list(findings)
    docs = _prepare(c, findings, config, tokenizer, model)
    if not docs:
        return Pairs((), ())
    if config.mode == "record":
        return _record_pairs(docs, tokenizer, config, findings)
    return _packed_pairs(c, docs, tokenizer, config, findings)


__all__ = ["build_pairs", "find_literal", "sanitize_texts", "tokenize_corpus"]
