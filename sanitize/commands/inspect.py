"""``sanitize inspect INPUT``: read a corpus exactly as the other commands will, and summarise it.

Useful to check a source before a scan: which files, how many documents, how much text. Prints
counts only, never document text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from . import add_corpus_arguments, corpus_options


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser = sub.add_parser("inspect", help="Read a corpus and print per-file document and character counts.")
    parser.add_argument("input", help="File, folder, dataset saved with save_to_disk, or hub dataset id.")
    add_corpus_arguments(parser)
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..data import iter_documents
    from ..files import check_input_path, os_error

    check_input_path(args.input)
    docs: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    try:
        for d in iter_documents(args.input, **corpus_options(args)):
            docs[d.source] += 1
            chars[d.source] += len(d.text)
    except OSError as exc:
        raise os_error(exc) from None
    summary = {
        "documents": sum(docs.values()),
        "characters": sum(chars.values()),
        "sources": [{"source": s, "documents": docs[s], "characters": chars[s]} for s in docs],
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
    else:
        width = max([len(s) for s in docs] + [6])
        print(f"{'source':<{width}}  {'documents':>10}  {'characters':>12}")
        for s in docs:
            print(f"{s:<{width}}  {docs[s]:>10}  {chars[s]:>12}")
        print(f"{'total':<{width}}  {summary['documents']:>10}  {summary['characters']:>12}")
    return 0
