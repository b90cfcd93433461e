"""Exposure and memorisation: does the model still know a secret?

* :func:`exposure` -- Carlini et al.'s exposure of a secret among a candidate space, exact (trie +
  KV cache) or extrapolated (skew-normal), tensorflow_privacy conventions;
* :func:`findings_exposure` -- every finding in its real training context and after its bare prefix;
* :func:`parse_space` / :func:`space_for` -- candidate spaces (``digits:6``, ``luhn:dddd ...``);
* memorisation measures (greedy extraction, token accuracy, zlib ratio, held-out perplexity);
* canaries for audits (:func:`insert_canaries`, :func:`canary_exposure`).
"""

from __future__ import annotations

from .canaries import Canary, canary_exposure, insert_canaries, read_canaries, write_canaries
from .memorization import (
    greedy_extraction,
    greedy_extractions,
    heldout_perplexity,
    log_perplexity,
    memorization,
    token_accuracy,
    zlib_ratio,
)
from .rank import exposure, findings_exposure, rank_exposure, skewnorm_logcdf
from .scoring import score_candidates, score_naive
from .spaces import CandidateSpace, parse_space, space_for

__all__ = [
    "Canary",
    "CandidateSpace",
    "canary_exposure",
    "exposure",
    "findings_exposure",
    "greedy_extraction",
    "greedy_extractions",
    "heldout_perplexity",
    "insert_canaries",
    "log_perplexity",
    "memorization",
    "parse_space",
    "rank_exposure",
    "read_canaries",
    "score_candidates",
    "score_naive",
    "skewnorm_logcdf",
    "space_for",
    "token_accuracy",
    "write_canaries",
    "zlib_ratio",
]
