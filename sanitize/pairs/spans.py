"""Findings -> merged, replaced character spans per document, and the sanitized corpus.

Overlapping or adjacent findings are merged into one replaced span (typed after its longest
member); each span's replacement comes from :func:`sanitize.replacers.replace` with the
configured strategy, seeded by the secret's keyed fingerprint.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from ..errors import SanitizeError
from ..fingerprint import fingerprint_secret
from ..replacers import Occurrence, replace
from ..types import Finding
from .config import PairConfig
from .tokenize import Corpus


# -- findings -> merged spans -> replacements ------------------------------------------------------
@dataclasses.dataclass
class Span:
    """Merged, replaced character span of one document (``members``: finding indices)."""

    start: int
    end: int
    type: str
    members: list[int]
    new_start: int = 0
    new_end: int = 0
    longest: int = -1  # length of the longest member so far (its type names the span)

    def __post_init__(self) -> None:
        if self.longest < 0:
            self.longest = self.end - self.start


@dataclasses.dataclass
class Doc:
    row: int
    doc: int
    text: str = dataclasses.field(repr=False)
    spans: list[Span]
    sanitized: str = dataclasses.field(default="", repr=False)

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [s.start for s in self.spans]

    def _span_at(self, c: int) -> Span | None:
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


def findings_list(findings: Any, where: str) -> list[Finding]:
    """``findings`` as a list, refusing what is not a sequence of findings (None, a str, a path)."""
    if findings is None or isinstance(findings, (str, bytes)) or not hasattr(findings, "__iter__"):
        raise SanitizeError(
            f"{where}: findings must be a list of Finding (from scan or find_literal; read a findings "
            f"file with sanitize.findings.read_findings), got {type(findings).__name__}"
        )
    return list(findings)


def prepare_docs(
    c: Corpus, findings: Sequence[Finding], config: PairConfig, tokenizer: Any, model: Any, key: str | None
) -> dict[int, Doc]:
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
    docs: dict[int, Doc] = {}
    for row, text in zip(rows, c.texts(rows)):
        members = sorted(by_row[row], key=lambda i: (findings[i].start, findings[i].end))
        spans: list[Span] = []
        for i in members:
            f = findings[i]
            if f.end > len(text):
                raise SanitizeError(
                    f"finding {i} (doc={f.doc}, start={f.start}, end={f.end}, type={f.type}): span ends "
                    f"past the end of the document text ({len(text)} characters)"
                )
            if spans and f.start <= spans[-1].end:  # overlapping or adjacent: merge
                last = spans[-1]  # O(1) per finding: 100k duplicates of one span stay linear
                last.end = max(last.end, f.end)
                last.members.append(i)
                if f.end - f.start > last.longest:
                    last.type, last.longest = f.type, f.end - f.start
            else:
                spans.append(Span(f.start, f.end, f.type, [i]))
        doc = Doc(row, findings[members[0]].doc, text, spans)
        parts, pos, shift = [], 0, 0
        for s in spans:
            secret = text[s.start : s.end]
            occ = Occurrence(
                secret=secret, type=s.type, seed=config.seed,
                fingerprint=fingerprint_secret(secret, key), prefix=text[: s.start],
                doc=doc.doc, start=s.start, model=model, tokenizer=tokenizer,
                context_tokens=config.model_context_tokens, temperature=config.model_temperature,
                key=key,
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
    tokenizer: Any = None, model: Any = None, key: str | None = None,
) -> list[str]:  # fmt: skip
    """Every document's text with every finding replaced (the corpus a retraining reference uses).

    The replacements are the ones :func:`build_pairs` uses for the same config, model and
    fingerprint ``key`` (None: the default key, see :func:`sanitize.fingerprint.fingerprint_key`).
    """
    config = config or PairConfig()
    c = Corpus(corpus)
    docs = prepare_docs(c, findings_list(findings, "sanitize_texts"), config, tokenizer, model, key)
    out: list[str] = []
    for texts in c.batches():
        for text in texts:
            doc = docs.get(len(out))
            out.append(doc.sanitized if doc is not None else text)
    return out
