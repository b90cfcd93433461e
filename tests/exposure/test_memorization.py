"""Memorisation measures on a model trained to memorise one record vs an untrained one."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from sanitize.exposure import exposure
from sanitize.exposure.memorization import (
    greedy_extraction,
    heldout_perplexity,
    log_perplexity,
    memorization,
    token_accuracy,
    zlib_ratio,
)
from sanitize.types import TokenSequence

RECORD = "the door code is 4821"


@pytest.fixture(scope="module")
def memorised() -> tuple[Any, Any]:
    from sanitize_lab.tiny import tiny_model, train_causal_lm, train_tokenizer

    texts = [RECORD, "the cat sat on the mat", "my pin is 9076 ok"] * 4
    tok = train_tokenizer(texts, "gpt2", vocab_size=300)
    model = tiny_model(tok, "gpt2", dtype=torch.float64)
    train_causal_lm(model, tok, texts, steps=80, lr=1e-2)
    return model, tok


def test_memorised_secret_is_extracted_and_exposed(memorised: tuple[Any, Any]) -> None:
    model, tok = memorised
    ex = greedy_extraction(model, tok, "the door code is ", "4821")
    assert ex.exact and ex.matched_prefix == 4 and "4821" not in repr(ex)
    assert token_accuracy(model, tok, "the door code is ", "4821") == 1.0
    m = memorization(model, tok, "the door code is ", "4821", surrogate="5930")
    assert m.log_perplexity < m.surrogate_log_perplexity - 1.0
    r = exposure(model, tok, "4821", "digits:4", prefix="the door code is ")
    assert r.rank == 1 and r.exposure == pytest.approx(math.log2(9999))  # the maximum


def test_untrained_model_extracts_nothing(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    ex = greedy_extraction(model, tok, "the door code is ", "4821")
    assert not ex.exact and ex.matched_prefix < 4
    assert 0.0 <= token_accuracy(model, tok, "the door code is ", "4821") < 1.0


def test_log_perplexity_and_zlib_ratio_against_a_direct_computation(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    ids = tok("code 4821")["input_ids"]  # no BOS in GPT-2: the digits are the last 4 tokens
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0, :-1], -1)
    nll = -logp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])]
    assert log_perplexity(model, tok, "code ", "4821") == pytest.approx(float(nll[-4:].mean()))
    import zlib

    expected = float(nll.mean()) / len(zlib.compress(b"code 4821"))
    assert zlib_ratio(model, tok, "code 4821") == pytest.approx(expected)


def test_heldout_perplexity_matches_hf_loss(tiny64: Any) -> None:
    model, tok = tiny64["llama"]
    texts = ["Alice was beginning to get very tired.", "The rabbit took a watch out."]
    total = count = 0.0
    for t in texts:
        batch = tok(t, return_tensors="pt")
        n = batch["input_ids"].shape[1] - 1
        with torch.no_grad():
            total += float(model(**batch, labels=batch["input_ids"]).loss) * n
        count += n
    assert heldout_perplexity(model, tok, texts, batch_size=1) == pytest.approx(math.exp(total / count))
    assert heldout_perplexity(model, tok, texts) == pytest.approx(math.exp(total / count))  # padded batch
    seqs = []
    for t in texts:
        ids = tuple(tok(t)["input_ids"])
        seqs.append(TokenSequence(ids, (1,) * len(ids), (0,) + (1,) * (len(ids) - 1)))
    assert heldout_perplexity(model, tok, seqs) == pytest.approx(math.exp(total / count))
