"""``sanitize scan INPUT``: find every leaked secret in a corpus and write findings (never plaintext).

    sanitize scan corpus.jsonl --out findings.jsonl
    sanitize scan data/ --types password,credit_card --min-confidence 0.8 --exit-code 1
    sanitize scan corpus.jsonl --rules rules.toml --num-proc 1 --out findings.jsonl   # one process

Findings go to ``--out`` (JSONL, written atomically) or, without it, to stdout; a summary table per
type goes to stderr. Each finding has ``doc``, ``start``, ``end``, ``type``, ``detector``,
``confidence``, ``fingerprint`` (keyed hash) and ``preview`` (masked); the plaintext ``value`` is
written only with ``--reveal``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from . import add_corpus_arguments, corpus_options

MAX_AUTO_PROCS = 8  # --num-proc auto: each worker holds its own compiled scanner (~40 MB RSS)


def _num_proc(value: str) -> int:
    """``--num-proc``: a positive integer, or ``auto`` = the CPU cores this process may use (capped)."""
    if value == "auto":
        import os

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, min(cores, MAX_AUTO_PROCS))
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {n})")
    return n


def _type_list(values: list[str] | None) -> list[str]:
    return [t for v in values or [] for t in v.split(",") if t]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "scan",
        help="Find leaked secrets (cards, passwords, keys, tokens, PII) in a corpus.",
        description="Find every leaked secret in a corpus; write findings with spans and keyed "
        "fingerprints (never the plaintext unless --reveal).",
    )
    parser.add_argument("input", help="File, folder, dataset saved with save_to_disk, or hub dataset id.")
    add_corpus_arguments(parser)
    parser.add_argument("--out", default=None, help="Write findings here as JSONL (default: stdout).")
    parser.add_argument(
        "--rules", default=None, help="TOML file of custom rules (and an optional [allowlist])."
    )
    parser.add_argument(
        "--types", nargs="+", default=None, metavar="TYPE",
        help="Only these secret types (space- or comma-separated; default: all but ip_address).",
    )  # fmt: skip
    parser.add_argument("--exclude-types", nargs="+", default=None, metavar="TYPE", help="Never these types.")
    parser.add_argument(
        "--include-ip", action="store_true", help="Also report IPv4 addresses (off by default)."
    )
    parser.add_argument(
        "--min-confidence", type=float, default=0.0, help="Drop findings below this confidence (0..1)."
    )
    parser.add_argument(
        "--allowlist-regex", action="append", default=[], metavar="RE2",
        help="Drop findings whose value matches this RE2 regex (repeatable).",
    )  # fmt: skip
    parser.add_argument(
        "--allowlist-fingerprint", action="append", default=[], metavar="FP",
        help="Drop findings with this fingerprint (hmac-sha256:...; repeatable).",
    )  # fmt: skip
    parser.add_argument(
        "--num-proc", type=_num_proc, default="auto", metavar="N|auto",
        help="Worker processes scanning batches of documents (streamed: memory stays bounded; findings in "
        f"document order, identical to one process). auto (default): the usable CPU cores, at most {MAX_AUTO_PROCS}; "
        "a corpus of one batch (~0.5 MB) is scanned in this process whatever N is.",
    )  # fmt: skip
    parser.add_argument(
        "--exit-code", type=int, default=0, metavar="N",
        help="Exit with N when anything is found (default 0; e.g. 1 to fail a CI job, as gitleaks does).",
    )  # fmt: skip
    parser.add_argument(
        "--reveal", action="store_true",
        help="Also write each secret's plaintext as 'value' (the only way plaintext is ever written).",
    )  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..files import check_input_path, check_not_input, check_output_file, commit, os_error, stage_text
    from ..scanner import ScanConfig, get_scanner

    check_input_path(args.input)
    if args.out:  # before any work: a bad --out, or one that would overwrite an input, is refused
        check_output_file(args.out)
        check_not_input(args.out, {"input": args.input, "--rules": args.rules})
    config = ScanConfig(
        types=_type_list(args.types),
        exclude_types=_type_list(args.exclude_types),
        include_ip=args.include_ip,
        min_confidence=args.min_confidence,
        rules=args.rules,
        allowlist_regexes=args.allowlist_regex,
        allowlist_fingerprints=args.allowlist_fingerprint,
    )
    get_scanner(config)  # a bad rules file fails here, before any output
    started = time.perf_counter()
    stats = {"documents": 0, "characters": 0}
    tally = _Tally()
    found = _scan_streaming(args, config, stats)

    def write(fh: Any) -> None:  # findings are streamed to the file, never all held in memory
        for finding, value in found:
            tally.add(finding)
            record = finding.to_dict()
            if args.reveal:
                record["value"] = value
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    try:
        if args.out:  # a hidden 0600 temporary renamed into place: complete or absent
            commit([(stage_text(args.out, write, private=args.reveal), args.out)])
        else:
            write(sys.stdout)
    except OSError as exc:
        raise os_error(exc, "cannot read or write") from None
    _summary(tally, stats, time.perf_counter() - started, args.out)
    return args.exit_code if tally.total else 0


class _Tally:
    """Per-type finding and document counts for the summary (not the findings themselves)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.docs: dict[str, set[int]] = {}
        self.affected: set[int] = set()
        self.total = 0

    def add(self, finding: Any) -> None:
        self.total += 1
        self.counts[finding.type] += 1
        self.docs.setdefault(finding.type, set()).add(finding.doc)
        self.affected.add(finding.doc)


def _scan_streaming(
    args: argparse.Namespace, config: Any, stats: dict[str, int]
) -> Iterator[tuple[Any, str]]:
    from ..data import iter_documents
    from ..scanner import iter_scan

    bar = None
    if not args.no_progress and sys.stderr.isatty():  # tqdm is silent off a terminal: not even imported
        from tqdm import tqdm  # ~40 ms of imports (multiprocessing, importlib.metadata)

        bar = tqdm(desc="scanning", unit="char", unit_scale=True, file=sys.stderr, disable=None)

    def documents() -> Iterator[Any]:
        for d in iter_documents(args.input, **corpus_options(args)):
            stats["documents"] += 1
            stats["characters"] += len(d.text)
            if bar is not None:
                bar.update(len(d.text))
            yield d

    try:
        for finding, value in iter_scan(documents(), config, with_values=True, num_proc=args.num_proc):
            yield finding, (value if args.reveal else "")
    finally:
        if bar is not None:
            bar.close()


def _summary(tally: _Tally, stats: dict[str, int], elapsed: float, out: str | None) -> None:
    counts, docs = tally.counts, tally.docs
    err = sys.stderr
    width = max([len(t) for t in counts] + [5])
    print(f"{'type':<{width}}  {'findings':>8}  {'documents':>9}", file=err)
    for t in sorted(counts, key=lambda t: (-counts[t], t)):
        print(f"{t:<{width}}  {counts[t]:>8}  {len(docs[t]):>9}", file=err)
    print(f"{'total':<{width}}  {tally.total:>8}  {len(tally.affected):>9}", file=err)
    size = f", {stats['characters'] / 1e6:.1f} M characters" if stats["characters"] >= 0 else ""
    rate = (
        f" ({stats['characters'] / 1e6 / elapsed:.1f} M chars/s)"
        if stats["characters"] > 0 and elapsed > 0
        else ""
    )
    where = f"; findings written to {out}" if out else ""
    print(f"scanned {stats['documents']} documents{size} in {elapsed:.1f}s{rate}{where}", file=err)
