"""Verification: exposure (in training context), greedy extraction and held-out perplexity of any
set of models, measured the same way (``before`` / ``after`` / ``reference``, or a recipe's methods)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..report import SecretRow
from ..types import ExposureResult, Finding

if TYPE_CHECKING:
    import datasets

    from ..exposure.config import ExposureConfig
    from ..types import TokenSequence


def pick_for_verification(findings: Sequence[Finding], limit: int) -> list[int]:
    """Indices of findings to verify: one per distinct secret first, then the rest, at most ``limit``."""
    seen: set[str] = set()
    first, rest = [], []
    for i, f in enumerate(findings):
        (rest if f.fingerprint in seen else first).append(i)
        seen.add(f.fingerprint)
    chosen = first + rest
    return sorted(chosen[:limit] if limit else chosen)


def verify(
    models: dict[str, Any],
    tokenizer: Any,
    corpus: list[str] | datasets.Dataset,
    findings: Sequence[Finding],
    heldout: Sequence[TokenSequence],
    *,
    exposure_config: ExposureConfig | None = None,
    max_secrets: int = 50,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[SecretRow], dict[str, float | None]]:
    """Exposure (in training context) and greedy extraction per finding, and held-out perplexity,
    for each named model (``before`` / ``after`` / ``reference``)."""
    from ..exposure.memorization import greedy_extraction, heldout_perplexity

    texts = corpus if isinstance(corpus, list) else list(corpus["text"])
    chosen = [findings[i] for i in pick_for_verification(findings, max_secrets)]
    rows = [
        SecretRow(
            doc=f.doc, start=f.start, end=f.end, type=f.type, preview=f.preview, fingerprint=f.fingerprint
        )
        for f in chosen
    ]
    perplexity: dict[str, float | None] = {"before": None, "after": None, "reference": None}
    for name, model in models.items():
        for row, res in zip(rows, training_exposures(model, tokenizer, texts, chosen, exposure_config)):
            if res is None:
                continue
            setattr(row, f"exposure_{name}", float(res.exposure))
            row.max_exposure = math.log2(res.space_size) if res.space_size else None
            row.space = res.space
        for row, f in zip(rows, chosen):
            text = texts[f.doc]
            ex = greedy_extraction(model, tokenizer, text[: f.start], text[f.start : f.end])
            setattr(row, f"extracted_{name}", bool(ex.exact))
        if heldout:
            perplexity[name] = float(heldout_perplexity(model, tokenizer, heldout))
        if progress:
            progress(1)
    return rows, perplexity


def training_exposures(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    findings: Sequence[Finding],
    config: ExposureConfig | None,
) -> list[ExposureResult | None]:
    """Per finding, its exposure in the real training context (the bare-prefix one if that is all)."""
    from ..exposure import findings_exposure

    best: dict[int | None, ExposureResult] = {}
    for r in findings_exposure(model, tokenizer, texts, findings, config=config):
        if r.finding not in best or r.context_kind == "training":
            best[r.finding] = r
    return [best.get(i) for i in range(len(findings))]


def exposure_monitor(
    tokenizer: Any,
    texts: list[str],
    findings: Sequence[Finding],
    exposure_config: ExposureConfig,
    limit: int,
) -> Callable[[Any], float]:
    """``monitor(model) -> max exposure`` (bits, training context) over the findings, for the closed loop."""
    chosen = [findings[i] for i in pick_for_verification(findings, limit)]

    def monitor(model: Any) -> float:
        results = training_exposures(model, tokenizer, texts, chosen, exposure_config)
        return max(float(r.exposure) for r in results if r is not None)

    return monitor
