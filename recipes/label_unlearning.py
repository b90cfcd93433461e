"""Label unlearning on a tiny sequence classifier (Warnecke et al.'s other half): poisoned labels are
replaced by the corrected ones (or the points removed) with the closed-form influence update, against
retraining from the same initialisation and fine-tuning on the corrected points.

    python recipes/label_unlearning.py --attack flip --poison-fraction 0.15
    python recipes/label_unlearning.py --attack backdoor --poison-fraction 0.05 --scope all --max-iter 30

A topic classifier (GPT-2 ``ForSequenceClassification`` built from a config, word-level tokenizer
trained in-process) on synthetic sentences; nothing is downloaded. One table: clean test accuracy,
attack success (source-topic test sentences classified as the target for ``flip``; triggered
sentences of other topics for ``backdoor``), seconds, and the head's distance to the head refitted on
the corrected data (the optimum the head-scope update aims at). ``--rounds 1 --no-line-search`` is the
paper's single Newton step; the default closes the loop (Newton steps with a backtracking line search).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--attack", choices=("flip", "backdoor"), default="flip")
    p.add_argument("--poison-fraction", type=float, default=0.15, help="Share of the training set poisoned.")
    p.add_argument("--n-train", type=int, default=800)
    p.add_argument("--n-test", type=int, default=800)
    p.add_argument("--confusion", type=float, default=0.3, help="Chance that a content word is off-topic.")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument(
        "--l2", type=float, default=1e-2, help="L2 of the training objective (stated to the update)."
    )
    p.add_argument("--finetune-epochs", type=int, default=20)
    p.add_argument("--scope", choices=("head", "all"), default="head",
                   help="'head': the classification head on the frozen body (convex, float64, exact solve); "
                   "'all': every weight (cg on the Gauss-Newton curvature).")  # fmt: skip
    p.add_argument(
        "--rounds", type=int, default=None, help="Newton steps; default 5 (head), 1 (all); 1 = the paper."
    )
    p.add_argument("--no-line-search", action="store_true", help="Take each step unchecked (the paper).")
    p.add_argument("--damping", type=float, default=None, help="Default: 0 (head), 1e-3 (all).")
    p.add_argument("--max-iter", type=int, default=200, help="CG iterations per Newton step (scope 'all').")
    p.add_argument("--json", help="Also write the rows to this JSON file.")
    p.add_argument("--seed", type=int, default=0)
    return p


def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    from sanitize.influence.classification import LabelUnlearnConfig
    from sanitize_lab.labels import LabelExperimentConfig, format_table, run, setup

    cfg = LabelExperimentConfig(
        attack=args.attack, poison_fraction=args.poison_fraction, n_train=args.n_train, n_test=args.n_test,
        confusion=args.confusion, hidden=args.hidden, layers=args.layers, epochs=args.epochs, lr=args.lr,
        l2=args.l2, finetune_epochs=args.finetune_epochs, seed=args.seed,
    )  # fmt: skip
    head = args.scope == "head"
    update = LabelUnlearnConfig(
        scope="head" if head else "params", params=[] if head else ["*"], solver="exact" if head else "cg",
        l2=args.l2, rounds=args.rounds or (5 if head else 1), line_search=not args.no_line_search, max_iter=args.max_iter,
        damping=args.damping if args.damping is not None else (0.0 if head else 1e-3), seed=args.seed,
    )  # fmt: skip
    rows = run(setup(cfg), update=update)
    print(format_table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"experiment": cfg.to_dict(), "update": update.to_dict(), "rows": rows}, fh, indent=2)
    return rows


if __name__ == "__main__":
    main(make_parser().parse_args())
