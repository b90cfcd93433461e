"""Issue 17: a corpus is read completely or not at all, and leaves no plaintext copy behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sanitize.data import load_corpus, private_cache_dir
from sanitize.errors import CorpusError, SanitizeError

SECRET = "Tr0ub4dor&3-horse-battery"


def _corpus(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.jsonl").write_text(json.dumps({"text": f"password={SECRET}"}) + "\n")
    (root / "sub" / "b.jsonl").write_text(json.dumps({"text": "nothing here"}) + "\n")
    return root


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """As if ``denied`` had mode 000 (the tests run as root, who can read anything)."""
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(os.fsdecode(path)) == denied:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(denied))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("which", ["sub", "top"])
def test_an_unreadable_folder_is_an_error_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,
    which: str,  # type: ignore[no-untyped-def]
) -> None:
    root = _corpus(tmp_path / "corpus")
    denied = root / "sub" if which == "sub" else root
    _deny(monkeypatch, denied)
    with pytest.raises(CorpusError, match=f"{denied}: cannot read this corpus folder"):
        load_corpus(root)
    result = cli("scan", root)
    assert result.code == 2 and result.err.startswith("error: ") and str(denied) in result.err
    assert "Traceback" not in result.err


def test_a_fifo_is_named_for_what_it_is(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "corpus.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(CorpusError, match="is a FIFO"):
        load_corpus(fifo)
    result = cli("scan", fifo)
    assert result.code == 2 and "is a FIFO" in result.err and "no such file" not in result.err


def test_none_is_refused_at_the_boundary() -> None:
    with pytest.raises(SanitizeError, match="source is required"):
        load_corpus(None)


def test_the_arrow_copy_is_private_and_outside_the_shared_cache(tmp_path: Path) -> None:
    ds = load_corpus(_corpus(tmp_path / "corpus"))
    private = Path(private_cache_dir())
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert all(Path(f["filename"]).is_relative_to(private) for f in ds.cache_files)
    shared = Path(os.environ["HF_DATASETS_CACHE"])
    leaked = [p for p in shared.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []


LOAD = """
import sys
from sanitize.data import load_corpus, private_cache_dir
ds = load_corpus(sys.argv[1])
print(private_cache_dir(), flush=True)
assert len(ds) == 2
"""


def test_the_arrow_copy_is_removed_at_exit(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "corpus")
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_CACHE": str(tmp_path / "hf" / "ds")}
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    private = Path(done.stdout.strip())
    assert private.name.startswith("sanitize-corpus-") and not private.exists()
    copies = [p for p in (tmp_path / "hf").rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert copies == []
