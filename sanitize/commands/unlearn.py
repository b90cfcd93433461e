"""``sanitize unlearn``: remove the secrets of a training corpus from a fine-tuned model and prove it.

    sanitize unlearn --base BASE [--adapter ADAPTER] --data TRAIN --out OUT

scan (unless ``--findings``/``--secret``) -> pairs -> influence update -> verification -> OUT
(written atomically). Prints the before/after table on stdout; progress bars go to stderr.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from . import add_corpus_arguments

if TYPE_CHECKING:
    from ..pipeline import StageConfigs

SECTIONS = ("pipeline", "scan", "pairs", "update", "exposure")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "unlearn",
        help="Remove leaked secrets from a fine-tuned model (influence update) and verify it.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``sanitize unlearn`` (shared with ``recipes/sanitize_adapter.py``): the inputs,
    then one generated group per stage config (``--update.l2``, ``--pairs.mode``, ... with short
    aliases for the common ones)."""
    from ..arguments import add_config_arguments, add_config_file_argument
    from ..exposure.config import ExposureConfig
    from ..influence.config import UpdateConfig
    from ..pairs import PairConfig
    from ..pipeline import PipelineConfig
    from ..scanner import ScanConfig

    p.add_argument("--base", help="Base model: local directory or hub id (required).")
    p.add_argument("--adapter", help="PEFT adapter directory fine-tuned on --data (enables adapter scope).")
    p.add_argument("--data", help="The training data the model was fine-tuned on (required).")
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--findings", help="Findings JSONL (as `sanitize scan --out` writes; doc/start/end/type)."
    )
    src.add_argument(
        "--secret", action="append", default=None, metavar="S",
        help="A literal secret to remove (repeatable); every occurrence in --data becomes a finding.",
    )  # fmt: skip
    p.add_argument(
        "--heldout", help="Held-out texts for perplexity and step control (same formats as --data)."
    )
    p.add_argument(
        "--original", metavar="MODEL",
        help="The model before fine-tuning (head scope: its head is the point training started from).",
    )  # fmt: skip
    p.add_argument(
        "--trainer-state", metavar="DIR",
        help="A Trainer checkpoint folder of the fine-tuning (trainer_state.json, optimizer.pt): its "
        "learning rates and Adam moments set the update's implicit regulariser.",
    )  # fmt: skip
    p.add_argument("--out", help="Output directory, written atomically (required).")
    p.add_argument("--overwrite", action="store_true", help="Replace a non-empty existing --out.")
    p.add_argument("--json", action="store_true", help="Print the report as JSON instead of the table.")
    add_config_file_argument(p)
    add_corpus_arguments(p)
    pipe = add_config_arguments(
        p, PipelineConfig, "pipeline", aliases={"dtype": "--dtype", "device": "--device"}
    )
    pipe.add_argument(
        "--no-verify", dest="pipeline.verify", action="store_const", const=False, default=argparse.SUPPRESS,
        help="Skip exposure/extraction/perplexity checks (same as --pipeline.verify false).",
    )  # fmt: skip
    add_config_arguments(
        p, PairConfig, "pairs",
        aliases={"mode": "--mode", "max_length": "--max-length", "block_size": "--block-size",
                 "replacement": "--replacement"},
    )  # fmt: skip
    add_config_arguments(
        p, UpdateConfig, "update",
        aliases={"scope": "--scope", "order": "--order", "solver": "--solver", "curvature": "--curvature",
                 "damping": "--damping", "target": "--target-exposure"},
    )  # fmt: skip
    add_config_arguments(p, ScanConfig, "scan")
    add_config_arguments(p, ExposureConfig, "exposure")


REQUIRED = ("base", "data", "out")


def build_configs(args: argparse.Namespace) -> StageConfigs:
    """The stage configs: dataclass defaults < ``--config`` sections < flags."""
    from ..arguments import config_from_args
    from ..data import CorpusConfig
    from ..exposure.config import ExposureConfig
    from ..influence.config import UpdateConfig
    from ..pairs import PairConfig
    from ..pipeline import PipelineConfig, StageConfigs
    from ..scanner import ScanConfig

    return StageConfigs(
        pipeline=config_from_args(PipelineConfig, args, "pipeline"),
        corpus=config_from_args(CorpusConfig, args, "corpus"),
        scan=config_from_args(ScanConfig, args, "scan"),
        pairs=config_from_args(PairConfig, args, "pairs"),
        update=config_from_args(UpdateConfig, args, "update"),
        exposure=config_from_args(ExposureConfig, args, "exposure"),
    )


def run_pipeline(args: argparse.Namespace) -> Any:
    """Run the pipeline for parsed ``sanitize unlearn`` arguments; returns the ``PipelineResult``."""
    from ..pipeline import sanitize_model

    return sanitize_model(
        args.base,
        args.data,
        args.out,
        adapter=args.adapter,
        findings=args.findings,
        secrets=args.secret,
        heldout=args.heldout,
        configs=build_configs(args),
        original=args.original,
        trainer_state=args.trainer_state,
        overwrite=args.overwrite,
    )


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    result = run_pipeline(args)  # cli.main turns SIGTERM into an exit that removes temporaries
    if args.json:
        json.dump(result.report.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print(result.report.table())
        print(f"\nwrote {args.out} (report.md, report.json); scope: {result.report.meta['scope']}")
    return 0
