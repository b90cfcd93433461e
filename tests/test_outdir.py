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


# -- issue 17: OUT is never an input; temporaries of killed runs do not stay -------------------------
def _inputs(tmp_path: Path) -> dict[str, Path]:
    base, adapter = tmp_path / "base", tmp_path / "adapter"
    for d in (base, adapter):
        d.mkdir()
        (d / "model.safetensors").write_bytes(b"weights")
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "x"}\n')
    return {"--base": base, "--adapter": adapter, "--data": data}


@pytest.mark.parametrize(
    ("where", "message"),
    [("--base", "same file as --base"), ("--adapter", "same file as --adapter"),
     ("--data", "same file as --data"), ("inside", "inside the --base folder"),
     ("parent", "contains --base"), ("link", "same file as --adapter")],
)  # fmt: skip
def test_out_over_an_input_is_refused_even_with_overwrite(tmp_path: Path, where: str, message: str) -> None:
    inputs = _inputs(tmp_path)
    (tmp_path / "link").symlink_to(inputs["--adapter"])
    out = {"inside": inputs["--base"] / "out", "parent": tmp_path, "link": tmp_path / "link"}.get(
        where, inputs.get(where)
    )
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(OutputDirError, match=message):
        check_output_dir(out, overwrite=True, inputs=inputs)
    with pytest.raises(OutputDirError, match=message), atomic_output_dir(out, overwrite=True, inputs=inputs):
        pass
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_stale_temporaries_of_the_same_out_are_removed(tmp_path: Path) -> None:
    import os

    out = tmp_path / "out"
    stale = tmp_path / ".out.tmp-abc12_x9"
    stale.mkdir()
    (stale / "adapter_model.safetensors").write_bytes(b"partial")
    os.utime(stale, (1, 1))  # older than this process
    fresh = tmp_path / ".out.tmp-zzzzzzzz"  # as if another run were writing right now
    fresh.mkdir()
    other = tmp_path / ".other.tmp-abcdefgh"  # another OUT's: not ours to remove
    other.mkdir()
    os.utime(other, (1, 1))
    lookalike = tmp_path / ".out.tmp-keep-this-one"  # not what mkdtemp makes
    lookalike.mkdir()
    os.utime(lookalike, (1, 1))
    with atomic_output_dir(out) as tmp:
        (tmp / "report.json").write_text("{}")
    assert not stale.exists()
    assert fresh.exists() and other.exists() and lookalike.exists()


def test_sigterm_removes_the_temporary(tmp_path: Path) -> None:
    import os
    import signal

    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc, atomic_output_dir(out) as tmp:
        (tmp / "adapter_model.safetensors").write_bytes(b"partial")
        os.kill(os.getpid(), signal.SIGTERM)
    assert exc.value.code == 143
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_temporary_is_private_until_complete(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:
        assert tmp.stat().st_mode & 0o077 == 0


KILLED = """
import sys, time
from pathlib import Path
from sanitize.data import load_corpus, private_cache_dir
from sanitize.files import sigterm_as_exit
from sanitize.outdir import atomic_output_dir
with sigterm_as_exit():
    load_corpus(sys.argv[1])
    with atomic_output_dir(sys.argv[2]) as tmp:
        (tmp / "adapter_model.safetensors").write_bytes(b"partial")
        print(private_cache_dir(), tmp, flush=True)
        time.sleep(120)
"""


def test_a_killed_run_leaves_no_temporary(tmp_path: Path) -> None:
    """SIGTERM while OUT is being written: neither OUT's temporary nor the corpus' Arrow copy stays."""
    import signal
    import subprocess
    import sys

    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "password=Tr0ub4dor&3-horse"}\n')
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(data), str(tmp_path / "out")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    private, tmp = map(Path, proc.stdout.readline().split())
    assert private.is_dir() and tmp.is_dir()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert not private.exists() and not tmp.exists() and not (tmp_path / "out").exists()
