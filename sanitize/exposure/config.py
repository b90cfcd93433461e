"""How exposure is measured (see :func:`sanitize.exposure.exposure`)."""

from __future__ import annotations

import dataclasses

from ..config import BaseConfig, option, seed_option


@dataclasses.dataclass
class ExposureConfig(BaseConfig):
    """How exposure is measured (see :func:`sanitize.exposure.exposure`)."""

    exact_budget: int = option(
        100_000,
        help="method='auto' enumerates the whole candidate space exactly when it has at most this many "
        "candidates, and extrapolates from a sample otherwise.",
    )
    sample_size: int = option(
        5_000, help="Candidates drawn uniformly from the space for the skew-normal extrapolation."
    )
    bootstrap: int = option(
        30,
        help="Bootstrap resamples of the sample for the extrapolated exposure's interval (0 = none); each refits the skew-normal.",
    )
    confidence: float = option(0.95, help="Coverage of the bootstrap interval.")
    batch_size: int = option(256, help="Candidates (trie nodes) per forward pass.")
    seed: int = seed_option("sampling candidates and bootstrap resamples")
    exact_tokenization: bool = option(
        False,
        help="Tokenise every full text context+prefix+candidate instead of a checked tail window "
        "(slower; the window is verified on a sample of candidates and falls back to this on mismatch).",
    )
    prefix_chars: int = option(
        32,
        help="findings_exposure: at most this many characters before a secret (on its line, from a word "
        "start) form its bare prefix; the rest of its training record is the context.",
    )
    fingerprint_key: str | None = option(
        None,
        secret=True,
        help="HMAC key for result fingerprints (default: $SANITIZE_FINGERPRINT_KEY or the per-user key).",
    )

    def __post_init__(self) -> None:
        self._check_range("exact_budget", 1)
        self._check_range("sample_size", 10)
        self._check_range("bootstrap", 0)
        self._check_range("confidence", 0.0, 1.0, low_open=True)
        if self.confidence >= 1.0:
            self._fail("confidence", "must be < 1")
        self._check_range("batch_size", 1)
        self._check_range("prefix_chars", 1)
        for name in ("exact_budget", "sample_size", "bootstrap", "batch_size", "seed", "prefix_chars"):
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
