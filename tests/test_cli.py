"""The command line surface: help, version, subcommand registry, error exit codes, lazy torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sanitize import __version__
from sanitize.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)


def test_version_and_help(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    proc = _run("-m", "sanitize", "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"sanitize {__version__}"
    proc = _run("-m", "sanitize", "--help")
    assert proc.returncode == 0
    for name in COMMANDS:
        assert name in proc.stdout
    assert cli().code == 2  # no subcommand: usage on stderr, non-zero


def test_unknown_subcommand_exits_non_zero() -> None:
    proc = _run("-m", "sanitize", "frobnicate")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_cli_startup_does_not_import_torch() -> None:
    code = "import sys; from sanitize.cli import make_parser; make_parser(); import sanitize; print('torch' in sys.modules)"
    proc = _run("-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_scan_command_loads_only_its_own_parser(tmp_path) -> None:
    """`sanitize scan` builds only its subcommand: the unlearning stack (numpy, pairs, exposure)
    stays unimported, so a scan starts fast; `sanitize --help` still lists every command."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "password: Tr0ub4dor&3xyz"}\n')
    code = (
        "import sys; from sanitize.cli import main; "
        f"rc = main(['scan', {str(corpus)!r}, '--out', {str(tmp_path / 'f.jsonl')!r}]); "
        "print(rc, sorted(m for m in ('numpy', 'sanitize.pairs', 'sanitize.exposure') if m in sys.modules))"
    )
    proc = _run("-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[-2] == "0 []"
    assert (tmp_path / "f.jsonl").read_text().count('"password"') == 1


def test_public_api_resolves() -> None:
    import sanitize

    assert set(sanitize.__all__) == {"__version__", *sanitize._EXPORTS}
    for name in sanitize.__all__:
        assert getattr(sanitize, name) is not None
