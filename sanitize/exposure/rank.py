"""Exposure from scores: exact rank among the candidate space, or skew-normal extrapolation.

Conventions are tensorflow_privacy's (``privacy_tests/secret_sharer/exposures.py``):

* interpolation: with ``n`` reference scores and the secret's score ``s``,
  ``rank = 1 + #{r : r <= s}`` (ties count against the secret) and
  ``exposure = log2(n) - log2(rank)``: at most ``log2 n`` (secret strictly best) and
  ``log2(n) - log2(n + 1) < 0`` when the secret is no better than every reference;
* extrapolation: fit ``skewnorm`` to the reference scores and ``exposure = -log2 CDF(s)``, here
  through :func:`skewnorm_logcdf`, which stays finite far in the left tail where ``scipy``'s
  ``skewnorm.logcdf`` returns ``-inf``.

The reference candidates are the space R without the secret (the secret's own score is not a
reference), so ``n = |R| - 1`` when the secret belongs to R.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SanitizeError
from ..fingerprint import fingerprint_secret, mask_secret
from ..types import ExposureResult, Finding
from .config import ExposureConfig
from .scoring import score_candidates
from .spaces import CandidateSpace, parse_space, space_for

LN2 = math.log(2.0)


def rank_exposure(secret_score: float, reference_scores: np.ndarray | Sequence[float]) -> tuple[float, int]:
    """``(exposure, rank)`` of a score among references (lower score = more likely; ties count against)."""
    ref = np.asarray(reference_scores, dtype=np.float64)  # (n,)
    if ref.size == 0:
        raise SanitizeError("exposure needs at least one reference candidate besides the secret")
    rank = 1 + int(np.count_nonzero(ref <= secret_score))
    return math.log2(ref.size) - math.log2(rank), rank


def clopper_pearson(k: int, m: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval of a binomial proportion: ``k`` hits in ``m`` draws."""
    from scipy import special

    if not 0 <= k <= m or m < 1:
        raise ValueError(f"need 0 <= k <= m and m >= 1, got k={k}, m={m}")
    tail = (1.0 - confidence) / 2  # beta quantiles (scipy.stats.beta.ppf, without its overhead)
    lo = 0.0 if k == 0 else float(special.betaincinv(k, m - k + 1, tail))
    hi = 1.0 if k == m else float(special.betaincinv(k + 1, m - k, 1.0 - tail))
    return lo, hi


def sampled_rank_exposure(
    secret_score: float, sample_scores: np.ndarray | Sequence[float], n_references: int,
    confidence: float = 0.95,
) -> tuple[float, float, tuple[float, float]]:  # fmt: skip
    """``(exposure, rank, interval)`` from ``m`` references drawn uniformly (without replacement)
    among all ``n`` of them.

    With ``K = #{references <= s}`` the exact rank is ``1 + K``; the ``k`` hits among the ``m`` draws
    estimate ``p = K / n``: ``rank = 1 + n k / m`` (unbiased for the exact rank) and the interval is the
    Clopper-Pearson interval of ``p`` mapped through ``exposure(p) = log2 n - log2(1 + n p)``
    (conservative for draws without replacement). ``k = 0`` (the secret beat every draw): the skew-normal
    extrapolation fitted to the draws, never below the interval's lower end (what the sample vouches for)
    nor above ``log2 n``. ``m >= n`` is the exact rank.
    """
    ref = np.asarray(sample_scores, dtype=np.float64)  # (m,)
    m, n = int(ref.size), int(n_references)
    if m == 0 or n < 1:
        raise SanitizeError("a sampled exposure needs at least one reference candidate")
    if m >= n:
        value, rank = rank_exposure(secret_score, ref)
        return value, float(rank), (value, value)
    k = int(np.count_nonzero(ref <= secret_score))
    lo, hi = clopper_pearson(k, m, confidence)

    def bits(p: float) -> float:
        return math.log2(n) - math.log2(1.0 + n * p)

    interval = (bits(hi), bits(lo))
    if k == 0:  # the secret beats every draw: the sample vouches for the lower end only; the skew-normal
        # tail fitted to the draws says how far beyond it lies (else every strongly memorised secret reads
        # the same ~log2 m bits before and after an update)
        tail = extrapolated_exposure(secret_score, fit_skewnorm(ref))
        value = min(max(tail, interval[0]), math.log2(n))
        return value, 1.0 + n * 2.0 ** (-value), interval
    return bits(k / m), 1.0 + n * k / m, interval


