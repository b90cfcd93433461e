"""Exposure maths: tensorflow_privacy's interpolation (ties, maximum, negative) and extrapolation,
a log-CDF that survives the far left tail, and exposure() on a tiny model against brute force."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from sanitize.errors import SanitizeError
from sanitize.exposure import exposure, findings_exposure, rank_exposure, score_naive, skewnorm_logcdf
from sanitize.exposure.config import ExposureConfig
from sanitize.exposure.rank import _tail_logcdf, bare_prefix, extrapolated_exposure, fit_skewnorm
from sanitize.types import Finding

REFS = [float(x) for x in range(1, 17)]  # tensorflow_privacy's test: 16 references 1..16


@pytest.mark.parametrize(
    ("score", "rank"),
    [
        (0.0, 1),  # best: exposure = log2(16) = 4, the maximum
        (0.1, 1),
        (3.5, 4),  # three references below
        (3.0, 4),  # tie with the reference 3.0 counts against the secret
        (1.0, 2),  # tie with the best reference
        (16.0, 17),  # tie with the worst: rank n + 1, exposure log2(16/17) < 0
        (20.0, 17),  # worse than every reference
    ],
)
def test_interpolation_hand_computed(score: float, rank: int) -> None:
    value, got = rank_exposure(score, REFS)
    assert got == rank
    assert value == pytest.approx(4.0 - math.log2(rank), abs=1e-12)


def test_interpolation_extremes() -> None:
    assert rank_exposure(0.0, REFS)[0] == pytest.approx(4.0)  # max = log2 |R|
    assert rank_exposure(99.0, REFS)[0] == pytest.approx(math.log2(16 / 17))  # -0.0874...
    assert rank_exposure(99.0, REFS)[0] < 0


def test_extrapolation_formula_matches_tensorflow_privacy() -> None:
    rng = np.random.default_rng(0)
    refs = stats.skewnorm.rvs(4, 0, 1, size=2000, random_state=rng)
    params = fit_skewnorm(refs)
    assert params == pytest.approx(stats.skewnorm.fit(refs))
    for s in (-0.5, 0.0, 0.7, 2.0):  # where scipy's cdf is accurate: -log2 cdf exactly
        assert extrapolated_exposure(s, params) == pytest.approx(
            -np.log2(stats.skewnorm.cdf(s, *params)), rel=1e-9
        )


@pytest.mark.parametrize("z", [-3.0, -8.0, -37.0, -40.0, -300.0, -1e4])
def test_logcdf_closed_forms_deep_in_the_tail(z: float) -> None:
    # a = 0: Phi(z); a = 1: Phi(z)^2; a = -1: 1 - (1 - Phi(z))^2 = Phi(z) (2 - Phi(z))
    assert skewnorm_logcdf(z, 0.0) == pytest.approx(float(special.log_ndtr(z)), rel=1e-12)
    assert skewnorm_logcdf(z, 1.0) == pytest.approx(2 * float(special.log_ndtr(z)), rel=1e-10)
    expected = float(special.log_ndtr(z)) + math.log(2 - float(special.ndtr(z)))
    assert skewnorm_logcdf(z, -1.0) == pytest.approx(expected, rel=1e-12)
    assert skewnorm_logcdf(z * 2.5 + 1.0, 1.0, loc=1.0, scale=2.5) == pytest.approx(
        2 * float(special.log_ndtr(z))
    )


def test_logcdf_is_finite_where_scipy_underflows_and_continuous_at_the_switch() -> None:
    assert stats.skewnorm.logcdf(-10.0, 4.0) == -np.inf  # the reason this function exists
    values = [skewnorm_logcdf(z, 4.0) for z in (-2.0, -5.0, -10.0, -100.0, -1e3)]
    assert all(np.isfinite(values)) and values == sorted(values, reverse=True)
    for z in (-1.2, -1.5, -1.7):  # cdf ~1e-4..1e-9: scipy and the tail integral both accurate
        assert _tail_logcdf(z, 4.0) == pytest.approx(math.log(stats.skewnorm.cdf(z, 4.0)), rel=1e-7)
    assert extrapolated_exposure(-1e3, (4.0, 0.0, 1.0)) > 1e6  # memorised far beyond the sample


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_exact_exposure_matches_brute_force_rank(tiny64: Any, kind: str) -> None:
    model, tok = tiny64[kind]
    space = [f"{i:02d}" for i in range(100)]
    naive = score_naive(model, tok, "the door code is ", space)
    for secret in ("07", "42", "99"):
        r = exposure(model, tok, secret, "digits:2", prefix="the door code is ")
        i = space.index(secret)
        others = np.delete(naive, i)
        want = 1 + int(np.sum(others <= naive[i]))
        assert (r.method, r.space_size, r.n_references, r.rank) == ("exact", 100, 99, want)
        assert r.exposure == pytest.approx(math.log2(99) - math.log2(want))
        assert r.score == pytest.approx(naive[i], abs=1e-6)
        assert r.preview == "**"
    masked = exposure(model, tok, "zq", "lower:2", prefix="the door code is ")
    assert "zq" not in repr(masked) + str(masked.to_dict()) and masked.space_size == 676


def test_secret_outside_the_space_and_extrapolation(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    with pytest.raises(
        SanitizeError, match=r"secret \(\*\*, 2 characters\) is not in the candidate space digits:2"
    ):
        exposure(model, tok, "x9", "digits:2", prefix="code ")  # ranked among strings it cannot be: refused
    config = ExposureConfig(exact_budget=10, sample_size=300, bootstrap=10)
    e = exposure(model, tok, "123", "digits:3", prefix="code ", config=config)
    assert e.method == "extrapolated" and e.sample_size == 300 and e.interval is not None
    assert e.interval[0] < e.interval[1] and np.isfinite(e.exposure)
    params = fit_skewnorm(e.reference_scores)
    assert e.exposure == pytest.approx(-skewnorm_logcdf(e.score, *params) / math.log(2))
    assert e.rank == pytest.approx(1 + 999 * 2 ** (-e.exposure))


def test_findings_exposure_scores_real_context_and_bare_prefix(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    docs = ["first record", "Hi Bob, call me.\nThe wifi is down and the door code is 482 now."]
    start = docs[1].index("482")
    results = findings_exposure(model, tok, docs, [Finding(1, start, start + 3, "pin")],
                                ExposureConfig(prefix_chars=20))  # fmt: skip
    assert [(r.context_kind, r.doc, r.finding, r.space) for r in results] == [
        ("prefix", 1, 0, "digits:3"),
        ("training", 1, 0, "digits:3"),
    ]
    prefix = bare_prefix(docs[1], start, 20)
    assert prefix == "the door code is "  # from a word start, within 20 characters, on its line
    bare = exposure(model, tok, "482", "digits:3", prefix=prefix)
    real = exposure(model, tok, "482", "digits:3", prefix=prefix, context=docs[1][: start - len(prefix)])
    assert results[0].score == pytest.approx(bare.score) and results[1].score == pytest.approx(real.score)
    assert results[0].score != pytest.approx(results[1].score)


def test_bare_prefix_stays_on_its_line() -> None:
    text = "header\npin 1234"
    assert bare_prefix(text, text.index("1234"), 50) == "pin "
