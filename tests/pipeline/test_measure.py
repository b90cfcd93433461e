"""Verification cost: the same secret in the same context is measured once per model, and the rows
still cover every finding (so every distinct secret) with the shared measurement."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from sanitize.pipeline import measure, training_exposures, verify
from sanitize.types import ExposureResult, Finding

# the package exports functions named like these modules
rank = importlib.import_module("sanitize.exposure.rank")
memorization = importlib.import_module("sanitize.exposure.memorization")

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
    """Count the exposure and extraction calls; the exposure is a stub that encodes its context."""
    calls: dict[str, list[Any]] = {"exposure": [], "extraction": []}

    def fake_exposure(model: Any, tokenizer: Any, secret: str, space: Any, prefix: str = "",
                      context: str | None = None, method: str = "auto", config: Any = None) -> ExposureResult:  # fmt: skip
        calls["exposure"].append((secret, prefix, context))
        whole = (context or "") + prefix
        return ExposureResult(
            exposure=float(len(whole)), rank=1.0, space_size=1024, method="exact", score=0.0,
            preview="h***", fingerprint="", space="stub",
        )  # fmt: skip

    real_extraction = memorization.greedy_extraction

    def counting_extraction(model: Any, tokenizer: Any, context: str, secret: str, **kw: Any) -> Any:
        calls["extraction"].append((context, secret))
        return real_extraction(model, tokenizer, context, secret, **kw)

    monkeypatch.setattr(rank, "exposure", fake_exposure)
    monkeypatch.setattr(memorization, "greedy_extraction", counting_extraction)
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
    models = {"before": model, "after": model}
    rows, ppl = verify(models, tok, TEXTS, FINDINGS, [], max_secrets=50)
    # two results per distinct (secret, context): bare prefix and training context; once per model
    assert len(counted["exposure"]) == 2 * DISTINCT * len(models)
    assert len(counted["extraction"]) == DISTINCT * len(models)
    # every finding still has its row, with its representative's measurement
    assert [(r.doc, r.fingerprint) for r in rows] == [(f.doc, f.fingerprint) for f in FINDINGS]
    assert {r.fingerprint for r in rows} == {"fpA", "fpB"}
    for row, f in zip(rows, FINDINGS):
        assert row.exposure_before == row.exposure_after == float(f.start)  # the stub: len(context)
        assert row.extracted_before is not None and row.space == "stub"
    assert rows[0].exposure_before != rows[3].exposure_before  # same secret, other context: measured
    assert ppl == {"before": None, "after": None, "reference": None}


def test_training_exposures_dedupes_and_keeps_finding_indices(tiny: tuple[Any, Any], counted: dict) -> None:
    model, tok = tiny
    results = training_exposures(model, tok, TEXTS, FINDINGS, None)
    assert len(counted["exposure"]) == 2 * DISTINCT
    assert [r.finding for r in results] == list(range(len(FINDINGS)))
    assert [r.doc for r in results] == [f.doc for f in FINDINGS]
    assert all(r.context_kind == "training" for r in results)
    counted["exposure"].clear()
    plain = training_exposures(model, tok, TEXTS, FINDINGS, None, dedupe=False)
    assert len(counted["exposure"]) == 2 * len(FINDINGS)
    assert [r.exposure for r in plain] == [r.exposure for r in results]


def test_verify_limit_still_picks_one_per_distinct_secret_first(tiny: tuple[Any, Any], counted: dict) -> None:
    model, tok = tiny
    rows, _ = verify({"after": model}, tok, TEXTS, FINDINGS, [], max_secrets=2)
    assert sorted(r.fingerprint for r in rows) == ["fpA", "fpB"]
    assert len(counted["exposure"]) == 2 * 2
