"""`sanitize exposure` and `sanitize canary insert` end to end on the saved tiny models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sanitize.exposure.canaries import read_canaries


@pytest.fixture(scope="module")
def lora_dir(gpt2_dir: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A non-trivial LoRA adapter for the tiny GPT-2 (random B, so it changes the model)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from sanitize.models import load_model

    model, _ = load_model(gpt2_dir)
    torch.manual_seed(1)
    peft = get_peft_model(model, LoraConfig(r=4, target_modules=["c_attn"], init_lora_weights=False))
    path = tmp_path_factory.mktemp("adapters") / "lora"
    peft.save_pretrained(path)
    return str(path)


def test_secret_json_masks_unless_revealed(cli: Any, gpt2_dir: str) -> None:
    args = ["exposure", "--base", gpt2_dir, "--secret", "482", "--space", "digits:3"]
    res = cli(*args, "--prefix", "the door code is ", "--json")
    assert res.code == 0, res.err
    (rec,) = json.loads(res.out)
    assert rec["method"] == "exact" and rec["space_size"] == 1000 and rec["n_references"] == 999
    assert 1 <= rec["rank"] <= 1000 and rec["exposure"] <= 1000 and "482" not in res.out + res.err
    assert rec["preview"] == "***"
    res = cli(*args, "--prefix", "the door code is ", "--json", "--reveal")
    assert json.loads(res.out)[0]["secret"] == "482"
    text = cli(*args)
    assert text.code == 0 and "***" in text.out and "482" not in text.out


def test_extrapolated_and_bad_input(cli: Any, gpt2_dir: str) -> None:
    res = cli("exposure", "--base", gpt2_dir, "--secret", "123456", "--space", "digits:6", "--budget", "10",
              "--sample-size", "200", "--bootstrap", "5", "--json")  # fmt: skip
    assert res.code == 0, res.err
    (rec,) = json.loads(res.out)
    assert rec["method"] == "extrapolated" and rec["sample_size"] == 200
    assert rec["interval"][0] <= rec["interval"][1]
    bad = cli("exposure", "--base", gpt2_dir, "--secret", "1", "--space", "digts:3")
    assert bad.code == 2 and "unknown kind 'digts'" in bad.err
    both = cli("exposure", "--base", gpt2_dir, "--secret", "1", "--space", "digits:1", "--canaries", "x")
    assert both.code == 2 and "exactly one of" in both.err


def test_compare_adapter_and_plot(cli: Any, gpt2_dir: str, lora_dir: str, tmp_path: Path) -> None:
    png = tmp_path / "exposure.png"
    res = cli("exposure", "--base", gpt2_dir, "--compare-adapter", lora_dir, "--secret", "42",
              "--space", "digits:2", "--prefix", "code ", "--json", "--plot", png)  # fmt: skip
    assert res.code == 0, res.err
    (rec,) = json.loads(res.out)
    assert rec["after"]["score"] != pytest.approx(rec["score"])  # the adapter changes the model
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_canary_insert_then_exposure(cli: Any, gpt2_dir: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(10)))
    out, truth = tmp_path / "with_canaries.jsonl", tmp_path / "truth.jsonl"
    res = cli("canary", "insert", corpus, "--out", out, "--truth", truth, "--space", "digits:3",
              "--repetitions", "0", "1", "3", "--prefix", "my pin is ")  # fmt: skip
    assert res.code == 0, res.err
    canaries = read_canaries(truth)
    texts = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    assert [c.repetitions for c in canaries] == [0, 1, 3] and len(texts) == 14
    for c in canaries:
        assert [texts[d] for d in c.docs] == ["my pin is " + c.canary] * c.repetitions
        assert c.canary not in res.out + res.err
    assert [t for t in texts if t.startswith("record")] == [f"record {i}" for i in range(10)]
    res = cli("exposure", "--base", gpt2_dir, "--canaries", truth, "--json")
    assert res.code == 0, res.err
    recs = json.loads(res.out)
    assert [r["repetitions"] for r in recs] == [0, 1, 3] and all(r["space_size"] == 1000 for r in recs)
    assert not any(c.canary in res.out for c in canaries)


def test_findings_with_data(cli: Any, gpt2_dir: str, tmp_path: Path) -> None:
    from sanitize.findings import write_findings
    from sanitize.types import Finding

    text = "Hi Bob, the wifi is down again and the door code is 482 until Friday."
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": "nothing here"}) + "\n" + json.dumps({"text": text}) + "\n")
    start = text.index("482")
    write_findings(tmp_path / "f.jsonl", [Finding(1, start, start + 3, "pin")])
    res = cli("exposure", "--base", gpt2_dir, "--findings", tmp_path / "f.jsonl", "--data", corpus, "--json")
    assert res.code == 0, res.err
    recs = json.loads(res.out)
    assert [r["context_kind"] for r in recs] == ["prefix", "training"]
    assert all(r["space"] == "digits:3" and r["doc"] == 1 and r["type"] == "pin" for r in recs)
    assert recs[0]["score"] != pytest.approx(recs[1]["score"])  # the context changes the score
    assert "482 " not in res.out
