"""Certified feature unlearning (Guo et al.) on a linear head over frozen bag-of-words features, as the
paper does for sensitive features: remove a word from every document, take one Newton step, and report
the gradient residual, its data-independent bound and the noise sigma for (eps, delta)-certified removal,
against retraining to the optimum (parameter distance, test accuracy, seconds).

    python recipes/certified_features.py --text ../shared/data/alice_in_wonderland.txt --remove hatter

Documents are the book's paragraphs (label: first or second half of the book), read at run time from
``--text``; without it a built-in synthetic corpus is used. L2-regularised logistic regression, fitted
by L-BFGS in float64; the update is :func:`sanitize.influence.classification.closed_form_update`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", help="A plain-text book; default: the built-in synthetic corpus.")
    p.add_argument("--remove", default="hatter", help="The word removed from every document.")
    p.add_argument("--dim", type=int, default=400, help="Vocabulary size of the featuriser.")
    p.add_argument("--min-words", type=int, default=12, help="Shortest paragraph kept.")
    p.add_argument("--l2", type=float, default=1e-3, help="L2 coefficient of the mean-form objective.")
    p.add_argument("--eps", type=float, default=1.0)
    p.add_argument("--delta", type=float, default=1e-4)
    p.add_argument("--solver", choices=("cg", "exact"), default="cg")
    p.add_argument("--json", help="Also write the result to this JSON file.")
    p.add_argument("--seed", type=int, default=0)
    return p


def main(args: argparse.Namespace) -> dict[str, Any]:
    from sanitize_lab.features import FeatureExperimentConfig, format_table, run

    cfg = FeatureExperimentConfig(
        text=args.text, remove=args.remove, dim=args.dim, min_words=args.min_words, l2=args.l2, eps=args.eps,
        delta=args.delta, solver=args.solver, seed=args.seed,
    )  # fmt: skip
    result = run(cfg)
    print(format_table(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"config": cfg.to_dict(), **result}, fh, indent=2)
    return result


if __name__ == "__main__":
    main(make_parser().parse_args())
