"""tokenize_corpus is training tokenisation: the Trainer recipe and run_clm's packing, written out."""

from __future__ import annotations

from itertools import chain
from typing import Any

import pytest
from pairs_support import run_clm_blocks, training_record
from support import TINY_TEXTS

from sanitize import PairConfig, tokenize_corpus


@pytest.mark.parametrize("eos", [True, False])
def test_tokenize_corpus_packed_is_run_clm(tok: Any, eos: bool) -> None:
    cfg = PairConfig(mode="packed", block_size=16, append_eos=eos)
    blocks = tokenize_corpus(TINY_TEXTS, tok, cfg)
    assert [list(b.input_ids) for b in blocks] == run_clm_blocks(tok, TINY_TEXTS, 16, eos)
    grouped = tokenize_corpus(
        TINY_TEXTS, tok, PairConfig(mode="packed", block_size=16, append_eos=eos, group_size=5)
    )
    expected = list(chain(*(run_clm_blocks(tok, TINY_TEXTS[i : i + 5], 16, eos) for i in range(0, 24, 5))))
    assert [list(b.input_ids) for b in grouped] == expected
    kept = tokenize_corpus(
        TINY_TEXTS, tok, PairConfig(mode="packed", block_size=16, append_eos=eos, drop_remainder=False)
    )
    assert sum(len(b) for b in kept) == sum(len(tok(t)["input_ids"]) + eos for t in TINY_TEXTS)


def test_tokenize_corpus_record_matches_trainer_recipe(tok: Any) -> None:
    seqs = tokenize_corpus(TINY_TEXTS[:6], tok, PairConfig(max_length=12))
    assert [s.input_ids for s in seqs] == [training_record(tok, t, 12) for t in TINY_TEXTS[:6]]
    assert all(s.labels == list(s.input_ids) for s in seqs)


@pytest.mark.parametrize("mode", ["record", "packed"])
def test_retokenize_equals_tokenizing_the_new_texts(tok: Any, mode: str) -> None:
    """Record mode re-tokenises only the changed documents; the result must be what a full pass gives."""
    from sanitize.errors import SanitizeError
    from sanitize.pairs.tokenize import retokenize

    cfg = PairConfig(mode=mode, block_size=16, max_length=12)
    before = list(TINY_TEXTS[:8])
    after = [t.replace("a", "Zq9") if i in (1, 5) else t for i, t in enumerate(before)]
    assert after != before
    seqs = tokenize_corpus(before, tok, cfg)
    got = retokenize(seqs, before, after, tok, cfg)
    assert [s.input_ids for s in got] == [s.input_ids for s in tokenize_corpus(after, tok, cfg)]
    if mode == "record":  # the unchanged documents' sequences are reused, the changed ones are new
        assert [got[i] is seqs[i] for i in range(8)] == [i not in (1, 5) for i in range(8)]
        with pytest.raises(SanitizeError, match="7 sequences for 8 documents"):
            retokenize(seqs[:7], before, after, tok, cfg)
    with pytest.raises(SanitizeError, match="8 texts before but 7 after"):
        retokenize(seqs, before, after[:7], tok, cfg)
