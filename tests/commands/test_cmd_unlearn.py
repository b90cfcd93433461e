"""`sanitize unlearn` refuses bad input with a message naming the problem, and writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import TINY_TEXTS


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, llama_dir: str) -> Path:
    from peft import LoraConfig, get_peft_model

    from sanitize.models import load_model

    root = tmp_path_factory.mktemp("unlearn-bad")
    (root / "train.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in TINY_TEXTS[:6]))
    (root / "empty.jsonl").write_text("")
    model, _ = load_model(llama_dir)
    get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"])).save_pretrained(root / "llama-adapter")
    return root


def _findings(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


CASES = {
    "span outside document": (["--findings", "OUTSIDE"], r"span 10:500 points outside document 2 \(\d+ characters\)"),
    "unknown doc index": (["--findings", "UNKNOWN"], r"unknown doc index 99 \(the corpus has 6 documents"),
    "adapter not matching base": (["--adapter", "ADAPTER"], r"adapter .* does not fit base model"),
    "empty corpus": (["--data", "EMPTY", "--findings", "UNKNOWN"], r"the corpus is empty"),
    "no findings": (["--findings", "NONE"], r"no findings in .*nothing to unlearn"),
    "bad findings line": (["--findings", "BADLINE"], r"bad\.jsonl:2: missing required field\(s\) end"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_non_zero_and_writes_nothing(case: str, work: Path, gpt2_dir: str, cli) -> None:  # type: ignore[no-untyped-def]
    extra, message = CASES[case]
    files = {
        "OUTSIDE": _findings(work / "outside.jsonl", {"doc": 2, "start": 10, "end": 500, "type": "password"}),
        "UNKNOWN": _findings(work / "unknown.jsonl", {"doc": 99, "start": 0, "end": 4, "type": "password"}),
        "NONE": _findings(work / "none.jsonl"),
        "BADLINE": _findings(
            work / "bad.jsonl",
            {"doc": 0, "start": 0, "end": 4, "type": "x"},
            {"doc": 0, "start": 1, "type": "x"},
        ),
        "ADAPTER": work / "llama-adapter",
        "EMPTY": work / "empty.jsonl",
    }
    out = work / f"out-{case.replace(' ', '-')}"
    argv = ["unlearn", "--base", gpt2_dir, "--data", work / "train.jsonl", "--out", out]
    argv += [files.get(a, a) for a in extra]
    if "--findings" not in extra and case != "no findings":
        argv += ["--findings", files["OUTSIDE"] if case != "adapter not matching base" else files["UNKNOWN"]]
    result = cli(*argv)
    assert result.code == 2, result.err
    assert result.err.startswith("error: ")
    assert re.search(message, result.err), result.err
    assert not out.exists()
    assert not [p for p in work.iterdir() if p.name.startswith(".out-")]  # no temporary left


def test_out_not_writable_or_not_empty(work: Path, gpt2_dir: str, cli) -> None:  # type: ignore[no-untyped-def]
    findings = _findings(work / "one.jsonl", {"doc": 2, "start": 0, "end": 2, "type": "password"})
    base = ["unlearn", "--base", gpt2_dir, "--data", work / "train.jsonl", "--findings", findings]
    result = cli(*base, "--out", "/proc/sanitize-out")
    assert result.code == 2 and "/proc is not writable" in result.err
    full = work / "full"
    full.mkdir()
    (full / "keep.txt").write_text("keep")
    result = cli(*base, "--out", full)
    assert result.code == 2 and "not empty" in result.err and "--overwrite" in result.err
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
