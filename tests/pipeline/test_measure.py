"""Verification cost: the same secret in the same context is measured once per model, its candidates
drawn and tokenised once for all models, and the rows still cover every finding (so every distinct
secret) with the shared measurement."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from sanitize.pipeline import measure, training_exposures, verify
from sanitize.types import Finding

# the package exports functions named like these modules
memorization = importlib.import_module("sanitize.exposure.memorization")
prepared = importlib.import_module("sanitize.exposure.prepared")
BUDGET = 64  # candidates per exposure: the 10-character secrets' spaces are sampled

RECORD = "ticket 12 from the help desk\nuser alice password: {} end of record"
TEXTS = [
    RECORD.format("hunter2xyz"),  # 0: secret A
    RECORD.format("hunter2xyz"),  # 1: A, same context (a repeated record)
    RECORD.format("hunter2xyz"),  # 2: A, same context
    "another note\nbob password: hunter2xyz end",  # 3: A in another context
    RECORD.format("s3cretQQ77"),  # 4: secret B
    RECORD.format("s3cretQQ77"),  # 5: B, same context
    "held out text without secrets",
]


def _finding(doc: int, secret: str, fingerprint: str) -> Finding:
    start = TEXTS[doc].index(secret)
    return Finding(doc, start, start + len(secret), "password", fingerprint=fingerprint, preview="h***")


FINDINGS = [
    _finding(0, "hunter2xyz", "fpA"),
    _finding(1, "hunter2xyz", "fpA"),
    _finding(2, "hunter2xyz", "fpA"),
    _finding(3, "hunter2xyz", "fpA"),
    _finding(4, "s3cretQQ77", "fpB"),
    _finding(5, "s3cretQQ77", "fpB"),
]
DISTINCT = 3  # (A, record context), (A, note context), (B, record context)


@pytest.fixture(scope="module")
def tiny() -> tuple[Any, Any]:
    from sanitize_lab.tiny import tiny_model, train_tokenizer

    tok = train_tokenizer(TEXTS * 4, vocab_size=300)
    return tiny_model(tok, hidden=16, layers=1, heads=2), tok


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Count the candidate tokenisations (one per prepared exposure), the model scorings and the
    greedy extractions; everything still runs for real."""
    calls: dict[str, list[Any]] = {"tokenize": [], "score": [], "extraction": []}
    real_tokenize, real_score = prepared.tokenize_candidates, prepared.score_tokenized
    real_extraction = memorization.greedy_extractions

    def tokenize(tokenizer: Any, head: str, candidates: Any, **kw: Any) -> Any:
        calls["tokenize"].append(head)
        return real_tokenize(tokenizer, head, candidates, **kw)

    def score(model: Any, tok: Any, **kw: Any) -> Any:
        calls["score"].append(model)
        return real_score(model, tok, **kw)

    def counting_extraction(model: Any, tokenizer: Any, items: Any, **kw: Any) -> Any:
        calls["extraction"].extend(items)
        return real_extraction(model, tokenizer, items, **kw)

    monkeypatch.setattr(prepared, "tokenize_candidates", tokenize)
    monkeypatch.setattr(prepared, "score_tokenized", score)
    monkeypatch.setattr(memorization, "greedy_extractions", counting_extraction)
    return calls


def test_dedupe_findings_keys_on_secret_and_context() -> None:
    slot, unique = measure.dedupe_findings(TEXTS, FINDINGS)
    assert slot == [0, 0, 0, 1, 2, 2]
    assert [f.doc for f in unique] == [0, 3, 4]
    # without fingerprints (hand-written findings) the secret's text is the key
    bare = [Finding(f.doc, f.start, f.end, f.type) for f in FINDINGS]
    assert measure.dedupe_findings(TEXTS, bare)[0] == slot


