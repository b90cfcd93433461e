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
