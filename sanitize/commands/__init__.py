"""One module per CLI subcommand: ``add_parser(subparsers) -> ArgumentParser`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by every subcommand that reads a corpus (see ``sanitize.data``)."""
    parser.add_argument("--text-field", default="text", help="Field/column holding the text (default: text).")
    parser.add_argument(
        "--split-text", choices=("lines", "paragraphs"), default=None,
        help="Split .txt files into one document per line or per blank-line paragraph (default: one per file).",
    )  # fmt: skip
    parser.add_argument(
        "--encoding-errors", choices=("strict", "replace"), default="strict",
        help="Invalid UTF-8: 'strict' stops with the byte offset, 'replace' substitutes U+FFFD and warns.",
    )  # fmt: skip
    parser.add_argument(
        "--dataset-split", default="train", help="Split of a saved DatasetDict or hub dataset."
    )


def corpus_options(args: argparse.Namespace) -> dict[str, object]:
    """The keyword options for ``iter_documents``/``load_corpus`` from parsed arguments."""
    return {
        "text_field": args.text_field,
        "split": args.split_text,
        "encoding_errors": args.encoding_errors,
        "dataset_split": args.dataset_split,
    }
