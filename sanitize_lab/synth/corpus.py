"""Labeled corpora: :func:`plant_corpus` / :func:`make_corpus` plant values in their contexts, hard
negatives and filler into JSON-able ``{"text": ...}`` records, with the exact span of every
planted occurrence."""

from __future__ import annotations

import random
from typing import NamedTuple

from .decoys import DECOY_KINDS, decoy
from .filler import FILLER_STYLES
from .styles import CONTEXTS, TYPES, fake, render, surface


class Label(NamedTuple):
    """One planted occurrence: ``text[start:end]`` of record ``doc`` is a secret of ``type``."""

    doc: int
    start: int
    end: int
    type: str


class Planted(NamedTuple):
    label: Label
    style: str  # "<context style>" or "<context style>/<format>", e.g. "chat/dashes"


class Decoy(NamedTuple):
    doc: int
    start: int
    end: int
    kind: str


class SynthCorpus(NamedTuple):
    records: list[dict[str, str]]
    planted: list[Planted]
    decoys: list[Decoy]

    @property
    def labels(self) -> list[Label]:
        return [p.label for p in self.planted]


def plant_corpus(
    n_bytes: int,
    seed: int = 0,
    items_per_type: int = 20,
    decoys_per_kind: int = 20,
    types: tuple[str, ...] = TYPES,
    repeat_fraction: float = 0.15,
    doc_bytes: tuple[int, int] = (300, 6000),
) -> SynthCorpus:
    """A labeled corpus of about ``n_bytes`` characters of text (see :func:`make_corpus`).

    Every type gets ``items_per_type`` distinct values, cycling through all its context styles; a
    ``repeat_fraction`` of them is planted a second time elsewhere (every occurrence is a label).
    Each decoy kind is planted ``decoys_per_kind`` times. Pieces are separated by blank lines.
    """
    rng = random.Random(seed)
    pieces: list[tuple[str, list[tuple[int, int, str]], str, str]] = []  # text, spans, style, decoy kind
    for t in types:
        styles = sorted(CONTEXTS[t])
        for i in range(items_per_type):
            value, fmt = surface(t, fake(t, rng), rng)
            style = styles[i % len(styles)]
            copies = 2 if rng.random() < repeat_fraction else 1
            for _ in range(copies):
                text, spans, _ = render(t, value, rng, style)
                pieces.append((text, spans, f"{style}/{fmt}" if fmt else style, ""))
    for kind in DECOY_KINDS:
        for _ in range(decoys_per_kind):
            pieces.append((decoy(kind, rng), [], "", kind))
    rng.shuffle(pieces)

    # filler pool: generating every paragraph afresh is the slow part, so sample from a pool
    pool = [FILLER_STYLES[s](rng) for s in FILLER_STYLES for _ in range(150)]
    total = sum(len(p[0]) for p in pieces)
    # spread the pieces evenly: about one per (filler paragraphs / pieces) paragraphs
    mean_filler = sum(len(t) + 2 for t in pool) / len(pool)
    rate = min(1.0, len(pieces) / max(1.0, (n_bytes - total) / mean_filler))
    records: list[dict[str, str]] = []
    planted: list[Planted] = []
    decoys: list[Decoy] = []
    k = 0
    while total < n_bytes or k < len(pieces):
        target = rng.randint(*doc_bytes)
        parts: list[str] = []
        length = 0
        doc = len(records)
        while length < target:
            if k < len(pieces) and (rng.random() < rate or total >= n_bytes):
                text, spans, style, kind = pieces[k]
                k += 1
                if kind:
                    decoys.append(Decoy(doc, length, length + len(text), kind))
                for s, e, t in spans:
                    planted.append(Planted(Label(doc, length + s, length + e, t), style))
            else:
                text = rng.choice(pool)
                total += len(text)
            parts.append(text)
            length += len(text) + 2
        records.append({"text": "\n\n".join(parts)})
    return SynthCorpus(records, planted, decoys)


def make_corpus(
    n_bytes: int, seed: int = 0, items_per_type: int = 20, **kwargs: object
) -> tuple[list[dict[str, str]], list[Label]]:
    """``(records, labels)``: JSON-able ``{"text": ...}`` records of about ``n_bytes`` characters of
    mixed prose/chat/email/code/config/JSON/log filler with planted secrets, and a :class:`Label`
    ``(doc, start, end, type)`` for every planted occurrence (sorted). See :func:`plant_corpus`."""
    corpus = plant_corpus(n_bytes, seed, items_per_type, **kwargs)  # type: ignore[arg-type]
    return corpus.records, sorted(corpus.labels)
