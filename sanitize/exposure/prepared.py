"""Exposure of many findings, each in its training context, on several models: every candidate set is
built and tokenised once and then scored by each model (what verification and the closed loop do).

For each finding the candidates are the secret and every other member of its space
(:func:`~sanitize.exposure.space_for`) when the space has at most ``budget`` members (the exact rank),
else ``budget`` uniform draws without the secret (the rank estimated from them, with a Clopper-Pearson
interval: :func:`~sanitize.exposure.rank.sampled_rank_exposure`). Without a budget, what
:func:`~sanitize.exposure.exposure` does with ``method="auto"``: exact up to ``exact_budget``, else the
skew-normal extrapolated from ``sample_size`` draws. One secret's candidates are drawn
once, so records where it follows the same words share their tokenised tails
(:func:`~sanitize.exposure.scoring.tokenize_candidates`).

    >>> prepared = prepare_exposures(tokenizer, texts, findings, budget=2048)   # doctest: +SKIP
    >>> before = score_exposures(model, prepared); after = score_exposures(new_model, prepared)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from ..errors import SanitizeError
from ..fingerprint import fingerprint_secret, mask_secret
from ..types import ExposureResult, Finding
from .config import ExposureConfig
from .rank import rank_by_method
from .scoring import Tokenized, score_tokenized, tokenize_candidates
from .spaces import space_for

log = logging.getLogger(__name__)


@dataclasses.dataclass(repr=False)
class PreparedExposure:
    """One finding's candidates (the secret first), tokenised after its training context."""

    finding: int  # index into the findings given to prepare_exposures
    doc: int
    tokens: Tokenized  # N = 1 + number of references
    method: str  # "exact" (every other member of the space), "sampled" or "extrapolated" (uniform draws)
    space_size: int
    space: str  # the space's label (never its literals)
    preview: str
    fingerprint: str

    @property
    def n_references(self) -> int:
        return self.space_size - 1

    def __repr__(self) -> str:  # the tokens decode to the secret
        return f"PreparedExposure(finding={self.finding}, method={self.method!r}, space={self.space!r})"


def prepare_exposures(
    tokenizer: Any, texts: Sequence[str], findings: Sequence[Finding], config: ExposureConfig | None = None,
    budget: int | None = None,
) -> list[PreparedExposure | None]:  # fmt: skip
    """Per finding, its candidates tokenised after the whole record text before it (None, with a
    logged warning, when that cannot be built). ``budget``: candidates per finding, the exact space
    when it fits, else that many uniform draws and the sampled rank; None = exact up to
    ``config.exact_budget``, else ``config.sample_size`` draws and the skew-normal extrapolation."""
    config = config or ExposureConfig()
    exact_limit = config.exact_budget if budget is None else budget
    draws = config.sample_size if budget is None else budget
    large = "extrapolated" if budget is None else "sampled"
    candidates: dict[tuple[str, str], tuple[list[str], str, dict[str, Tokenized]]] = {}
    out: list[PreparedExposure | None] = []
    for i, f in enumerate(findings):
        text = texts[f.doc] if 0 <= f.doc < len(texts) else None
        if not isinstance(text, str) or not 0 <= f.start < f.end <= len(text):
            raise SanitizeError(f"finding {i} (doc {f.doc}, {f.start}:{f.end}) is outside the corpus")
        secret = text[f.start : f.end]
        try:
            space = space_for(secret, f.type)
            key = (space.spec, secret)
            if key not in candidates:
                if space.size - 1 <= exact_limit:
                    refs, method = [c for c in space if c != secret], "exact"
                else:
                    refs, method = space.sample(draws, seed=config.seed, exclude=secret), large
                candidates[key] = ([secret, *refs], method, {})
            cands, method, tails = candidates[key]
            tokens = tokenize_candidates(
                tokenizer, text[: f.start], cands, exact=config.exact_tokenization, tail_cache=tails
            )
        except SanitizeError as exc:
            log.warning("finding %d (doc %d): no training exposure: %s", i, f.doc, exc)
            out.append(None)
            continue
        fingerprint = fingerprint_secret(secret, config.fingerprint_key)
        prep = PreparedExposure(
            i, f.doc, tokens, method, space.size, space.label, mask_secret(secret), fingerprint
        )
        out.append(prep)
    return out


def score_exposures(
    model: Any, prepared: Sequence[PreparedExposure | None], config: ExposureConfig | None = None
) -> list[ExposureResult | None]:
    """The exposure of each prepared finding under ``model`` (``context_kind="training"``)."""
    config = config or ExposureConfig()
    out: list[ExposureResult | None] = []
    for p in prepared:
        if p is None:
            out.append(None)
            continue
        try:
            scores = score_tokenized(model, p.tokens, batch_size=config.batch_size)  # (N,) NLL, secret first
        except SanitizeError as exc:  # e.g. a context longer than the model's positions
            log.warning("finding %d (doc %d): no training exposure: %s", p.finding, p.doc, exc)
            out.append(None)
            continue
        secret_score, refs = float(scores[0]), scores[1:]
        value, rank, interval = rank_by_method(p.method, secret_score, refs, p.n_references, config)
        sample_size = None if p.method == "exact" else len(refs)
        result = ExposureResult(
            exposure=value, rank=rank, space_size=p.space_size, method=p.method, score=secret_score,
            preview=p.preview, fingerprint=p.fingerprint, context_kind="training", space=p.space,
            sample_size=sample_size, interval=interval, n_references=p.n_references, doc=p.doc,
            finding=p.finding, reference_scores=refs,
        )  # fmt: skip
        out.append(result)
    return out


__all__ = ["PreparedExposure", "prepare_exposures", "score_exposures"]
