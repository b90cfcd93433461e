"""`sanitize unlearn` end to end on a tiny LoRA model with planted secrets: OUT is complete, holds no
plaintext, and the adapter reloads in a fresh process with the reported exposure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_setup import tiny_setup

ROOT = Path(__file__).resolve().parents[2]

RELOAD = r"""
import json, sys
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer
from sanitize.exposure.config import ExposureConfig
from sanitize.pipeline import training_exposures
from sanitize.types import Finding
base, out, data = sys.argv[1:4]
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, attn_implementation="eager"), out)
tok = AutoTokenizer.from_pretrained(out)
report = json.load(open(f"{out}/report.json"))
texts = [json.loads(line)["text"] for line in open(data)]
rows = report["secrets"]
findings = [Finding(r["doc"], r["start"], r["end"], r["type"]) for r in rows]
config = ExposureConfig.from_dict(report["config"]["exposure"])
budget = report["config"]["pipeline"]["verify_budget"]  # the same candidates as verification drew
print(json.dumps([r.exposure for r in training_exposures(model.eval(), tok, texts, findings, config, budget=budget)]))
"""


@pytest.fixture(scope="module")
def unlearned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from sanitize.cli import main
    from sanitize.findings import write_findings
    from sanitize.scanner import scan

    setup = tiny_setup(tmp_path_factory)
    root = tmp_path_factory.mktemp("unlearn")
    data = root / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in setup.corpus.texts))
    held = root / "heldout.jsonl"
    held.write_text("".join(json.dumps({"text": t}) + "\n" for t in setup.corpus.heldout))
    findings = scan(setup.corpus.texts)
    write_findings(root / "findings.jsonl", findings)
    (root / "cfg.yaml").write_text(
        "update: {curvature_samples: 16, max_iter: 5}\nexposure: {sample_size: 100, bootstrap: 0}\n"
        "pipeline: {verify_max_secrets: 2}\n"
    )
    out = root / "out"
    argv = ["unlearn", "--base", setup.base, "--adapter", setup.adapter, "--data", data, "--heldout", held,
            "--findings", root / "findings.jsonl", "--max-length", "128", "--config", root / "cfg.yaml",
            "--out", out]  # fmt: skip
    code = main([str(a) for a in argv])
    return {"code": code, "out": out, "data": data, "setup": setup, "findings": findings}


def test_out_is_complete_and_has_no_plaintext(unlearned: dict[str, object], capsys) -> None:  # type: ignore[no-untyped-def]
    assert unlearned["code"] == 0
    out = unlearned["out"]
    assert isinstance(out, Path)
    names = {p.name for p in out.iterdir()}
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "report.json",
                 "report.md", "exposure.png", "sanitize_config.json", "findings.jsonl"):  # fmt: skip
        assert name in names, name
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out")]
    setup = unlearned["setup"]
    secrets = [s.value for s in setup.corpus.secrets]  # type: ignore[attr-defined]
    assert len(unlearned["findings"]) == sum(len(s.spans) for s in setup.corpus.secrets)  # type: ignore[attr-defined]
    for path in out.rglob("*"):
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"plaintext secret in {path.name}"
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["scope"] == "adapter" and report["meta"]["findings"] == 8
    assert len(report["secrets"]) == 2  # one verified occurrence per distinct secret
    config = json.loads((out / "sanitize_config.json").read_text())
    assert config["update"]["curvature_samples"] == 16 and config["pairs"]["max_length"] == 128
    for row in report["secrets"]:
        assert row["exposure_before"] is not None and row["exposure_after"] is not None
        assert row["max_exposure"] > row["exposure_before"] - 1.0
    assert report["heldout_perplexity"]["before"] > 1.0


def test_adapter_reloads_in_fresh_process_with_reported_exposure(unlearned: dict[str, object]) -> None:
    out, setup = unlearned["out"], unlearned["setup"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", RELOAD, setup.base, str(out), str(unlearned["data"])],  # type: ignore[attr-defined]
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    reloaded = json.loads(proc.stdout.strip().splitlines()[-1])
    report = json.loads((out / "report.json").read_text())  # type: ignore[operator]
    assert reloaded == pytest.approx([r["exposure_after"] for r in report["secrets"]], abs=1e-3)
    # and the update did change the model: the reloaded adapter is not the fine-tuned one
    assert reloaded != pytest.approx([r["exposure_before"] for r in report["secrets"]], abs=1e-6)


def test_head_scope_writes_a_full_model(unlearned: dict[str, object], tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from sanitize.cli import main

    setup = unlearned["setup"]
    out = tmp_path / "head"
    # this checks how a head-scope result is written; on the tiny un-fine-tuned base the step control
    # (rightly) refuses any step within 1% held-out perplexity, so the tolerance is opened here
    (tmp_path / "loose.yaml").write_text("update: {heldout_tol: 10.0, curvature_samples: 8, max_iter: 3}\n")
    argv = ["unlearn", "--base", setup.base, "--config", tmp_path / "loose.yaml", "--data", unlearned["data"],  # type: ignore[attr-defined]
            "--findings", Path(str(unlearned["data"])).with_name("findings.jsonl"), "--max-length", "128",
            "--no-verify", "--out", out]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    model = AutoModelForCausalLM.from_pretrained(out)
    base = AutoModelForCausalLM.from_pretrained(setup.base)  # type: ignore[attr-defined]
    assert not torch.equal(model.lm_head.weight, base.lm_head.weight)  # the head moved ...
    torch.testing.assert_close(
        model.transformer.wte.weight, base.transformer.wte.weight
    )  # ... embeddings did not
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["scope"] == "head" and report["meta"]["head_untied"] is True