def extrapolated_with_interval(
    secret_score: float, refs: np.ndarray, n_references: int, config: ExposureConfig
) -> tuple[float, float, tuple[float, float] | None]:
    """``(exposure, rank, bootstrap interval or None)`` from the skew-normal fitted to drawn references (m,)."""
    params = fit_skewnorm(refs)
    value = extrapolated_exposure(secret_score, params)
    interval = None
    if config.bootstrap:
        interval = bootstrap_interval(
            secret_score, refs, params, resamples=config.bootstrap, confidence=config.confidence,
            seed=config.seed,
        )  # fmt: skip
    return value, 1.0 + n_references * 2.0 ** (-value), interval


def rank_by_method(
    method: str, secret_score: float, refs: np.ndarray, n_references: int, config: ExposureConfig
) -> tuple[float, float, tuple[float, float] | None]:
    """``(exposure, rank, interval or None)`` of a scored secret among its scored references (m,):
    ``exact`` (every other member), ``sampled`` (uniform draws, Clopper-Pearson) or ``extrapolated``
    (skew-normal, bootstrap) -- the one dispatch of :func:`exposure` and the prepared verification path."""
    if method == "exact":
        value, rank = rank_exposure(secret_score, refs)
        return value, rank, None
    if method == "sampled":
        return sampled_rank_exposure(secret_score, refs, n_references, config.confidence)
    return extrapolated_with_interval(secret_score, refs, n_references, config)


def skewnorm_logcdf(x: float, a: float, loc: float = 0.0, scale: float = 1.0) -> float:
    """``log CDF`` of the skew-normal, finite however far ``x`` lies in the left tail.

    In the bulk this is ``log(scipy.stats.skewnorm.cdf)``. In the left tail (CDF < 1e-10) the CDF
    ``F(z) = integral_{-inf}^{z} exp(f(t)) dt`` with ``f(t) = log 2 + log phi(t) + log Phi(a t)`` is
    computed as ``f(z) - log s + log integral_0^inf exp(f(z - u/s) - f(z)) du`` with ``s = f'(z) > 0``
    (the scaled integrand is ~exp(-u)), so nothing underflows.
    """
    from scipy import stats

    if scale <= 0:
        raise ValueError("scale must be positive")
    z = (x - loc) / scale
    cdf = float(stats.skewnorm.cdf(z, a))
    if cdf > 1e-10:
        return math.log(cdf)
    tail = _tail_logcdf(z, a)
    if tail is None:  # not in the left tail after all (cdf tiny only through rounding)
        return math.log(cdf) if cdf > 0 else -math.inf
    return tail


def _tail_logcdf(z: float, a: float) -> float | None:
    """Standardised skew-normal log CDF by the scaled tail integral; None where f'(z) <= 0."""
    import warnings

    from scipy import integrate, special

    def f(t: float) -> float:  # log density
        return math.log(2.0) + float(special.log_ndtr(a * t)) - 0.5 * t * t - 0.5 * math.log(2 * math.pi)

    mills = math.exp(-0.5 * (a * z) ** 2 - 0.5 * math.log(2 * math.pi) - float(special.log_ndtr(a * z)))
    slope = -z + a * mills  # f'(z)
    if not slope > 0:
        return None
    fz = f(z)
    with warnings.catch_warnings():  # far out the integrand is exp(-u) to rounding; quad says so
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        integral, _ = integrate.quad(lambda u: math.exp(f(z - u / slope) - fz), 0.0, math.inf, limit=200)
    return fz - math.log(slope) + math.log(integral)


def fit_skewnorm(
    scores: np.ndarray, start: tuple[float, float, float] | None = None
) -> tuple[float, float, float]:
    """Maximum-likelihood ``(a, loc, scale)`` as ``scipy.stats.skewnorm.fit`` (tensorflow_privacy's fit)."""
    from scipy import stats

    if start is None:
        return tuple(float(v) for v in stats.skewnorm.fit(scores))  # type: ignore[return-value]
    a, loc, scale = start
    return tuple(float(v) for v in stats.skewnorm.fit(scores, a, loc=loc, scale=scale))  # type: ignore[return-value]


