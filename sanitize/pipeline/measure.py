"""Verification: exposure (in training context), greedy extraction and held-out perplexity of any
set of models, measured the same way (``before`` / ``after`` / ``reference``, or a recipe's methods)."""

from __future__ import annotations

import dataclasses
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
    # one measurement per (secret, context): the same secret in the same record text is the same
    # question, however many times the corpus repeats it
    slot, unique = dedupe_findings(texts, chosen)
    perplexity: dict[str, float | None] = {"before": None, "after": None, "reference": None}
    for name, model in models.items():
        results = training_exposures(model, tokenizer, texts, unique, exposure_config, dedupe=False)
        extracted = []
        for f in unique:
            text = texts[f.doc]
            extracted.append(
                greedy_extraction(model, tokenizer, text[: f.start], text[f.start : f.end]).exact
            )
        for row, k in zip(rows, slot):
            setattr(row, f"extracted_{name}", bool(extracted[k]))
            res = results[k]
            if res is None:
                continue
            setattr(row, f"exposure_{name}", float(res.exposure))
            row.max_exposure = math.log2(res.space_size) if res.space_size else None
            row.space = res.space
        if heldout:
            perplexity[name] = float(heldout_perplexity(model, tokenizer, heldout))
        if progress:
            progress(1)
    return rows, perplexity


def dedupe_findings(texts: list[str], findings: Sequence[Finding]) -> tuple[list[int], list[Finding]]:
    """``(slot, unique)``: the distinct findings by (secret, type, context), and for each finding the
    index of its representative in ``unique``. The secret is its fingerprint, else (hand-written
    findings without one) its text, held in memory only; the context is the record text before it,
    what :func:`sanitize.exposure.findings_exposure` scores the secret after."""
    index: dict[tuple[str, str, str], int] = {}
    slot: list[int] = []
    unique: list[Finding] = []
    for f in findings:
        text = texts[f.doc] if 0 <= f.doc < len(texts) else ""
        key = (f.fingerprint or text[f.start : f.end], f.type, text[: f.start])
        if key not in index:
            index[key] = len(unique)
            unique.append(f)
        slot.append(index[key])
    return slot, unique


def training_exposures(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    findings: Sequence[Finding],
    config: ExposureConfig | None,
    *,
    dedupe: bool = True,
) -> list[ExposureResult | None]:
    """Per finding, its exposure in the real training context (the bare-prefix one if that is all);
    each distinct (secret, context) is measured once (``dedupe``) and shared by its duplicates."""
    from ..exposure import findings_exposure

    slot, unique = dedupe_findings(texts, findings) if dedupe else (list(range(len(findings))), findings)
    best: dict[int | None, ExposureResult] = {}
    for r in findings_exposure(model, tokenizer, texts, unique, config=config):
        if r.finding not in best or r.context_kind == "training":
            best[r.finding] = r
    out: list[ExposureResult | None] = []
    for i, (f, k) in enumerate(zip(findings, slot)):
        r = best.get(k)
        out.append(r if r is None or r.finding == i else dataclasses.replace(r, doc=f.doc, finding=i))
    return out


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
