"""The sampled rank estimate and its Clopper-Pearson interval against exact enumeration: synthetic
scores (coverage over many draws, unbiased rank) and a tiny float64 model (every candidate scored)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sanitize.exposure import exposure, rank_exposure
from sanitize.exposure.config import ExposureConfig
from sanitize.exposure.rank import clopper_pearson, sampled_rank_exposure


@pytest.mark.parametrize(("k", "m"), [(0, 50), (1, 50), (17, 50), (49, 50), (50, 50), (21, 2048)])
def test_clopper_pearson_is_the_beta_quantile_interval(k: int, m: int) -> None:
    lo, hi = clopper_pearson(k, m, 0.9)
    want_lo = 0.0 if k == 0 else stats.beta.ppf(0.05, k, m - k + 1)
    want_hi = 1.0 if k == m else stats.beta.ppf(0.95, k + 1, m - k)
    assert (lo, hi) == pytest.approx((want_lo, want_hi), rel=1e-10, abs=1e-15)
    # the defining tail probabilities: P(Bin(m, lo) >= k) = P(Bin(m, hi) <= k) = 0.05
    if k > 0:
        assert stats.binom.sf(k - 1, m, lo) == pytest.approx(0.05, rel=1e-6)
    if k < m:
        assert stats.binom.cdf(k, m, hi) == pytest.approx(0.05, rel=1e-6)
    with pytest.raises(ValueError):
        clopper_pearson(m + 1, m)


@pytest.mark.parametrize("below", [0, 3, 40, 600, 2500])  # references scoring <= the secret
def test_sampled_rank_covers_the_exact_rank(below: int) -> None:
    n, m, draws = 3000, 300, 400
    rng = np.random.default_rng(below)
    refs = np.concatenate([rng.uniform(0.0, 1.0, below), rng.uniform(2.0, 3.0, n - below)])  # (n,)
    secret = 1.5
    exact, rank = rank_exposure(secret, refs)
    assert rank == below + 1
    covered, ranks = 0, []
    for _ in range(draws):
        sample = refs[rng.choice(n, size=m, replace=False)]  # (m,) uniform without replacement
        value, est_rank, (lo, hi) = sampled_rank_exposure(secret, sample, n, confidence=0.95)
        assert lo <= value <= hi <= math.log2(n) + 1e-12
        covered += lo - 1e-12 <= exact <= hi + 1e-12
        k = int(np.count_nonzero(sample <= secret))
        assert k == 0 or est_rank == pytest.approx(1 + n * k / m)
        ranks.append(1 + n * k / m)
    assert covered / draws >= 0.93  # Clopper-Pearson: at least the nominal 95% (up to draw noise)
    # 1 + n k / m is unbiased for the exact rank (k hypergeometric, mean m K / n)
    assert np.mean(ranks) == pytest.approx(rank, rel=0.05, abs=1.0)


def test_sampled_rank_edges() -> None:
    refs = np.arange(1.0, 101.0)  # (100,)
    # the whole reference set is the exact rank, with a zero-width interval
    value, rank, interval = sampled_rank_exposure(10.5, refs, 100)
    assert (value, rank) == (rank_exposure(10.5, refs)[0], 11.0) and interval == (value, value)
    # the secret beats every draw: never below the interval's lower end (what the sample vouches for)
    value, rank, (lo, hi) = sampled_rank_exposure(0.0, refs[:50], 10_000)
    assert lo <= value <= hi and hi == pytest.approx(math.log2(10_000)) and 1 <= rank < 10_000
    assert lo == pytest.approx(math.log2(10_000) - math.log2(1 + 10_000 * (1 - 0.025 ** (1 / 50))))
    assert rank == pytest.approx(1 + 10_000 * 2.0 ** (-value))


def test_sampled_rank_beyond_every_draw_follows_the_tail() -> None:
    """A secret 7 sigma better than Gaussian references: the true exposure is -log2 Phi(-7) ~ 39.5 bits;
    the sample alone vouches for ~10 (1,000 draws). The tail fit must see the difference between 5 and 7
    sigma, so that a strongly memorised secret does not read the same before and after an update."""
    rng = np.random.default_rng(0)
    refs = rng.normal(10.0, 1.0, size=1000)  # (m,) NLL of uniform draws
    n = 2**60  # the space: far larger than any bound in play
    got = {z: sampled_rank_exposure(10.0 - z, refs, n) for z in (5.0, 7.0)}
    for z, (value, _, (lo, hi)) in got.items():
        truth = -math.log2(stats.norm.cdf(-z))
        assert lo < 11.0 and lo <= value <= hi
        assert value == pytest.approx(truth, rel=0.15)  # an extrapolation from 1,000 draws
    assert got[7.0][0] > got[5.0][0] + 10.0


def test_sampled_exposure_on_a_model_against_every_candidate(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    head = "ticket 7: the door code is "
    exact = {
        s: exposure(model, tok, s, "digits:3", prefix=head, method="exact") for s in ("042", "519", "987")
    }
    covered, trials = 0, 0
    for seed in range(20):
        config = ExposureConfig(sample_size=150, seed=seed)
        for secret, want in exact.items():
            got = exposure(model, tok, secret, "digits:3", prefix=head, method="sampled", config=config)
            assert (got.method, got.sample_size, got.n_references) == ("sampled", 150, 999)
            assert got.score == pytest.approx(want.score, abs=1e-9)
            lo, hi = got.interval
            covered += lo - 1e-9 <= want.exposure <= hi + 1e-9
            trials += 1
    assert covered / trials >= 0.9  # 95% intervals (seed 1 misses '519': its k is a 0.75% tail event)
