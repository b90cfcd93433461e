"""Issue 17: ``sanitize unlearn`` never writes over its inputs, handles documents longer than the
model's context, and refuses bad API arguments by name."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from sanitize.pipeline import PipelineError, prepare, sanitize_model

FAST = "update: {curvature_samples: 4, max_iter: 2}\npipeline: {verify: false, plots: false}\n"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def inputs(tmp_path: Path, gpt2_dir: str) -> dict[str, Path]:
    from peft import LoraConfig, get_peft_model

    from sanitize.models import load_model

    base = tmp_path / "base"
    shutil.copytree(gpt2_dir, base)
    model, _ = load_model(base)
    get_peft_model(model, LoraConfig(r=2, target_modules=["c_attn"])).save_pretrained(tmp_path / "adapter")
    data = tmp_path / "data" / "train.jsonl"
    data.parent.mkdir()
    data.write_text(
        "".join(json.dumps({"text": f"doc {i}: the door code is 4821."}) + "\n" for i in range(4))
    )
    (tmp_path / "cfg.yaml").write_text(FAST)
    return {"base": base, "adapter": tmp_path / "adapter", "data": data, "cfg": tmp_path / "cfg.yaml"}


@pytest.mark.parametrize(
    ("out", "message"),
    [("base", "same file as --base"), ("adapter", "same file as --adapter"),
     ("data", "same file as --data"), ("base/sub", "inside the --base folder"),
     ("adapter/out", "inside the --adapter folder"), ("data_dir", "contains --data"), ("root", "contains --base")],
)  # fmt: skip
def test_out_over_an_input_is_refused_with_overwrite(
    inputs: dict[str, Path],
    tmp_path: Path,
    cli,
    out: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    target = {"data": inputs["data"], "data_dir": inputs["data"].parent, "root": tmp_path}.get(
        out, tmp_path / out
    )
    before = _digest(tmp_path)
    result = cli(
        "unlearn", "--base", inputs["base"], "--adapter", inputs["adapter"], "--data", inputs["data"],
        "--secret", "4821", "--config", inputs["cfg"], "--out", target, "--overwrite",
    )  # fmt: skip
    assert result.code == 2, result.err
    assert result.err.startswith("error: ") and message in result.err and "Traceback" not in result.err
    assert _digest(tmp_path) == before  # nothing deleted, nothing written


def test_a_document_longer_than_the_context_is_truncated_as_training_did(
    inputs: dict[str, Path],
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    long = "the door code is 4821. " + "lorem ipsum dolor sit amet " * 400  # >> 256 positions
    texts = [long, "short 4821", "nothing to see", "the rabbit took a watch out of its pocket"]
    inputs["data"].write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    out = tmp_path / "out"
    result = cli(
        "unlearn", "--base", inputs["base"], "--adapter", inputs["adapter"], "--data", inputs["data"],
        "--secret", "4821", "--config", inputs["cfg"], "--out", out, "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    config = json.loads((out / "sanitize_config.json").read_text())
    assert config["pairs"]["max_length"] == 256  # min(--max-length 1024, the model's 256 positions)
    packed = cli(
        "unlearn", "--base", inputs["base"], "--adapter", inputs["adapter"], "--data", inputs["data"],
        "--secret", "4821", "--config", inputs["cfg"], "--out", tmp_path / "out2", "--mode", "packed",
    )  # fmt: skip
    assert (
        packed.code == 2 and "block_size 1024 is longer than the model's context (256 tokens)" in packed.err
    )


def test_api_arguments_are_checked_by_name(tmp_path: Path) -> None:
    texts = ["my pin is 4821"]
    cases = [
        (lambda: sanitize_model(None, texts, None), "base: a model directory"),  # type: ignore[arg-type]
        (lambda: sanitize_model("m", None, None), "data: the training data is required"),  # type: ignore[arg-type]
        (lambda: prepare(None, texts), "base: a model directory"),  # type: ignore[arg-type]
        (lambda: prepare("m", 42), "data: expected a path"),  # type: ignore[arg-type]
        (lambda: prepare("m", texts, adapter=3), "adapter: expected a directory path"),  # type: ignore[arg-type]
        (lambda: prepare("m", texts, findings=[1, 2]), "findings: expected a findings JSONL path"),  # type: ignore[list-item]
        (lambda: sanitize_model("m", texts, 42), "output: a directory path is required"),  # type: ignore[arg-type]
    ]
    for call, message in cases:
        with pytest.raises(PipelineError if "output" not in message else Exception, match=message):
            call()
