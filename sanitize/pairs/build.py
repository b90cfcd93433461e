"""(z, z̃) pairs: record mode (one per document) and packed mode (one per block)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..types import Finding, Pair, Pairs
from .align import Alignment
from .config import PairConfig
from .spans import Doc, findings_list, prepare_docs
from .tokenize import BATCH, Corpus, check_tokenizer, count_blocks, encode, groups, sequence

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


# -- pairs -----------------------------------------------------------------------------------------
def _record_pairs(
    docs: dict[int, Doc], tokenizer: Any, config: PairConfig, findings: Sequence[Finding]
) -> Pairs:
    rows = sorted(docs)
    originals, sanitized = [], []
    for i in range(0, len(rows), BATCH):
        chunk = rows[i : i + BATCH]
        originals += encode(tokenizer, [docs[r].text for r in chunk], config, offsets=True)
        sanitized += encode(tokenizer, [docs[r].sanitized for r in chunk], config, offsets=False)
    pairs, unseen = [], []
    for row, enc, new in zip(rows, originals, sanitized):
        seen = []
        for span in docs[row].spans:
            for i in span.members:
                f = findings[i]
                (seen if enc.overlaps(0, len(enc), f.start, f.end) else unseen).append(i)
        if seen:
            pairs.append(Pair(sequence(enc.ids), sequence(new), docs[row].doc, tuple(sorted(seen)), None))
    return Pairs(tuple(pairs), tuple(sorted(unseen)))


def _packed_pairs(
    c: Corpus, docs: dict[int, Doc], tokenizer: Any, config: PairConfig, findings: Sequence[Finding]
) -> Pairs:
    b_size = config.block_size
    pairs: list[Pair] = []
    unseen: list[int] = []
    for group in groups(c.n, config):
        rows = [r for r in group if r in docs]
        if not rows:
            continue
        # every document of the group as training tokenised it; with character offsets only where
        # there are findings (the same ids, plus where each token sits in the text)
        olds = dict(zip(rows, encode(tokenizer, [docs[r].text for r in rows], config, offsets=True)))
        news = encode(tokenizer, [docs[r].sanitized for r in rows], config, offsets=True)
        aligns = {r: Alignment(olds[r], new, docs[r]) for r, new in zip(rows, news)}
        ids: list[list[int]] = []
        for start in range(group.start, group.stop, BATCH):
            batch = range(start, min(start + BATCH, group.stop))
            plain = [r for r in batch if r not in olds]
            encoded = dict(zip(plain, encode(tokenizer, c.texts(plain), config, offsets=False)))
            ids.extend(olds[r].ids if r in olds else encoded[r] for r in batch)
        starts = [0]
        for doc_ids in ids:
            starts.append(starts[-1] + len(doc_ids))
        stream = [t for doc_ids in ids for t in doc_ids]
        n_blocks = count_blocks(stream, config)
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
                pairs.append(Pair(sequence(original), sequence(new_ids), doc_of, tuple(sorted(members)), b))
    return Pairs(tuple(pairs), tuple(sorted(unseen)))


def build_pairs(
    corpus: Any, findings: Sequence[Finding], tokenizer: PreTrainedTokenizerBase,
    config: PairConfig | None = None, model: Any = None, *, key: str | None = None,
) -> Pairs:  # fmt: skip
    """(z, z̃) for every training sequence that held at least one finding (see :mod:`sanitize.pairs`).

    ``corpus``: a ``datasets.Dataset`` from :func:`sanitize.load_corpus` (``doc``/``text`` columns)
    or a list of str; ``findings``: spans into it (from ``scan`` or :func:`find_literal`);
    ``model``: needed by the ``model`` replacement strategy only; ``key``: the fingerprint key that
    seeds replacements (None: the default key; the pipeline passes the scanner's). ``Pair.findings`` are indices into
    ``findings``; ``Pair.doc`` is the document (packed mode: of the block's first finding) and
    ``Pair.block`` the block index in packed mode. Pairs hold secrets in memory:
    their ``repr`` shows counts and shapes only, and ``Pairs.save`` needs ``allow_secrets=True``.
    """
    config = config or PairConfig()
    check_tokenizer(tokenizer, config)
    c = Corpus(corpus)
    findings = findings_list(findings, "build_pairs")
    docs = prepare_docs(c, findings, config, tokenizer, model, key)
    if not docs:
        return Pairs((), ())
    if config.mode == "record":
        return _record_pairs(docs, tokenizer, config, findings)
    return _packed_pairs(c, docs, tokenizer, config, findings)
