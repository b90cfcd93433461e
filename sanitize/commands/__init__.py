"""One module per CLI subcommand: ``add_parser(subparsers) -> ArgumentParser`` and ``run(args) -> int``.

Flags that set a stage's config are generated from its dataclass by :mod:`sanitize.arguments`.
"""

from __future__ import annotations

import argparse

# short flags for the corpus options every subcommand that reads a corpus shares
_CORPUS_ALIASES: dict[str, str | tuple[str, ...]] = {"split": "--split-text"}


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The :class:`~sanitize.data.CorpusConfig` fields as flags (``--text-field``, ``--split-text``, ...)."""
    from ..arguments import add_config_arguments
    from ..data import CorpusConfig

    add_config_arguments(parser, CorpusConfig, "corpus", flat=True, aliases=_CORPUS_ALIASES)


def corpus_options(args: argparse.Namespace) -> dict[str, object]:
    """The keyword options for ``iter_documents``/``load_corpus`` from parsed arguments."""
    from ..arguments import config_from_args
    from ..data import CorpusConfig

    return config_from_args(CorpusConfig, args, "corpus").to_dict()
