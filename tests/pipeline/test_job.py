"""The checks before any model is loaded: inputs, findings from every source, one text_field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanitize.data import CorpusConfig, load_corpus
from sanitize.fingerprint import fingerprint_secret
from sanitize.pipeline import Inputs, PipelineError, StageConfigs, Stages, sanitize_model
from sanitize.pipeline.job import get_findings, read_corpus
from sanitize.scanner import ScanConfig
from sanitize.types import Finding

TEXTS = ["my pin is 4821 ok", "nothing", "again 4821"]


def test_inputs_are_checked_at_the_boundary() -> None:
    with pytest.raises(PipelineError, match="base"):
        Inputs(None, TEXTS)
    with pytest.raises(PipelineError, match="data"):
        Inputs("base", None)  # type: ignore[arg-type]
    with pytest.raises(PipelineError, match="a single string"):
        Inputs("base", TEXTS, secrets="4821")  # type: ignore[arg-type]
    with pytest.raises(PipelineError, match="is empty"):
        Inputs("base", TEXTS, secrets=("4821", ""))
    with pytest.raises(PipelineError, match="not both"):
        Inputs("base", TEXTS, findings=[Finding(0, 10, 14, "pin")], secrets=("4821",))
    inputs = Inputs("base", TEXTS, secrets=["4821"])  # type: ignore[arg-type]
    assert inputs.secrets == ("4821",) and "4821" not in repr(inputs)
    assert inputs.describe()["findings_source"] == "secrets" and "4821" not in json.dumps(inputs.describe())


def test_sanitize_model_refuses_bad_inputs_before_loading_anything(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="a single string"):
        sanitize_model(tmp_path / "no-model", TEXTS, None, secrets="4821")  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["secrets", "findings", "scan"])
def test_every_finding_source_uses_the_scanners_key(source: str) -> None:
    corpus = load_corpus(["card 4539 1488 0343 6467 here", "none"])
    texts = list(corpus["text"])
    secret = "4539 1488 0343 6467"
    start = texts[0].index(secret)
    given = {
        "secrets": {"secrets": (secret,)},
        "findings": {"findings": [Finding(0, start, start + len(secret), "credit_card")]},
        "scan": {},
    }[source]
    inputs = Inputs("base", corpus, **given)  # type: ignore[arg-type]
    found = get_findings(corpus, texts, inputs, ScanConfig(fingerprint_key="k1"), Stages(False))
    assert [(f.doc, f.start, f.end) for f in found] == [(0, start, start + len(secret))]
    assert found[0].fingerprint == fingerprint_secret(secret, "k1") != fingerprint_secret(secret, "k2")


def test_given_findings_outside_the_corpus_are_refused() -> None:
    inputs = Inputs("base", TEXTS, findings=[Finding(5, 0, 1, "pin")])
    with pytest.raises(PipelineError, match="unknown doc index 5"):
        get_findings(load_corpus(TEXTS), TEXTS, inputs, ScanConfig(), Stages(False))


def test_the_corpus_config_names_the_text_field(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"body": "pin 4821", "text": "other"}) + "\n")
    assert list(read_corpus(path, CorpusConfig(text_field="body"))["text"]) == ["pin 4821"]
    assert list(read_corpus(path, StageConfigs().corpus)["text"]) == ["other"]