def extrapolated_exposure(secret_score: float, params: tuple[float, float, float]) -> float:
    """``-log2 CDF(secret_score)`` under the fitted skew-normal ``(a, loc, scale)``."""
    return -skewnorm_logcdf(secret_score, *params) / LN2


def bootstrap_interval(
    secret_score: float, scores: np.ndarray, params: tuple[float, float, float], *, resamples: int,
    confidence: float, seed: int,
) -> tuple[float, float]:  # fmt: skip
    """Percentile bootstrap interval of the extrapolated exposure (refit on each resample)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        boot = scores[rng.integers(0, len(scores), len(scores))]  # (n,) resample with replacement
        values.append(extrapolated_exposure(secret_score, fit_skewnorm(boot, params)))
    lo, hi = np.quantile(values, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)


_METHODS = ("auto", "exact", "extrapolated", "extrapolate", "sampled")


def _check_model(model: Any, tokenizer: Any) -> None:
    """The public functions' boundary: a clear error instead of a deep AttributeError."""
    if model is None or not callable(getattr(model, "parameters", None)) or not callable(model):
        raise SanitizeError(
            f"model must be a loaded causal LM (e.g. from sanitize.models.load_model), got {_kind(model)}"
        )
    if tokenizer is None or not callable(tokenizer):
        raise SanitizeError(f"tokenizer must be a loaded tokenizer, got {_kind(tokenizer)}")


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def check_text_args(model: Any, tokenizer: Any, optional: tuple[str, ...] = (), **strings: Any) -> None:
    """Public-boundary checks: a model, a tokenizer, and strings (those named in ``optional`` may be
    None; ``secret`` must not be empty)."""
    _check_model(model, tokenizer)
    for name, value in strings.items():
        if value is None and name in optional:
            continue
        if not isinstance(value, str):
            raise SanitizeError(f"{name} must be a string, got {_kind(value)}")
    if "secret" in strings and not strings["secret"]:
        raise SanitizeError("secret is empty")


def _check_call(model: Any, tokenizer: Any, config: Any, method: Any, **strings: Any) -> ExposureConfig:
    check_text_args(model, tokenizer, ("context",), **strings)
    if config is not None and not isinstance(config, ExposureConfig):
        raise SanitizeError(f"config must be an ExposureConfig or None, got {_kind(config)}")
    if method not in _METHODS:
        raise SanitizeError(f"method must be 'auto', 'exact', 'extrapolated' or 'sampled', got {method!r}")
    return config or ExposureConfig()


def exposure(
    model: Any, tokenizer: Any, secret: str, space: str | CandidateSpace | Sequence[str], prefix: str = "",
    context: str | None = None, method: str = "auto", config: ExposureConfig | None = None,
) -> ExposureResult:  # fmt: skip
    """Exposure of ``secret`` among the candidates of ``space``, each scored as the text
    ``context + prefix + candidate`` (summed NLL of the candidate's tokens given everything before).

    ``method``: ``"exact"`` enumerates the whole space (trie + KV cache), ``"extrapolated"`` fits a
    skew-normal to ``config.sample_size`` random candidates, ``"sampled"`` estimates the rank among
    them (:func:`sampled_rank_exposure`, Clopper-Pearson interval), ``"auto"`` picks exact when
    ``|R| <= config.exact_budget``; ``"exact"`` on a larger space is refused. The secret must be a
    member of the space. Invalid arguments raise :class:`SanitizeError` naming the argument.
    """
    config = _check_call(model, tokenizer, config, method, secret=secret, prefix=prefix, context=context)
    if method == "extrapolate":
        method = "extrapolated"
    space = parse_space(space)
    size = space.size
    inside = secret in space
    if not inside:  # ranked among strings it could not have been, its exposure means nothing
        raise SanitizeError(
            f"the secret ({mask_secret(secret)}, {len(secret)} characters) is not in the candidate space "
            f"{space.label}; give a space that contains it"
        )
    if method == "auto":
        method = "exact" if size <= config.exact_budget else "extrapolated"
    if method == "exact" and size > config.exact_budget:  # checked before a single candidate is built
        raise SanitizeError(
            f"space {space.label} has {size:.3g} candidates, more than the exact-enumeration budget "
            f"{config.exact_budget} (--budget / ExposureConfig.exact_budget); use method 'extrapolated' "
            "or 'auto', or raise the budget"
        )
    head = (context or "") + prefix
    inside = secret in space
    if method == "exact":
        refs = [c for c in space if c != secret]
    else:
        refs = space.sample(min(config.sample_size, size - int(inside)), seed=config.seed, exclude=secret)
    scores = score_candidates(
        model, tokenizer, head, [secret, *refs], batch_size=config.batch_size,
        exact_tokenization=config.exact_tokenization,
    )  # fmt: skip
    secret_score, ref_scores = float(scores[0]), scores[1:]
    n_ref = size - int(inside)
    common = dict(
        space_size=size, score=secret_score, preview=mask_secret(secret),
        fingerprint=fingerprint_secret(secret, config.fingerprint_key),
        context_kind="context" if context else "prefix", space=space.label, n_references=n_ref,
        reference_scores=ref_scores,
    )  # fmt: skip
    value, rank, interval = rank_by_method(method, secret_score, ref_scores, n_ref, config)
    sample_size = None if method == "exact" else len(refs)
    return ExposureResult(
        exposure=value, rank=rank, method=method, sample_size=sample_size, interval=interval, **common
    )  # type: ignore[arg-type]


