"""Frozen dataclasses that cross stage boundaries: corpus -> findings -> pairs -> update -> report.

None of these types holds secret plaintext in a field that is shown: a :class:`Finding` carries a
span, a keyed fingerprint and a masked preview; :class:`Pairs` holds token ids (which do encode
secrets) but its ``repr``/``str`` only show counts and shapes.

This module imports neither torch nor transformers so that ``sanitize scan`` starts fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from .errors import SanitizeError

FINDING_REQUIRED_KEYS = ("doc", "start", "end", "type")


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    """One occurrence of a secret in a corpus document.

    ``start``/``end`` are character offsets into the document's text (end exclusive). The plaintext
    is never stored: ``fingerprint`` is a keyed hash of it and ``preview`` a masked rendering.
    Only ``doc``, ``start``, ``end`` and ``type`` are required, so findings can be written by hand.
    """

    doc: int
    start: int
    end: int
    type: str
    detector: str = ""
    confidence: float = 1.0
    fingerprint: str = ""
    preview: str = ""

    def __post_init__(self) -> None:
        for name in ("doc", "start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SanitizeError(f"finding field '{name}' must be a non-negative integer, got {value!r}")
        if self.end <= self.start:
            raise SanitizeError(f"finding span is empty or reversed: start={self.start}, end={self.end}")
        if not isinstance(self.type, str) or not self.type:
            raise SanitizeError(f"finding field 'type' must be a non-empty string, got {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "finding") -> Finding:
        """Build from a mapping; ``where`` (e.g. ``findings.jsonl:12``) prefixes error messages."""
        if not isinstance(data, dict):
            raise SanitizeError(f"{where}: expected a JSON object, got {type(data).__name__}")
        missing = [k for k in FINDING_REQUIRED_KEYS if k not in data]
        if missing:
            raise SanitizeError(f"{where}: missing required field(s) {', '.join(missing)}")
        names = {f.name for f in dataclasses.fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in names})
        except SanitizeError as exc:
            raise SanitizeError(f"{where}: {exc}") from None
        except TypeError as exc:
            raise SanitizeError(f"{where}: {exc}") from None


@dataclasses.dataclass(frozen=True)
class TokenSequence:
    """One training sequence exactly as the model saw it.

    ``loss_mask[t] == 1`` when token ``t`` is a prediction target (predicted from tokens ``< t``),
    the same convention as Hugging Face ``labels`` with ``-100`` for ignored positions.
    """

    input_ids: tuple[int, ...]
    attention_mask: tuple[int, ...]
    loss_mask: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.input_ids)
        if len(self.attention_mask) != n or len(self.loss_mask) != n:
            raise SanitizeError(
                f"TokenSequence fields differ in length: input_ids={n}, "
                f"attention_mask={len(self.attention_mask)}, loss_mask={len(self.loss_mask)}"
            )

    def __len__(self) -> int:
        return len(self.input_ids)

    def __repr__(self) -> str:  # never show ids: they decode to the secret
        return f"TokenSequence(len={len(self)}, targets={sum(self.loss_mask)})"

    @property
    def labels(self) -> list[int]:
        """Hugging Face style labels: the token id where it is a target, ``-100`` elsewhere."""
        return [t if m else -100 for t, m in zip(self.input_ids, self.loss_mask)]


@dataclasses.dataclass(frozen=True)
class Pair:
    """A training sequence z that contained secrets and its sanitized twin z̃."""

    original: TokenSequence
    sanitized: TokenSequence
    doc: int
    findings: tuple[int, ...] = ()  # indices into the findings list the pairs were built from
    block: int | None = None  # block index in packed mode, None in per-record mode

    def __repr__(self) -> str:
        return (
            f"Pair(doc={self.doc}, block={self.block}, findings={len(self.findings)}, "
            f"original={self.original!r}, sanitized={self.sanitized!r})"
        )


@dataclasses.dataclass(frozen=True)
class Pairs:
    """The (z, z̃) pairs for an update. Holds secrets in memory only; see ``sanitize.pairs``."""

    pairs: tuple[Pair, ...]
    unseen: tuple[int, ...] = ()  # findings that fall outside what training saw (no pair built)

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[Pair]:
        return iter(self.pairs)

    def __getitem__(self, index: int) -> Pair:
        return self.pairs[index]

    def __repr__(self) -> str:
        longest = max((max(len(p.original), len(p.sanitized)) for p in self.pairs), default=0)
        return f"Pairs(n={len(self)}, max_len={longest}, unseen_findings={len(self.unseen)})"

    __str__ = __repr__


@dataclasses.dataclass(frozen=True)
class ExposureResult:
    """The exposure of one secret (Carlini et al., "The Secret Sharer", USENIX Security 2019).

    ``exposure = log2(n) - log2(rank)`` (exact; ``n`` reference candidates = the space without the
    secret, ``rank = 1 + #{references scoring <= the secret}``, ties count against it, as in
    tensorflow_privacy) or ``-log2 CDF(score)`` under a skew-normal fitted to a sample (extrapolated;
    then ``rank`` is the estimate ``1 + n * CDF`` and ``interval`` a bootstrap interval).
    ``score`` is the secret's summed NLL in nats. ``preview`` is masked; the plaintext is never held.
    """

    exposure: float
    rank: float
    space_size: int
    method: str  # "exact" | "extrapolated"
    score: float
    preview: str
    fingerprint: str
    context_kind: str = "prefix"  # "prefix" | "context" (given) | "training" (its real training record)
    space: str = ""
    sample_size: int | None = None
    interval: tuple[float, float] | None = None
    n_references: int = 0
    doc: int | None = None
    finding: int | None = None  # index into the findings list (findings_exposure)
    # reference candidates' scores (for plots); not shown, not compared, not serialised
    reference_scores: Any = dataclasses.field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "reference_scores"
        }
        if self.interval is not None:
            out["interval"] = list(self.interval)
        return out
