"""``sanitize-lab``: the lab's command line (the product's is ``sanitize``).

``sanitize-lab demo``: build a corpus with planted secrets, fine-tune a tiny model with LoRA, scan,
unlearn, and print exposure / extraction / perplexity before and after, next to a retrained model.
Offline; a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

DEMO_HELP = (
    "Build a corpus with planted secrets, fine-tune a tiny model with LoRA, scan, unlearn, and print "
    "exposure / extraction / perplexity before and after, next to a retrained model (offline, minutes on CPU)."
)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="Offline end-to-end demo on a tiny model (a few minutes on CPU).",
                       description=DEMO_HELP)  # fmt: skip
    p.add_argument("--out", help="Also write the sanitized adapter and report here (atomically).")
    p.add_argument("--overwrite", action="store_true", help="Replace a non-empty existing --out.")
    p.add_argument("--seed", type=int, default=0, help="Seed for the corpus, models and update.")
    p.add_argument("--documents", type=int, default=None, help="Training documents (default 160).")
    p.add_argument("--json", action="store_true", help="Print the report as JSON instead of the table.")
    return p


def run(args: argparse.Namespace) -> int:
    import json

    from .demo import DemoConfig, run_demo

    fields = {"seed": args.seed}
    if args.documents is not None:
        fields["documents"] = args.documents
    result = run_demo(args.out, DemoConfig(**fields), overwrite=args.overwrite)
    if args.json:
        json.dump(result.report.to_dict(), sys.stdout, indent=2)
        print()
        return 0
    s = result.report.summary()
    ppl = result.report.perplexity

    def f(value: object, fmt: str = ".2f") -> str:
        return "-" if value is None else format(value, fmt)

    print(result.report.table())
    print()
    print(
        f"max exposure: {f(s['max_exposure_before'])} bits before, {f(s['max_exposure_after'])} after, "
        f"{f(s['max_exposure_reference'])} retrained; largest gap to retrained: "
        f"{f(s['max_gap_to_reference_bits'])} bits"
    )
    change = s["perplexity_change_vs_reference"]
    print(
        f"held-out perplexity: {f(ppl.get('before'), '.3f')} before, {f(ppl.get('after'), '.3f')} after, "
        f"{f(ppl.get('reference'), '.3f')} retrained"
        + ("" if change is None else f" ({100 * change:+.2f}% vs retrained)")
    )
    print(
        f"demo finished in {result.seconds:.1f} s wall ({result.cpu_seconds:.1f} s CPU)"
        + (f"; wrote {args.out}" if args.out else "")
    )
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanitize-lab", description="The sanitize lab's commands (the product's CLI is `sanitize`)."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser(sub).set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from sanitize.errors import SanitizeError

    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except SanitizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