def test_verify_measures_each_secret_context_once_per_model(tiny: tuple[Any, Any], counted: dict) -> None:
    model, tok = tiny
    other = copy.deepcopy(model)
    models = {"before": model, "after": other}
    rows, ppl = verify(models, tok, TEXTS, FINDINGS, [], max_secrets=50, budget=BUDGET)
    # candidates drawn and tokenised once per distinct (secret, context), for all models; scored by each
    assert len(counted["tokenize"]) == DISTINCT
    assert counted["score"] == [model] * DISTINCT + [other] * DISTINCT
    assert len(counted["extraction"]) == DISTINCT * len(models)
    # every finding still has its row, with its representative's measurement
    assert [(r.doc, r.fingerprint) for r in rows] == [(f.doc, f.fingerprint) for f in FINDINGS]
    assert {r.fingerprint for r in rows} == {"fpA", "fpB"}
    for row in rows:
        assert row.exposure_before == row.exposure_after  # the same weights, the same draws
        assert row.interval_before is not None and row.interval_before[0] <= row.exposure_before
        assert row.extracted_before is not None and row.space.startswith("pattern(len=10")
    assert rows[0].exposure_before == rows[1].exposure_before == rows[2].exposure_before
    assert rows[0].interval_before != rows[3].interval_before  # same secret, other context: measured
    assert ppl == {"before": None, "after": None, "reference": None}


def test_training_exposures_dedupes_and_keeps_finding_indices(tiny: tuple[Any, Any], counted: dict) -> None:
    model, tok = tiny
    results = training_exposures(model, tok, TEXTS, FINDINGS, None, budget=BUDGET)
    assert len(counted["tokenize"]) == DISTINCT
    assert [r.finding for r in results] == list(range(len(FINDINGS)))
    assert [r.doc for r in results] == [f.doc for f in FINDINGS]
    assert all(r.context_kind == "training" and r.method == "sampled" for r in results)
    counted["tokenize"].clear()
    plain = training_exposures(model, tok, TEXTS, FINDINGS, None, dedupe=False, budget=BUDGET)
    assert len(counted["tokenize"]) == len(FINDINGS)
    assert [r.exposure for r in plain] == [r.exposure for r in results]


def test_verify_limit_still_picks_one_per_distinct_secret_first(tiny: tuple[Any, Any], counted: dict) -> None:
    model, tok = tiny
    rows, _ = verify({"after": model}, tok, TEXTS, FINDINGS, [], max_secrets=2, budget=BUDGET)
    assert sorted(r.fingerprint for r in rows) == ["fpA", "fpB"]
    assert len(counted["tokenize"]) == 2


def test_exposure_monitor_tokenises_once_over_rounds(tiny: tuple[Any, Any], counted: dict) -> None:
    from sanitize.exposure.config import ExposureConfig

    model, tok = tiny
    monitor = measure.exposure_monitor(tok, TEXTS, FINDINGS, ExposureConfig(), 50, BUDGET)
    values = [monitor(model) for _ in range(3)]  # three rounds of the closed loop
    assert len(counted["tokenize"]) == DISTINCT and len(counted["score"]) == 3 * DISTINCT
    assert values[0] == values[1] == values[2]


@pytest.mark.parametrize(
    ("limit", "per_secret", "expected"),
    [
        (0, 0, [0, 1, 2, 3, 4, 5]),  # everything
        (0, 1, [0, 4]),  # each secret's first context
        (0, 2, [0, 1, 4, 5]),  # first and second occurrences
        (3, 0, [0, 1, 4]),  # the limit takes first occurrences of every secret before second ones
        (1, 1, [0]),
    ],
)
def test_pick_for_verification_contexts_per_secret(limit: int, per_secret: int, expected: list[int]) -> None:
    assert measure.pick_for_verification(FINDINGS, limit, per_secret) == expected


def test_verify_one_context_per_secret_scores_each_secret_once(tiny: tuple[Any, Any], counted: dict) -> None:
    """The pipeline's default (``verify_contexts=1``): one exposure per distinct secret and model, however
    often the corpus repeats it."""
    model, tok = tiny
    rows, _ = verify({"after": model}, tok, TEXTS, FINDINGS, [], budget=BUDGET, per_secret=1)
    assert [(r.doc, r.fingerprint) for r in rows] == [(0, "fpA"), (4, "fpB")]
    assert len(counted["tokenize"]) == 2 and counted["score"] == [model, model]
    assert all(r.exposure_after is not None for r in rows)
