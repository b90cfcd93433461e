"""Exposures prepared once and scored per model: the same numbers as exposure() in the training
context, one tokenisation per (secret, context) whatever the number of models, shared tails, and
greedy extraction on the KV cache equal to decoding from scratch."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import torch

from sanitize.exposure import exposure, greedy_extraction, greedy_extractions
from sanitize.exposure.config import ExposureConfig
from sanitize.exposure.prepared import prepare_exposures, score_exposures
from sanitize.types import Finding

scoring = importlib.import_module("sanitize.exposure.scoring")

DOCS = [
    "Hi Bob, call me.\nThe wifi is down and the door code is 482 now.",
    "Note from Ann: the door code is 482 again.",  # same secret, same words before it, other record
    "Ticket 9: pin 7731 was reset.",
]


def _findings() -> list[Finding]:
    out = []
    for doc, secret in ((0, "482"), (1, "482"), (2, "7731")):
        start = DOCS[doc].index(secret)
        out.append(Finding(doc, start, start + len(secret), "pin"))
    return out


def test_prepared_exposures_equal_exposure_in_the_training_context(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    findings = _findings()
    prepared = prepare_exposures(tok, DOCS, findings, budget=20_000)  # every space fits: exact
    results = score_exposures(model, prepared)
    for f, r in zip(findings, results):
        text = DOCS[f.doc]
        want = exposure(
            model, tok, text[f.start : f.end], f"digits:{f.end - f.start}", context=text[: f.start]
        )
        assert r is not None and (r.method, r.context_kind, r.doc) == ("exact", "training", f.doc)
        assert (r.rank, r.space_size, r.n_references) == (want.rank, want.space_size, want.n_references)
        assert r.exposure == pytest.approx(want.exposure, abs=1e-12)
        assert r.score == pytest.approx(want.score, abs=1e-9)
    # a budget below the space: uniform draws, an interval that holds the exact value
    sampled = score_exposures(
        model, prepare_exposures(tok, DOCS, findings, budget=300), ExposureConfig(confidence=0.99)
    )
    for r, exact in zip(sampled, results):
        assert r is not None and r.method == "sampled" and r.sample_size == 300
        assert r.interval[0] <= exact.exposure + 1e-9 <= r.interval[1] + 2e-9


def test_one_tokenisation_per_finding_for_all_models(tiny64: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    model, tok = tiny64["gpt2"]
    calls = {"tokenize": 0, "encoded": 0, "score": 0}
    real_tokenize, real_encode, real_score = (
        scoring.tokenize_candidates,
        scoring._encode,
        scoring.score_tokenized,
    )
    prepared_mod = importlib.import_module("sanitize.exposure.prepared")

    def tokenize(*a: Any, **kw: Any) -> Any:
        calls["tokenize"] += 1
        return real_tokenize(*a, **kw)

    def encode(tokenizer: Any, texts: list[str], specials: bool) -> Any:
        calls["encoded"] += len(texts)
        return real_encode(tokenizer, texts, specials)

    def score(*a: Any, **kw: Any) -> Any:
        calls["score"] += 1
        return real_score(*a, **kw)

    monkeypatch.setattr(prepared_mod, "tokenize_candidates", tokenize)
    monkeypatch.setattr(prepared_mod, "score_tokenized", score)
    monkeypatch.setattr(scoring, "_encode", encode)
    findings = _findings()
    prepared = prepare_exposures(tok, DOCS, findings, budget=20_000)
    assert calls["tokenize"] == len(findings)
    # docs 0 and 1 end in the same window before "482": its 1000 tails are tokenised once, not twice
    assert calls["encoded"] < 1000 + 10_000 + 1000
    first = [score_exposures(m, prepared) for m in (model, model)]
    assert calls["tokenize"] == len(findings) and calls["score"] == 2 * len(findings)
    assert [r.exposure for r in first[0]] == [r.exposure for r in first[1]]


def _greedy_from_scratch(model: Any, prompt: list[int], steps: int) -> list[int]:
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(steps):
            ids.append(int(model(input_ids=torch.tensor([ids])).logits[0, -1].argmax()))
    return ids[len(prompt) :]


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_greedy_extraction_on_the_kv_cache_decodes_as_from_scratch(
    tiny64: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tok = tiny64[kind]
    memorization = importlib.import_module("sanitize.exposure.memorization")
    seen: list[list[int]] = []
    real_decode = tok.decode

    def decode(ids: Any, **kw: Any) -> str:
        seen.append(list(ids))
        return real_decode(ids, **kw)

    monkeypatch.setattr(tok, "decode", decode)
    context, secret = "The wifi is down and the door code is ", "482"
    ids, start = memorization._secret_tokens(tok, context, secret)
    result = greedy_extraction(model, tok, context, secret, extra_tokens=3)
    want = _greedy_from_scratch(model, ids[:start], len(ids) - start + 3)
    assert seen[-1] == want  # the generated tokens, decoded last
    assert result.secret_length == 3


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_batched_greedy_extractions_decode_as_each_prompt_from_scratch(
    tiny64: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left-padded prompts of different lengths (several batches, one of a single prompt) generate the
    tokens each prompt generates alone, without padding or a cache."""
    model, tok = tiny64[kind]
    memorization = importlib.import_module("sanitize.exposure.memorization")
    items = [
        ("The wifi is down and the door code is ", "482"),
        ("code ", "91"),
        ("", "7731"),  # no context: the BOS token is the prompt
        ("My card number is 4111 and the pin for the front door of the office is ", "0042"),
        ("the door code is ", "482"),
    ]
    generated: list[list[int]] = []  # per item, in order
    real_matched = memorization._matched

    def matched(tokenizer: Any, truth: list[int], gen: list[int], secret: str) -> Any:
        generated.append(list(gen))
        return real_matched(tokenizer, truth, gen, secret)

    monkeypatch.setattr(memorization, "_matched", matched)
    got = greedy_extractions(model, tok, items, extra_tokens=2, batch_size=2)
    assert len(got) == len(items)
    assert len(generated) == len(items)
    for (context, secret), result, gen in zip(items, got, generated):
        ids, start = memorization._secret_tokens(tok, context, secret)
        assert gen == _greedy_from_scratch(model, ids[:start], len(ids) - start + 2)
        alone = greedy_extraction(model, tok, context, secret, extra_tokens=2)
        assert result == alone and result.secret_length == len(secret)


def test_without_a_budget_as_exposure_auto_does(tiny64: Any) -> None:
    model, tok = tiny64["gpt2"]
    config = ExposureConfig(exact_budget=100, sample_size=200, bootstrap=5)  # digits:3 is extrapolated
    f = _findings()[0]
    text = DOCS[f.doc]
    want = exposure(model, tok, "482", "digits:3", context=text[: f.start], config=config)
    (got,) = score_exposures(model, prepare_exposures(tok, DOCS, [f], config), config)
    assert got is not None and (got.method, got.sample_size) == (want.method, want.sample_size) == (
        "extrapolated",
        200,
    )
    assert got.exposure == pytest.approx(want.exposure, rel=1e-9)
    assert got.interval == pytest.approx(want.interval, rel=1e-9) and got.rank == pytest.approx(want.rank)
