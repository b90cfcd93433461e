"""Atomic output directories: complete or absent, never partial, never over a result by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanitize.outdir import OutputDirError, atomic_output_dir, check_output_dir


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_success_renames_into_place(tmp_path: Path) -> None:
    out = tmp_path / "a" / "out"  # parents are created
    with atomic_output_dir(out) as tmp:
        assert tmp.parent == out.parent and tmp != out
        (tmp / "report.json").write_text("{}")
        assert not out.exists()  # nothing visible until the writer finishes
    assert (out / "report.json").read_text() == "{}"
    assert _siblings(out) == ["out"]  # no temporary left behind


def test_error_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"), atomic_output_dir(out) as tmp:
        (tmp / "half.bin").write_bytes(b"x")
        raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_non_empty_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(OutputDirError, match=r"out: directory exists and is not empty .*--overwrite"):
        check_output_dir(out)
    with pytest.raises(OutputDirError), atomic_output_dir(out):
        pass
    assert (out / "old.txt").read_text() == "old"
    with pytest.raises(ValueError), atomic_output_dir(out, overwrite=True) as tmp:  # failure keeps old
        (tmp / "new.txt").write_text("new")
        raise ValueError
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    with atomic_output_dir(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert _siblings(out) == ["out"]


def test_empty_existing_dir_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with atomic_output_dir(out) as tmp:
        (tmp / "x").write_text("1")
    assert (out / "x").read_text() == "1"


def test_unwritable_and_file_targets(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputDirError, match="exists and is not a directory"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(OutputDirError, match="is not a directory"):
        check_output_dir(tmp_path / "file" / "out")
    with pytest.raises(OutputDirError, match=r"/proc is not writable"):
        check_output_dir("/proc/sanitize-test-out")
