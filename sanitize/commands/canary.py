"""``sanitize canary insert INPUT --out corpus.jsonl --truth canaries.jsonl --space digits:6``.

Adds random canaries (Secret Sharer protocol) to a corpus: for each count k in ``--repetitions``,
``--per-repetition`` canaries drawn from ``--space`` are each inserted k times as their own record
``PREFIX + canary``. The new corpus (JSONL, ``text`` field) and the ground truth (JSONL, plaintext:
keep it private) go to separate files; nothing about the canaries is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..errors import SanitizeError
from . import add_corpus_arguments, corpus_options


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("canary", help="Insert random canaries into a corpus for an exposure audit.")
    actions = p.add_subparsers(dest="canary_command", metavar="ACTION", required=True)
    ins = actions.add_parser("insert", help="Insert canaries; write the corpus and the ground truth apart.")
    ins.add_argument("input", help="Corpus file, folder or saved dataset.")
    add_corpus_arguments(ins)
    ins.add_argument("--out", required=True, help="Output corpus (JSONL with a 'text' field).")
    ins.add_argument(
        "--truth", required=True, help="Ground-truth file (JSONL; holds the canaries in plaintext)."
    )
    ins.add_argument("--space", default="digits:6", help="Candidate space the canaries are drawn from.")
    ins.add_argument("--repetitions", type=int, nargs="+", default=[1, 4, 16],
                     help="Insertion counts; 0 makes an uninserted control canary.")  # fmt: skip
    ins.add_argument("--per-repetition", type=int, default=1, help="Canaries per insertion count.")
    ins.add_argument("--prefix", default="my secret number is ", help="Text before each canary.")
    ins.add_argument("--seed", type=int, default=0, help="Seed for canaries and positions.")
    return p


def _jsonl(rows: list[dict[str, Any]]) -> Callable[[TextIO], None]:
    def write(fh: TextIO) -> None:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write


def run(args: argparse.Namespace) -> int:
    from .. import files
    from ..data import iter_documents
    from ..exposure.canaries import insert_canaries, stage_canaries

    files.check_input_path(args.input)
    for flag, path in (("--out", args.out), ("--truth", args.truth)):
        files.check_output_file(path, flag)
        files.check_not_input(path, {"input": args.input}, flag)
    files.check_distinct({"--out": args.out, "--truth": args.truth})
    if args.per_repetition < 1:
        raise SanitizeError("--per-repetition must be >= 1")
    try:
        texts = [d.text for d in iter_documents(args.input, **corpus_options(args))]
    except OSError as exc:
        raise files.os_error(exc) from None
    new_texts, canaries = insert_canaries(
        texts, args.space, repetitions=args.repetitions, per_repetition=args.per_repetition,
        prefix=args.prefix, seed=args.seed,
    )  # fmt: skip
    # both files are staged first and renamed together: never a truth file without its corpus
    truth = stage_canaries(args.truth, canaries)  # 0600: it holds the canaries in plaintext
    try:
        out = files.stage_text(args.out, _jsonl([{"text": t} for t in new_texts]))
    except BaseException:
        files.discard([truth])
        raise
    files.commit([(out, args.out), (truth, args.truth)])
    print(
        f"inserted {len(canaries)} canaries ({sum(c.repetitions for c in canaries)} records) into "
        f"{len(texts)} documents -> {args.out} ({len(new_texts)} documents); ground truth -> {args.truth} "
        "(mode 0600: keep it private)",
        file=sys.stderr,
    )
    return 0
