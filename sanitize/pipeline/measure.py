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


def pick_for_verification(findings: Sequence[Finding], limit: int, per_secret: int = 0) -> list[int]:
    """Indices of findings to verify, in corpus order: each distinct secret's first occurrence, then its
    second, ..., at most ``per_secret`` occurrences of a secret (0 = all) and ``limit`` findings (0 = all)."""
    rank: dict[str, int] = {}
    order = []  # (occurrence of its secret, index)
    for i, f in enumerate(findings):
        key = f.fingerprint or f"#{i}"  # hand-written findings without a fingerprint: each its own secret
        k = rank[key] = rank.get(key, -1) + 1
        if not per_secret or k < per_secret:
            order.append((k, i))
    chosen = [i for _, i in sorted(order)]
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
    budget: int | None = None,
    progress: Callable[[int], None] | None = None,
    per_secret: int = 0,
) -> tuple[list[SecretRow], dict[str, float | None]]:
    """Exposure (in training context) and greedy extraction per finding, and held-out perplexity,
    for each named model (``before`` / ``after`` / ``reference``), over at most ``max_secrets`` findings
    with at most ``per_secret`` contexts per distinct secret (0 = all; :func:`pick_for_verification`).

    Each distinct (secret, context) is measured once per model, its candidates drawn and tokenised
    once for all models. ``budget``: candidates per exposure, the exact space when it fits, else that
    many uniform draws and the sampled rank with its interval; None = as ``exposure_config`` says
    (exact up to ``exact_budget``, else the skew-normal extrapolation;
    :func:`sanitize.exposure.prepared.prepare_exposures`)."""
    from ..exposure.memorization import greedy_extractions, heldout_perplexity
    from ..exposure.prepared import prepare_exposures, score_exposures

    texts = corpus if isinstance(corpus, list) else list(corpus["text"])
    chosen = [findings[i] for i in pick_for_verification(findings, max_secrets, per_secret)]
    rows = [
        SecretRow(
            doc=f.doc, start=f.start, end=f.end, type=f.type, preview=f.preview, fingerprint=f.fingerprint
        )
        for f in chosen
    ]
    # one measurement per (secret, context): the same secret in the same record text is the same
    # question, however many times the corpus repeats it
    slot, unique = dedupe_findings(texts, chosen)
    prepared = prepare_exposures(tokenizer, texts, unique, exposure_config, budget)
    prompts = [(texts[f.doc][: f.start], texts[f.doc][f.start : f.end]) for f in unique]  # (context, secret)
    perplexity: dict[str, float | None] = {"before": None, "after": None, "reference": None}
    for name, model in models.items():
        results = score_exposures(model, prepared, exposure_config)
        extracted = [e.exact for e in greedy_extractions(model, tokenizer, prompts)]
        for row, k in zip(rows, slot):
            setattr(row, f"extracted_{name}", bool(extracted[k]))
            res = results[k]
            if res is None:
                continue
            setattr(row, f"exposure_{name}", float(res.exposure))
            if res.interval is not None:
                setattr(row, f"interval_{name}", [float(v) for v in res.interval])
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
    budget: int | None = None,
) -> list[ExposureResult | None]:
    """Per finding, its exposure in its real training context (the whole record text before it);
    each distinct (secret, context) is measured once (``dedupe``) and shared by its duplicates.
    ``budget`` as in :func:`verify`."""
    from ..exposure.prepared import prepare_exposures, score_exposures

    slot, unique = dedupe_findings(texts, findings) if dedupe else (list(range(len(findings))), findings)
    results = score_exposures(model, prepare_exposures(tokenizer, texts, unique, config, budget), config)
    return _spread(results, findings, slot)


def _spread(
    results: Sequence[ExposureResult | None], findings: Sequence[Finding], slot: Sequence[int]
) -> list[ExposureResult | None]:
    """Each finding gets its representative's result, with its own ``doc`` and index."""
    out: list[ExposureResult | None] = []
    for i, (f, k) in enumerate(zip(findings, slot)):
        r = results[k]
        out.append(r if r is None or r.finding == i else dataclasses.replace(r, doc=f.doc, finding=i))
    return out


def exposure_monitor(
    tokenizer: Any,
    texts: list[str],
    findings: Sequence[Finding],
    exposure_config: ExposureConfig,
    limit: int,
    budget: int | None = None,
    per_secret: int = 0,
) -> Callable[[Any], float]:
    """``monitor(model) -> max exposure`` (bits, training context) over the findings, for the closed
    loop; the candidates are drawn and tokenised once, on the first call, and scored at every call."""
    from ..exposure.prepared import PreparedExposure, prepare_exposures, score_exposures

    chosen = [findings[i] for i in pick_for_verification(findings, limit, per_secret)]
    _, unique = dedupe_findings(texts, chosen)
    prepared: list[PreparedExposure | None] = []

    def monitor(model: Any) -> float:
        if not prepared:
            prepared.extend(prepare_exposures(tokenizer, texts, unique, exposure_config, budget))
        results = score_exposures(model, prepared, exposure_config)
        return max(float(r.exposure) for r in results if r is not None)

    return monitor
