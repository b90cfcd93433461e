"""sanitize.files: atomic private writes, cleanup on failure, input/output path checks (issue 17)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sanitize.errors import SanitizeError
from sanitize.files import (
    OutputFileError,
    atomic_write_text,
    check_input_path,
    check_not_input,
    check_utf8_lines,
    commit,
    stage_text,
)


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def test_private_write_is_0600_and_atomic(tmp_path: Path) -> None:
    target = tmp_path / "truth.jsonl"
    target.write_text("old\n")
    target.chmod(0o644)
    atomic_write_text(target, lambda fh: fh.write("new\n"), private=True)
    assert target.read_text() == "new\n" and target.stat().st_mode & 0o777 == 0o600
    assert _temporaries(tmp_path) == []


def test_a_failing_writer_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "findings.jsonl"
    target.write_text("old\n")

    def boom(fh: object) -> None:
        fh.write("half")  # type: ignore[attr-defined]
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write_text(target, boom)
    assert target.read_text() == "old\n" and _temporaries(tmp_path) == []


def test_commit_failure_removes_the_temporaries_not_yet_renamed(tmp_path: Path) -> None:
    a = stage_text(tmp_path / "a.jsonl", lambda fh: fh.write("a"))
    b = stage_text(tmp_path / "b.jsonl", lambda fh: fh.write("b"))
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x").write_text("")  # a non-empty directory cannot be replaced by a file
    with pytest.raises(OutputFileError, match="dir: cannot be written"):
        commit([(a, tmp_path / "dir"), (b, tmp_path / "b.jsonl")])
    assert _temporaries(tmp_path) == [] and not (tmp_path / "b.jsonl").exists()


def test_out_containing_an_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.jsonl").write_text("{}\n")
    with pytest.raises(OutputFileError, match="contains input"):
        check_not_input(tmp_path, {"input": tmp_path / "in" / "c.jsonl"})
    check_not_input(tmp_path / "out.jsonl", {"input": tmp_path / "in", "--rules": None, "hub": "user/ds"})


def test_input_kinds_and_utf8_lines(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(SanitizeError, match=r"--data .*pipe: is a FIFO"):
        check_input_path(fifo, "--data")
    check_input_path(tmp_path / "missing")  # left to the reader, which says "no such file"
    bad = tmp_path / "f.jsonl"
    bad.write_bytes(b'{}\n{}\n{"x": "\xc3"}\n')
    with pytest.raises(SanitizeError, match=r"f\.jsonl:3: findings file is not valid UTF-8"):
        check_utf8_lines(bad, "findings")
