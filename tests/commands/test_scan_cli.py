"""`sanitize scan`: findings file keys, exit codes, summary, --reveal, and no plaintext anywhere else."""

from __future__ import annotations

import json
from pathlib import Path

from sanitize.findings import read_findings

SECRETS = ["4539 1488 0343 6467", "hunter2x", "bob@example.org"]
RECORDS = [
    {"text": f"Please charge card {SECRETS[0]} for order 1182."},
    {"text": f"the wifi password is {SECRETS[1]}; mail {SECRETS[2]}"},
    {"text": f"again {SECRETS[0]}"},
    {"text": "nothing here"},
]
KEYS = {"doc", "start", "end", "type", "detector", "confidence", "fingerprint", "preview"}


def _corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def test_scan_writes_findings_without_plaintext(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "findings.jsonl"
    res = cli("scan", _corpus(tmp_path), "--out", out)
    assert res.code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [set(r) for r in rows] == [KEYS] * 4
    assert [(r["doc"], r["type"]) for r in rows] == [
        (0, "credit_card"),
        (1, "password"),
        (1, "email"),
        (2, "credit_card"),
    ]
    texts = [r["text"] for r in RECORDS]
    assert [texts[f.doc][f.start : f.end] for f in read_findings(out)] == [
        SECRETS[0],
        SECRETS[1],
        SECRETS[2],
        SECRETS[0],
    ]
    assert "credit_card" in res.err and "total" in res.err
    for secret in SECRETS:
        assert secret not in out.read_text() and secret not in res.err and secret not in res.out


def test_exit_code_types_and_stdout(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = _corpus(tmp_path)
    res = cli("scan", corpus, "--exit-code", "3", "--types", "email,password", "--no-progress")
    assert res.code == 3
    assert [json.loads(line)["type"] for line in res.out.splitlines()] == ["password", "email"]
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"text": "nothing here"}\n')
    assert cli("scan", clean, "--exit-code", "3").code == 0


def test_reveal_is_the_only_way_to_plaintext(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "f.jsonl"
    res = cli("scan", _corpus(tmp_path), "--out", out, "--reveal", "--num-proc", "2")
    assert res.code == 0
    assert [json.loads(line)["value"] for line in out.read_text().splitlines()] == [
        SECRETS[0],
        SECRETS[1],
        SECRETS[2],
        SECRETS[0],
    ]
    assert all(s not in res.err for s in SECRETS)


def test_bad_rules_file_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\nid = 'x'\nregex = '(a'\n")
    out = tmp_path / "f.jsonl"
    res = cli("scan", _corpus(tmp_path), "--rules", rules, "--out", out)
    assert res.code == 2 and "error:" in res.err and str(rules) in res.err and "rule 'x'" in res.err
    assert not out.exists()
    res = cli("scan", _corpus(tmp_path), "--types", "nope")
    assert res.code == 2 and "unknown type" in res.err


def test_scan_of_a_jsonl_file_imports_nothing_heavy(tmp_path: Path) -> None:
    """Startup is part of `sanitize scan`'s end-to-end speed: reading a JSONL file needs neither
    tqdm (off a terminal the bar is silent anyway) nor datasets, torch or transformers."""
    import subprocess
    import sys

    out = tmp_path / "findings.jsonl"
    code = (
        "import sys; from sanitize.cli import main; "
        f"rc = main(['scan', {str(_corpus(tmp_path))!r}, '--out', {str(out)!r}]); "
        "heavy = sorted(m for m in ('tqdm', 'datasets', 'torch', 'transformers', 'pyarrow') if m in sys.modules); "
        "print(rc, heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 []"
    assert len(read_findings(out)) == 4
