"""Frozen dataclasses that cross stage boundaries: corpus -> findings -> pairs -> update -> report.

None of these types holds secret plaintext in a field that is shown: a :class:`Finding` carries a
span, a keyed fingerprint and a masked preview; :class:`Pairs` holds token ids (which do encode
secrets) but its ``repr``/``str`` only show counts and shapes.

This module imports neither torch nor transformers so that ``sanitize scan`` starts fast.
"""

from __future__ import annotations

import dataclasses
import json
import os
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
        # spelled out: dataclasses.asdict deep-copies field by field, a measurable cost per finding
        return {
            "doc": self.doc, "start": self.start, "end": self.end, "type": self.type,
            "detector": self.detector, "confidence": self.confidence,
            "fingerprint": self.fingerprint, "preview": self.preview,
        }  # fmt: skip

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

    def save(self, path: str | os.PathLike[str], *, allow_secrets: bool = False) -> None:
        """Write the pairs to a JSON file (mode 0600, atomic). The token ids decode to the secrets,
        so this refuses unless ``allow_secrets=True``; prefer rebuilding pairs from findings."""
        if not allow_secrets:
            raise SanitizeError(
                f"{os.fspath(path)}: refusing to save pairs: their token ids decode to the secrets; "
                "pass allow_secrets=True to write them anyway (keep the file private)"
            )
        data = {
            "format": _PAIRS_FORMAT,
            "unseen": list(self.unseen),
            "pairs": [
                {"doc": p.doc, "block": p.block, "findings": list(p.findings),
                 "original": _seq_dict(p.original), "sanitized": _seq_dict(p.sanitized)}
                for p in self.pairs
            ],
        }  # fmt: skip
        path = os.fspath(path)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Pairs:
        """Read a file written by :meth:`save`; errors name the file and the field."""
        where = os.fspath(path)
        try:
            with open(where, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise SanitizeError(f"{where}: cannot read pairs: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != _PAIRS_FORMAT:
            raise SanitizeError(f"{where}: not a pairs file (expected format {_PAIRS_FORMAT!r})")
        try:
            pairs = tuple(
                Pair(_seq_from(p["original"]), _seq_from(p["sanitized"]), int(p["doc"]),
                     tuple(int(i) for i in p["findings"]), None if p["block"] is None else int(p["block"]))
                for p in data["pairs"]
            )  # fmt: skip
            return cls(pairs, tuple(int(i) for i in data["unseen"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise SanitizeError(f"{where}: malformed pairs file: {type(exc).__name__}: {exc}") from None


_PAIRS_FORMAT = "sanitize.pairs/1"


def _seq_dict(seq: TokenSequence) -> dict[str, list[int]]:
    return {"input_ids": list(seq.input_ids), "attention_mask": list(seq.attention_mask),
            "loss_mask": list(seq.loss_mask)}  # fmt: skip


def _seq_from(data: dict[str, list[int]]) -> TokenSequence:
    return TokenSequence(
        *(tuple(int(t) for t in data[k]) for k in ("input_ids", "attention_mask", "loss_mask"))
    )


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
