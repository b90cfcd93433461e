"""The trie/KV-cache walk scores every candidate exactly as full-sequence scoring does (float64)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sanitize.exposure.rank import rank_exposure
from sanitize.exposure.scoring import (
    full_sequences,
    score_candidates,
    score_naive,
    score_tokenized,
    tokenize_candidates,
)

LONG = (
    "Alice was beginning to get very tired of sitting by her sister on the bank. The rabbit took a "
    "watch out of its waistcoat pocket, and looked at it. Hi Bob, the wifi password is hunter2. "
    "Please charge the card before Friday, and then the door code is "
)
# 3-digit codes plus odd ones: other lengths, a leading space (straddles the boundary token),
# letters, non-ASCII, a candidate that is a prefix of another
CANDIDATES = [f"{i:02d}" for i in range(100)] + [f"{i:03d}" for i in range(0, 1000, 7)]
CANDIDATES += ["1234", "ab c", "x", " 7", "é€"]


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
@pytest.mark.parametrize(
    "head", ["", "code:", "the door code is ", LONG], ids=["bare", "short", "prefix", "long"]
)
def test_trie_equals_brute_force(tiny64: Any, float64_llama: Any, kind: str, head: str) -> None:
    model, tok = tiny64[kind]
    float64_llama(model)
    cands = CANDIDATES[::2] + CANDIDATES[-5:] if head is LONG else CANDIDATES  # naive is slow on long
    tokenized = tokenize_candidates(tok, head, cands)
    fast = score_candidates(model, tok, head, cands, batch_size=37)  # odd batch: chunk edges
    slow = score_naive(model, tok, head, cands, batch_size=128)
    assert np.all(np.isfinite(fast)) and np.all(fast > 0)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    grouped = score_tokenized(model, tokenized, batch_size=37, group_size=50)  # one subtree at a time
    np.testing.assert_allclose(grouped, slow, rtol=0, atol=1e-9)
    for i in (0, 12, 49, 90, len(cands) - 4, len(cands) - 1):  # same rank (ties against) across the space
        refs = np.delete(np.arange(len(cands)), i)
        assert rank_exposure(fast[i], fast[refs]) == rank_exposure(slow[i], slow[refs])
    if head is LONG:
        assert tokenized.mode == "window" and len(tokenized.shared) > 30  # the context ran once


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_window_tokenisation_matches_full_text(tiny64: Any, kind: str) -> None:
    _, tok = tiny64[kind]
    window = tokenize_candidates(tok, LONG, CANDIDATES)
    full = tokenize_candidates(tok, LONG, CANDIDATES, exact=True)
    assert (window.mode, full.mode) == ("window", "full")
    truth = full_sequences(tok, LONG, CANDIDATES)
    for t in (window, full):
        for i, (ids, start) in enumerate(truth):
            assert t.shared + t.suffixes[i, : t.lengths[i]].tolist() == ids
            assert len(t.shared) + t.skip[i] == start


def test_straddling_token_is_scored_with_the_candidate(tiny64: Any) -> None:
    _, tok = tiny64["gpt2"]
    (ids, start), = full_sequences(tok, "code is", [" 1234"])  # fmt: skip
    # the scored span starts at the first token ending after the boundary, whatever it contains
    assert tok.decode(ids[start:]).endswith("1234") and tok.decode(ids[:start]) == "code is"


def test_unconditioned_first_token_gets_bos(tiny64: Any) -> None:
    _, tok = tiny64["gpt2"]  # GPT-2 adds no BOS: an empty head would leave nothing to condition on
    (ids, start), = full_sequences(tok, "", ["42"])  # fmt: skip
    assert start == 1 and ids[0] == tok.bos_token_id


def test_too_long_for_positions_is_a_clear_error(tiny64: Any) -> None:
    from sanitize.errors import SanitizeError

    model, tok = tiny64["gpt2"]
    with pytest.raises(SanitizeError, match="more than the model's 256 positions"):
        score_candidates(model, tok, LONG * 4, ["1", "2"])
