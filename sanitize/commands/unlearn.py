"""``sanitize unlearn``: remove the secrets of a training corpus from a fine-tuned model and prove it.

    sanitize unlearn --base BASE [--adapter ADAPTER] --data TRAIN --out OUT

scan (unless ``--findings``/``--secret``) -> pairs -> influence update -> verification -> OUT
(written atomically). Prints the before/after table on stdout; progress bars go to stderr.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import add_corpus_arguments

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
    """The options of ``sanitize unlearn`` (shared with ``recipes/sanitize_adapter.py``)."""
    p.add_argument("--base", required=True, help="Base model: local directory or hub id.")
    p.add_argument("--adapter", help="PEFT adapter directory fine-tuned on --data (enables adapter scope).")
    p.add_argument("--data", required=True, help="The training data the model was fine-tuned on.")
    add_corpus_arguments(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--findings", help="Findings JSONL (as `sanitize scan --out` writes; doc/start/end/type)."
    )
    src.add_argument(
        "--secret", action="append", default=None, metavar="S",
        help="A literal secret to remove (repeatable); every occurrence in --data becomes a finding.",
    )  # fmt: skip
    p.add_argument("--scope", choices=("auto", "adapter", "head"), default="auto",
                   help="Parameters the update changes (default: adapter if --adapter, else head).")  # fmt: skip
    p.add_argument(
        "--order", type=int, choices=(1, 2), default=None, help="First or second order (default 2)."
    )
    p.add_argument("--solver", default=None, help="Linear solver: exact, cg, lissa (default: the core's).")
    p.add_argument("--curvature", default=None, help="ggn, hessian or fisher (default: ggn).")
    p.add_argument("--damping", default=None, help="'auto' or a number (default auto).")
    p.add_argument("--target-exposure", type=float, default=None, metavar="BITS",
                   help="Closed loop: repeat updates until every secret's exposure is below BITS.")  # fmt: skip
    p.add_argument(
        "--heldout", help="Held-out texts for perplexity and step control (same formats as --data)."
    )
    p.add_argument("--mode", choices=("record", "packed"), default=None,
                   help="How training built sequences (default record: one truncated record each).")  # fmt: skip
    p.add_argument("--max-length", type=int, default=None, help="Record mode truncation length (tokens).")
    p.add_argument("--block-size", type=int, default=None, help="Packed mode block size (tokens).")
    p.add_argument(
        "--replacement", default=None, help="surrogate (default), placeholder, model, or registered."
    )
    p.add_argument("--config", help="JSON/YAML with sections pipeline/scan/pairs/update/exposure.")
    p.add_argument("--dtype", default=None, help="Load the model in this dtype (float32, float64, bf16).")
    p.add_argument("--device", default=None, help="cpu or cuda (default cpu).")
    p.add_argument("--no-verify", action="store_true", help="Skip exposure/extraction/perplexity checks.")
    p.add_argument("--out", required=True, help="Output directory (written atomically).")
    p.add_argument("--overwrite", action="store_true", help="Replace a non-empty existing --out.")
    p.add_argument("--json", action="store_true", help="Print the report as JSON instead of the table.")


def _sections(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    if getattr(args, "sections", None):  # set aside by recipe_args.parse_args
        return args.sections
    if not args.config:
        return {}
    from ..errors import ConfigError
    from ..recipe_args import read_config_file

    data = read_config_file(args.config)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            f"{args.config}: unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)} "
            "(give inputs as flags, or use recipes/sanitize_adapter.py for a complete config file)"
        )
    return data


def build_configs(args: argparse.Namespace) -> dict[str, Any]:
    """The stage configs from ``--config`` sections overridden by explicit flags."""
    from ..influence.config import UpdateConfig
    from ..pairs import PairConfig
    from ..pipeline import PipelineConfig

    sec = _sections(args)
    pipe = {**sec.get("pipeline", {}), "scope": args.scope, "text_field": args.text_field}
    if args.dtype:
        pipe["dtype"] = args.dtype
    if args.device:
        pipe["device"] = args.device
    if args.no_verify:
        pipe["verify"] = False
    pairs = dict(sec.get("pairs", {}))
    for flag, name in (("mode", "mode"), ("max_length", "max_length"), ("block_size", "block_size"),
                       ("replacement", "replacement")):  # fmt: skip
        if getattr(args, flag) is not None:
            pairs[name] = getattr(args, flag)
    update = dict(sec.get("update", {}))
    damping = args.damping
    if damping is not None and damping != "auto":
        damping = float(damping)
    for name, value in (("order", args.order), ("solver", args.solver), ("curvature", args.curvature),
                        ("damping", damping), ("target", args.target_exposure)):  # fmt: skip
        if value is not None:
            update[name] = value
    out: dict[str, Any] = {
        "config": PipelineConfig.from_dict(pipe),
        "pair_config": PairConfig.from_dict(pairs),
        "update_config": UpdateConfig.from_dict(update),
    }
    if "scan" in sec:  # otherwise the defaults, built only when the stage runs
        from ..scan import ScanConfig

        out["scan_config"] = ScanConfig.from_dict(sec["scan"])
    if "exposure" in sec:
        from ..exposure.config import ExposureConfig

        out["exposure_config"] = ExposureConfig.from_dict(sec["exposure"])
    return out


def run_pipeline(args: argparse.Namespace) -> Any:
    """Run the pipeline for parsed ``sanitize unlearn`` arguments; returns the ``PipelineResult``."""
    from ..pipeline import sanitize_model
    from . import corpus_options

    configs = build_configs(args)
    return sanitize_model(
        args.base,
        args.data,
        args.out,
        adapter=args.adapter,
        findings=args.findings,
        secrets=args.secret,
        heldout=args.heldout,
        overwrite=args.overwrite,
        corpus_options=corpus_options(args),
        **configs,
    )


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    result = run_pipeline(args)
    if args.json:
        json.dump(result.report.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print(result.report.table())
        print(f"\nwrote {args.out} (report.md, report.json); scope: {result.report.meta['scope']}")
    return 0
