"""`sanitize scan`: --out never replaces an input, bad --out paths are refused before any work,
--reveal output is private (0600), and a FIFO input is named for what it is (issue 17)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SECRET = "Tr0ub4dor&3xyz"
CORPUS = json.dumps({"text": f"the wifi password is {SECRET} and the pin is 4821"}) + "\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "c.jsonl"
    path.write_text(CORPUS)
    return path


def _refused(res: Any, *words: str) -> None:
    assert res.code == 2, res.err
    assert res.err.startswith("error: ") and "Traceback" not in res.err
    for w in words:
        assert w in res.err, res.err


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if ".tmp" in p.name]


@pytest.mark.parametrize("out", ["same", "dot-same", "symlink", "hardlink", "in-folder", "new-in-folder"])
def test_out_that_is_or_lies_inside_an_input_is_refused(cli: Any, corpus: Path, out: str) -> None:
    folder = corpus.parent
    if out == "symlink":
        (folder.parent / "link.jsonl").symlink_to(corpus)
    if out == "hardlink":
        os.link(corpus, folder.parent / "hard.jsonl")
    source, target, words = {
        "same": (corpus, corpus, ("same file as input",)),
        "dot-same": (corpus, f"{folder}/./{corpus.name}", ("same file as input",)),
        "symlink": (corpus, folder.parent / "link.jsonl", ("same file as input",)),
        "hardlink": (folder, folder.parent / "hard.jsonl", ("hard link to a file in the input folder",)),
        "in-folder": (folder, corpus, ("inside the input folder",)),
        "new-in-folder": (folder, folder / "findings.jsonl", ("inside the input folder",)),
    }[out]
    res = cli("scan", source, "--out", target)
    _refused(res, "--out", str(target), *words)
    assert corpus.read_text() == CORPUS  # the input is untouched
    assert sorted(p.name for p in folder.iterdir()) == ["c.jsonl"]  # nothing written next to it


@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("{tmp}", "is a directory"),
        ("{tmp}/missing/findings.jsonl", "parent directory"),
        ("/proc/findings.jsonl", "cannot write in /proc"),
        ("/dev/null", "character device"),
        ("{corpus}/x.jsonl", "is not a directory"),
    ],
)
def test_out_that_cannot_be_a_file_is_refused_before_scanning(
    cli: Any, corpus: Path, tmp_path: Path, out: str, words: str
) -> None:
    target = out.format(tmp=tmp_path, corpus=corpus)
    res = cli("scan", corpus, "--out", target)
    _refused(res, f"--out {target}", words)
    assert corpus.read_text() == CORPUS


def test_reveal_output_is_private_and_plain_output_is_not(cli: Any, corpus: Path, tmp_path: Path) -> None:
    revealed, plain = tmp_path / "revealed.jsonl", tmp_path / "plain.jsonl"
    assert cli("scan", corpus, "--out", revealed, "--reveal").code == 0
    assert SECRET in revealed.read_text()
    assert revealed.stat().st_mode & 0o777 == 0o600
    res = cli("scan", corpus, "--out", plain)
    assert res.code == 0 and SECRET not in plain.read_text() + res.out + res.err
    umask = os.umask(0o022)
    os.umask(umask)
    assert plain.stat().st_mode & 0o777 == 0o666 & ~umask  # the usual mode for a file without plaintext
    plain.write_text("old")  # an existing world-readable target becomes 0600 when replaced by --reveal
    plain.chmod(0o644)
    assert cli("scan", corpus, "--out", plain, "--reveal").code == 0
    assert plain.stat().st_mode & 0o777 == 0o600
    _no_temporaries(tmp_path)


def test_failed_scan_leaves_neither_output_nor_temporary(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "ok"}\n{"text": "\xff\xfe broken"}\n')
    out = tmp_path / "out" / "f.jsonl"
    out.parent.mkdir()
    out.write_text("previous findings\n")
    res = cli("scan", bad, "--out", out)
    _refused(res, str(bad))
    assert out.read_text() == "previous findings\n"  # the old result is kept whole
    _no_temporaries(out.parent)


def test_fifo_input_is_named(cli: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for command in ("scan", "inspect"):
        _refused(cli(command, fifo), "FIFO", str(fifo))


def test_empty_corpus_with_num_proc(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = cli("scan", empty, "--num-proc", "2", "--out", tmp_path / "f.jsonl")
    assert res.code == 0, res.err
    assert (tmp_path / "f.jsonl").read_text() == "" and "scanned 0 documents" in res.err


def test_num_proc_auto_is_the_usable_cores_capped() -> None:
    import argparse

    from sanitize.commands.scan import MAX_AUTO_PROCS, _num_proc

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert _num_proc("auto") == max(1, min(cores, MAX_AUTO_PROCS))
    assert _num_proc("3") == 3
    for bad in ("0", "-2", "two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            _num_proc(bad)


@pytest.mark.parametrize("value", ["0", "many"])
def test_bad_num_proc_is_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str], corpus: Path, value: str
) -> None:
    from sanitize.cli import main

    with pytest.raises(SystemExit) as exit_info:  # argparse's usage error
        main(["scan", str(corpus), "--num-proc", value])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "error: argument --num-proc" in err and "Traceback" not in err, err


def test_default_num_proc_gives_the_one_process_findings_file(cli: Any, tmp_path: Path) -> None:
    """The default (auto) streams batches to workers when the corpus spans several: the same file."""
    from sanitize.scanner import BATCH_CHARS

    line = json.dumps({"text": f"user bob password is {SECRET} " + "filler words " * 400}) + "\n"
    path = tmp_path / "big.jsonl"
    path.write_text(line * (3 * BATCH_CHARS // len(line) + 1))  # three batches and a bit
    one, auto = tmp_path / "one.jsonl", tmp_path / "auto.jsonl"
    assert cli("scan", path, "--num-proc", "1", "--out", one).code == 0
    res = cli("scan", path, "--out", auto)
    assert res.code == 0, res.err
    assert auto.read_bytes() == one.read_bytes() and one.read_text().count("\n") > 3