def _texts_by_doc(corpus: Any) -> dict[int, str]:
    if isinstance(corpus, (list, tuple)):
        return dict(enumerate(corpus))
    if hasattr(corpus, "column_names"):  # datasets.Dataset
        texts = corpus["text"]
        docs = corpus["doc"] if "doc" in corpus.column_names else range(len(texts))
        return {int(d): t for d, t in zip(docs, texts)}
    return dict(enumerate(corpus))


def bare_prefix(text: str, start: int, max_chars: int) -> str:
    """The text just before ``start`` on its line, at most ``max_chars``, starting at a word start."""
    line_start = text.rfind("\n", 0, start) + 1
    lo = max(line_start, start - max_chars)
    if lo > line_start and not text[lo - 1].isspace():
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    return text[lo:start]


def findings_exposure(
    model: Any, tokenizer: Any, corpus: Any, findings: Sequence[Finding], config: ExposureConfig | None = None,
    method: str = "auto",
) -> list[ExposureResult]:  # fmt: skip
    """Two results per finding: the secret scored after its bare prefix (``context_kind="prefix"``)
    and in its real training context, the whole record text before it (``"training"``).

    The candidate space comes from :func:`space_for`. A training context longer than the model's
    positions is reported as missing (a logged warning) rather than truncated, because training
    would not have seen the secret at that position either.
    """
    import logging

    log = logging.getLogger(__name__)
    config = _check_call(model, tokenizer, config, method)
    if corpus is None or isinstance(corpus, (str, bytes)):
        raise SanitizeError(f"corpus must be a list of texts or a datasets.Dataset, got {_kind(corpus)}")
    if (
        not isinstance(findings, Sequence)
        or isinstance(findings, (str, bytes))
        or not all(isinstance(f, Finding) for f in findings)
    ):
        raise SanitizeError("findings must be a sequence of Finding objects (e.g. from read_findings)")
    texts = _texts_by_doc(corpus)
    out = []
    for i, f in enumerate(findings):
        text = texts.get(f.doc)
        if not isinstance(text, str) or f.end > len(text):
            raise SanitizeError(f"finding {i} (doc {f.doc}, {f.start}:{f.end}) is outside the corpus")
        secret = text[f.start : f.end]
        space = space_for(secret, f.type)
        prefix = bare_prefix(text, f.start, config.prefix_chars)
        context = text[: f.start - len(prefix)]
        bare: ExposureResult | None = None
        for kind, ctx in (("prefix", None), ("training", context)):
            if kind == "training" and not ctx and bare is not None:
                r = bare  # the bare prefix is already the whole record before the secret
            else:
                try:
                    r = exposure(model, tokenizer, secret, space, prefix, ctx, method, config)
                except SanitizeError as exc:
                    log.warning("finding %d (doc %d): no %s exposure: %s", i, f.doc, kind, exc)
                    continue
            bare = bare or r
            out.append(_replace(r, context_kind=kind, doc=f.doc, finding=i))
    return out


def _replace(result: ExposureResult, **changes: Any) -> ExposureResult:
    import dataclasses

    return dataclasses.replace(result, **changes)
