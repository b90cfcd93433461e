"""Generated CLI invocations (hypothesis) of ``scan``, ``inspect``, ``exposure``, ``canary insert`` and
``unlearn`` (its failure paths: broken models, outputs over inputs, bad findings and flags) over
random corpora (JSONL/CSV/TXT, random bytes, invalid UTF-8, planted secrets), random flags and
output paths (the input itself, inside the input folder, a missing parent, a directory, /proc).

Every run must: exit 0 or 2 (2 with an ``error:`` line), print no traceback, write no plaintext of a
planted secret (whole, or the middle a preview hides) to stdout, stderr, the log or an output file
unless ``--reveal``, leave every input byte-identical and leave no temporary file behind (issue 17).
The CLI runs in-process; ``exposure`` loads a model only for the saved tiny GPT-2, on tiny spaces.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanitize.cli import main

# secrets the detectors find (a password, a card, an AWS key id) and one they may not
PLANTED = (
    "Tr0ub4dor&3xyz",
    "4539 1488 0343 6467",
    "AKIAQYLPMN5HHHFPZAM2",
    "ghp_R4nd0mT0k3nV4lu3Xq9Lm2Pz8Wc7Vb6Na",
)
CONTEXTS = ("password: {}", "card {} ok", "key={}", "token {} here", "{}")
FILLER = ("hello world", "the door is open", "a,b,c", '"quoted"', "tab\there", "ünïcödé", "")

piece = st.one_of(
    st.sampled_from(FILLER),
    st.builds(lambda c, s: c.format(s), st.sampled_from(CONTEXTS), st.sampled_from(PLANTED)),
    st.text(max_size=20),
)
document = st.lists(piece, min_size=0, max_size=4).map(" ".join)
junk = st.one_of(st.binary(max_size=40), st.just(b"\xff\xfe\x80 invalid utf-8"), st.just(b""))


@st.composite
def corpus_files(draw: Any) -> list[tuple[str, bytes]]:
    """1-2 files: ``(name, content)``, each JSONL, CSV or TXT, sometimes with junk bytes inside."""
    files = []
    for i in range(draw(st.integers(1, 2))):
        fmt = draw(st.sampled_from(["jsonl", "csv", "txt"]))
        docs = draw(st.lists(document, min_size=0, max_size=4))
        if fmt == "jsonl":
            field = draw(st.sampled_from(["text", "content"]))
            data = "".join(
                json.dumps({field: d}, ensure_ascii=draw(st.booleans())) + "\n" for d in docs
            ).encode()
        elif fmt == "csv":
            data = ("text\n" + "".join('"' + d.replace('"', '""') + '"\n' for d in docs)).encode()
        else:
            data = "\n".join(docs).encode()
        if draw(st.integers(0, 3)) == 0:
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(junk) + data[at:]
        files.append((f"part{i}.{fmt}", data))
    return files


OUT_KINDS = ("good", "input", "inside-input", "missing-parent", "directory", "proc", "none")


def _path(kind: str, root: Path, source: Path, name: str) -> str | None:
    return {
        "good": str(root / "out" / name),
        "input": str(
            next(p for p in sorted(source.rglob("*")) if p.is_file()) if source.is_dir() else source
        ),
        "inside-input": str((source if source.is_dir() else source.parent) / name),
        "missing-parent": str(root / "missing" / name),
        "directory": str(root / "out"),
        "proc": f"/proc/{name}",
        "none": None,
    }[kind]


corpus_flags = st.lists(
    st.sampled_from([
        ["--text-field", "content"], ["--text-field", "nope"], ["--split-text", "lines"],
        ["--split-text", "paragraphs"], ["--encoding-errors", "replace"], ["--encoding-errors", "bogus"],
    ]),
    max_size=2,
).map(lambda xs: [a for x in xs for a in x])  # fmt: skip


@st.composite
def invocation(draw: Any) -> dict[str, Any]:
    command = draw(st.sampled_from(["scan", "scan", "inspect", "exposure", "exposure", "canary"]))
    inv: dict[str, Any] = {"command": command, "files": draw(corpus_files()), "folder": draw(st.booleans())}
    inv["corpus_flags"] = draw(corpus_flags)
    inv["out"] = draw(st.sampled_from(("good",) * 6 + OUT_KINDS))
    inv["out2"] = draw(st.sampled_from(("good",) * 6 + OUT_KINDS[:-1]))
    inv["reveal"] = draw(st.booleans())
    if command == "scan":
        inv["extra"] = draw(st.lists(st.sampled_from([
            ["--types", "password,credit_card"], ["--types", "password", "credit_card", "aws_access_key_id"], ["--types", "nonsense"], ["--min-confidence", "0.95"],
            ["--min-confidence", "7"], ["--num-proc", "0"], ["--include-ip"], ["--exit-code", "0"],
            ["--allowlist-regex", "("], ["--exclude-types", "password"],
        ]), max_size=2))  # fmt: skip
    elif command == "exposure":
        inv["mode"] = draw(st.sampled_from(["model", "secret", "canaries", "findings"]))
        inv["secret"] = draw(st.sampled_from(["1234", "hunter2", "4539 1488 0343 6467", "", "1" * 40, "QZ"]))
        inv["space"] = draw(
            st.sampled_from(
                ["digits:4", "digits:40", "upper:2", "pattern:dddd", "list:QZ,AB", "bogus", "luhn:d"]
            )
        )
        inv["method"] = draw(st.sampled_from(["auto", "exact", "extrapolated"]))
        inv["side_file"] = draw(st.one_of(junk, st.sampled_from([
            b'{"doc": 0, "start": 0, "end": 4, "type": "pin"}\n',
            b'{"canary": "1234", "space": "digits:4", "repetitions": 1}\n',
            b'{"canary": "1234", "space": "digits:4", "docs": "x"}\n', b"[1, 2]\n",
        ])))  # fmt: skip
    elif command == "canary":
        inv["extra"] = draw(st.lists(st.sampled_from([
            ["--space", "digits:3"], ["--space", "digits:1"], ["--space", "nope"], ["--repetitions", "0", "2"],
            ["--repetitions", "-1"], ["--per-repetition", "0"], ["--per-repetition", "3"], ["--seed", "5"],
        ]), max_size=2))  # fmt: skip
    return inv


def _argv(inv: dict[str, Any], root: Path, source: Path, model_dir: str) -> tuple[list[str], list[Path]]:
    """The command line, and the output files it may write (checked for plaintext)."""
    out = _path(inv["out"], root, source, "o.jsonl")
    cmd = inv["command"]
    if cmd == "scan":
        argv = ["scan", str(source), *inv["corpus_flags"], *[a for x in inv["extra"] for a in x]]
        argv += ["--out", out] if out else []
        argv += ["--reveal"] if inv["reveal"] else []
        return argv, [Path(out)] if out else []
    if cmd == "inspect":
        return ["inspect", str(source), *inv["corpus_flags"], *(["--json"] if inv["reveal"] else [])], []
    if cmd == "canary":
        truth = _path(inv["out2"], root, source, "truth.jsonl")
        argv = [
            "canary",
            "insert",
            str(source),
            "--out",
            out or str(root / "out" / "c.jsonl"),
            "--truth",
            str(truth),
        ]
        return argv + inv["corpus_flags"] + [a for x in inv["extra"] for a in x], [Path(str(truth))]
    side = root / "side" / "side.jsonl"
    side.write_bytes(inv["side_file"])
    plot = _path(inv["out"], root, source, "p.png")
    base = model_dir if inv["mode"] == "model" else str(root / "no-model")
    argv = [
        "exposure",
        "--base",
        base,
        "--method",
        inv["method"],
        "--json",
        "--sample-size",
        "50",
        "--bootstrap",
        "0",
    ]
    if inv["mode"] in ("secret", "model"):
        model = inv["mode"] == "model"  # a real run on the tiny model: 676 candidates
        argv += [
            "--secret",
            "QZ" if model else inv["secret"],
            "--space",
            "upper:2" if model else inv["space"],
        ]
    elif inv["mode"] == "canaries":
        argv += ["--canaries", str(side)]
    else:
        argv += ["--findings", str(side), "--data", str(source), *inv["corpus_flags"]]
    argv += ["--plot", plot] if plot else []
    argv += ["--reveal"] if inv["reveal"] else []
    return argv, [Path(plot)] if plot else []


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err, log = io.StringIO(), io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse rejects a flag
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        logging.getLogger().removeHandler(handler)
    return code, out.getvalue(), err.getvalue() + log.getvalue()


def _forms(secret: str) -> list[str]:
    """The secret and what a masked preview never shows (its middle), with separators or without."""
    forms = [secret, secret.replace(" ", "")]
    if len(secret) >= 12:
        forms += [secret[4:-4], secret.replace(" ", "")[4:-4]]
    return forms


@pytest.fixture(scope="module")
def model_dir(gpt2_dir: str) -> str:
    return gpt2_dir


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=invocation())
def test_cli_fuzz(model_dir: str, inv: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="sanitize-fuzz-") as tmp:
        root = Path(tmp)
        for d in ("in", "out", "side"):
            (root / d).mkdir()
        for name, data in inv["files"]:
            (root / "in" / name).write_bytes(data)
        source = root / "in" if inv["folder"] else root / "in" / inv["files"][0][0]
        argv, outputs = _argv(inv, root, source, model_dir)
        before = {d: _snapshot(root / d) for d in ("in", "side")}

        code, out, err = _run(argv)

        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in out + err, (argv, err)
        if code == 2:
            assert "error:" in err, (argv, err)
        after = {d: _snapshot(root / d) for d in ("in", "side")}
        if inv["folder"]:  # a folder input gains no file either
            assert after == before, argv
        else:  # a sibling of a file input may be an output
            assert all(after["in"].get(k) == v for k, v in before["in"].items()), argv
            assert after["side"] == before["side"], argv
        for folder in (root, root / "in", root / "out", root / "side"):
            leftovers = [p.name for p in folder.iterdir() if ".tmp" in p.name]
            assert not leftovers, (argv, leftovers)
        if not inv["reveal"]:
            shown = out + err
            for path in outputs:
                if path.is_file() and path.resolve().parent != Path("/proc"):
                    shown += path.read_bytes().decode("utf-8", "replace")
            for secret in PLANTED:
                for form in _forms(secret):
                    assert form not in shown, (argv, form)
        if code == 0 and inv["command"] == "canary":
            truth = Path(argv[argv.index("--truth") + 1])
            assert truth.stat().st_mode & 0o777 == 0o600


# -- sanitize unlearn: the cheap failure paths (and, when everything is valid, a fast real run) -------
BASE_KINDS = ("good", "good", "missing", "empty-weights", "truncated-weights", "no-tokenizer")
UNLEARN_OUTS = ("good", "good", "base", "inside-base", "data", "around-data", "directory-full", "proc")


SIDE_FILES = (
    b'{"doc": 0, "start": 0, "end": 4, "type": "pin"}\n',
    b'{"doc": 99, "start": 0, "end": 4, "type": "x"}\n',
    b'{"doc": 0, "start": 5, "end": 2, "type": "x"}\n',
    b"[1, 2]\n",
)
UNLEARN_FLAGS = (
    ["--mode", "packed"], ["--max-length", "0"], ["--scope", "params"], ["--update.l2", "-1"],
    ["--pipeline.heldout_fraction", "2"], ["--text-field", "nope"],
)  # fmt: skip


@st.composite
def unlearn_invocation(draw: Any) -> dict[str, Any]:
    return {
        "files": draw(corpus_files()),
        "base": draw(st.sampled_from(BASE_KINDS)),
        "out": draw(st.sampled_from(UNLEARN_OUTS)),
        "overwrite": draw(st.booleans()),
        "source": draw(st.sampled_from(["secret", "findings", "scan"])),
        "secret": draw(st.sampled_from(["Tr0ub4dor&3xyz", "4539 1488 0343 6467", "", "absent-secret"])),
        "side_file": draw(st.one_of(junk, st.sampled_from(SIDE_FILES))),
        "extra": draw(st.lists(st.sampled_from(UNLEARN_FLAGS), max_size=1)),
    }


def _unlearn_base(kind: str, root: Path, model_dir: str) -> Path:
    import shutil

    base = root / "base"
    if kind == "missing":
        return base
    ignore = shutil.ignore_patterns("tokenizer*") if kind == "no-tokenizer" else None
    shutil.copytree(model_dir, base, ignore=ignore)
    weights = base / "model.safetensors"
    if kind == "empty-weights":
        weights.write_bytes(b"")
    elif kind == "truncated-weights":
        weights.write_bytes(weights.read_bytes()[:-64])
    return base


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=unlearn_invocation())
def test_unlearn_fuzz(model_dir: str, inv: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="sanitize-fuzz-") as tmp:
        root = Path(tmp)
        for d in ("in", "side"):
            (root / d).mkdir()
        for name, data in inv["files"]:
            (root / "in" / name).write_bytes(data)
        base = _unlearn_base(inv["base"], root, model_dir)
        (root / "side" / "f.jsonl").write_bytes(inv["side_file"])
        (root / "side" / "cfg.yaml").write_text(
            "update: {curvature_samples: 2, max_iter: 1}\npipeline: {verify: false, plots: false}\n"
        )
        full = root / "full"
        full.mkdir()
        (full / "keep.txt").write_text("keep")
        out = {
            "good": root / "out", "base": base, "inside-base": base / "out", "data": root / "in",
            "around-data": root, "directory-full": full, "proc": Path("/proc/sanitize-out"),
        }[inv["out"]]  # fmt: skip
        argv = ["unlearn", "--base", str(base), "--data", str(root / "in"), "--out", str(out)]
        argv += ["--config", str(root / "side" / "cfg.yaml"), *[a for x in inv["extra"] for a in x]]
        argv += ["--overwrite"] if inv["overwrite"] else []
        if inv["source"] == "secret":
            argv += ["--secret", inv["secret"]]
        elif inv["source"] == "findings":
            argv += ["--findings", str(root / "side" / "f.jsonl")]
        watched = ("in", "side", "base", "full")
        before = {d: _snapshot(root / d) for d in watched if (root / d).exists()}

        code, stdout, err = _run(argv)

        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in stdout + err, (argv, err)
        if code == 2:
            assert "error:" in err, (argv, err)
        assert {d: _snapshot(root / d) for d in before} == before, argv  # inputs untouched
        leftovers = [p.name for p in root.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]
        assert not leftovers, (argv, leftovers)
        shown = stdout + err
        if code == 0:
            for p in out.rglob("*"):
                if p.suffix in (".json", ".jsonl", ".md") and not p.name.startswith("tokenizer"):
                    shown += p.read_text(encoding="utf-8", errors="replace")
        for secret in PLANTED:
            for form in _forms(secret):
                assert form not in shown, (argv, form)
