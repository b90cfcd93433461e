"""`sanitize canary insert`: the corpus and the ground truth never overwrite the input or each
other, the truth file is private (0600), and a failure leaves neither file (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CORPUS = "".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(5))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    path.write_text(CORPUS)
    return path


def _insert(cli: Any, source: Path, out: object, truth: object, *extra: str) -> Any:
    return cli("canary", "insert", source, "--out", out, "--truth", truth, "--space", "digits:4", *extra)


@pytest.mark.parametrize(
    ("out", "truth", "words"),
    [
        ("c.jsonl", "t.jsonl", "--out {d}/c.jsonl: is the same file as input"),
        ("o.jsonl", "c.jsonl", "--truth {d}/c.jsonl: is the same file as input"),
        ("o.jsonl", "o.jsonl", "--truth and --out name the same file"),
        ("o.jsonl", "./o.jsonl", "--truth and --out name the same file"),
        ("missing/o.jsonl", "t.jsonl", "--out {d}/missing/o.jsonl: parent directory"),
        ("o.jsonl", ".", "--truth {d}/.: is a directory"),
        ("o.jsonl", "/proc/t.jsonl", "--truth /proc/t.jsonl: cannot write in /proc"),
    ],
)
def test_bad_out_or_truth_is_refused_and_nothing_is_written(
    cli: Any, corpus: Path, tmp_path: Path, out: str, truth: str, words: str
) -> None:
    resolve = lambda p: p if p.startswith("/") else f"{tmp_path}/{p}"  # noqa: E731
    res = _insert(cli, corpus, resolve(out), resolve(truth))
    assert res.code == 2 and res.err.startswith("error: ") and "Traceback" not in res.err
    assert words.format(d=tmp_path) in res.err, res.err
    assert corpus.read_text() == CORPUS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]


def test_out_inside_an_input_folder_is_refused(cli: Any, corpus: Path, tmp_path: Path) -> None:
    res = _insert(cli, tmp_path, tmp_path / "o.jsonl", tmp_path.parent / "t.jsonl")
    assert res.code == 2 and "--out" in res.err and "inside the input folder" in res.err


def test_truth_is_private_and_written_with_the_corpus(cli: Any, corpus: Path, tmp_path: Path) -> None:
    out, truth = tmp_path / "o.jsonl", tmp_path / "t.jsonl"
    truth.write_text("old\n")
    truth.chmod(0o644)
    res = _insert(cli, corpus, out, truth, "--repetitions", "1", "2")
    assert res.code == 0, res.err
    assert truth.stat().st_mode & 0o777 == 0o600  # holds the canaries in plaintext
    canaries = [json.loads(line)["canary"] for line in truth.read_text().splitlines()]
    assert len(canaries) == 2 and not any(c in res.out + res.err for c in canaries)
    assert "0600" in res.err
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_failure_after_reading_leaves_no_file(cli: Any, corpus: Path, tmp_path: Path) -> None:
    out, truth = tmp_path / "o.jsonl", tmp_path / "t.jsonl"
    res = _insert(cli, corpus, out, truth, "--per-repetition", "5000")  # more canaries than digits:4 has
    assert res.code == 2 and "cannot sample" in res.err
    assert not out.exists() and not truth.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl"]
