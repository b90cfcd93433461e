"""Compare unlearning methods side by side on one fine-tuned adapter: retrain, fine-tune on the
sanitized twins, gradient ascent, first-order and second-order influence updates (the registry
``sanitize_lab.methods.METHODS``).

One table (wall time, ratio to retraining, exposure per secret in its training context, greedy
extraction, held-out perplexity) and one plot (exposure per method), measured in one run.

    python recipes/compare_baselines.py --base runs/base --adapter runs/adapter --data train.jsonl \
        --heldout heldout.jsonl --out runs/compare --retrain-steps 300 --baseline-steps 30 --l2 0.01

Findings come from ``--findings``, ``--secret`` or a scan of ``--data`` (as in ``sanitize unlearn``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sanitize.recipe_args import add_config_argument, run_recipe
from sanitize_lab.methods import METHODS


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(p)
    p.add_argument("--base", required=True, help="Base model (local directory or hub id).")
    p.add_argument("--adapter", required=True, help="The fine-tuned LoRA adapter.")
    p.add_argument("--data", required=True, help="The training data of the adapter.")
    p.add_argument("--text-field", default="text")
    p.add_argument("--findings", help="Findings JSONL (default: scan --data).")
    p.add_argument("--secret", action="append", default=None, help="Literal secret (repeatable).")
    p.add_argument("--heldout", help="Held-out texts for perplexity (default: clean training documents).")
    p.add_argument("--out", required=True, help="Directory for comparison.json/.md and comparison.png.")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    p.add_argument("--max-length", type=int, default=1024, help="Record-mode length training used.")
    p.add_argument("--retrain-steps", type=int, default=300, help="AdamW steps for the retrained reference.")
    p.add_argument("--retrain-lr", type=float, default=5e-3)
    p.add_argument("--baseline-steps", type=int, default=30, help="k steps of fine-tuning / gradient ascent.")
    p.add_argument("--baseline-lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument(
        "--l2", type=float, default=0.0,
        help="L2 penalty l2/2*||theta||^2 the adapter was trained with (finetune_lora.py --l2): the influence "
        "updates assume a stationary point of that objective and the retrained reference minimises it too.",
    )  # fmt: skip
    p.add_argument("--curvature-samples", type=int, default=128)
    p.add_argument("--max-iter", type=int, default=50, help="CG iterations per influence solve.")
    p.add_argument("--verify-max-secrets", type=int, default=20)
    p.add_argument("--exposure-sample", type=int, default=5000, help="Candidates sampled per exposure fit.")
    p.add_argument("--seed", type=int, default=0)
    return p


def method_config(method: str, args: argparse.Namespace) -> Any:
    """The registry method's config from the flags (retraining minimises the stated l2 objective)."""
    from sanitize.influence.config import UpdateConfig
    from sanitize_lab.baselines import BaselineConfig

    if METHODS[method].config_type is UpdateConfig:
        return UpdateConfig(
            scope="adapter", curvature_samples=args.curvature_samples, max_iter=args.max_iter, seed=args.seed,
            l2=args.l2,
        )  # fmt: skip
    if method == "retrain":
        steps, lr, l2 = args.retrain_steps, args.retrain_lr, args.l2
    else:
        steps, lr, l2 = args.baseline_steps, args.baseline_lr, 0.0
    return BaselineConfig(
        scope="adapter", batch_size=args.batch_size, seed=args.seed, steps=steps, lr=lr, l2=l2
    )


def run_methods(job: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Each method's :class:`~sanitize_lab.methods.MethodResult` (model, seconds), on the same prepared job."""
    results = {}
    for method in args.methods:
        results[method] = METHODS[method](
            job.model, job.pairs, job.curvature, method_config(method, args), heldout=job.heldout,
            n_train_tokens=job.n_train_tokens,
        )  # fmt: skip
    return results


def plot(table: list[dict[str, Any]], path: Any) -> None:
    from sanitize.report import exposure_bars

    n_secrets = len(table[0]["exposure"]) if table else 0
    exposure_bars(
        path, [row["method"] for row in table],
        {f"secret {j}": [row["exposure"][j] for row in table] for j in range(n_secrets)},
        title="Exposure per secret after each method",
    )  # fmt: skip


def format_table(table: list[dict[str, Any]]) -> str:
    n = len(table[0]["exposure"]) if table else 0
    head = ["method", "seconds", "x retrain"] + [f"exp {j}" for j in range(n)] + ["extracted", "ppl"]
    rows = [
        [
            r["method"],
            f"{r['seconds']:.1f}",
            "-" if r["ratio_to_retrain"] is None else f"{r['ratio_to_retrain']:.3f}",
        ]
        + ["-" if e is None else f"{e:.2f}" for e in r["exposure"]]
        + [str(r["extracted"]), f"{r['perplexity']:.3f}"]
        for r in table
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> dict[str, Any]:
    from sanitize.data import CorpusConfig
    from sanitize.exposure.config import ExposureConfig
    from sanitize.influence.config import UpdateConfig
    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize.pairs import PairConfig
    from sanitize.pipeline import StageConfigs, prepare, verify

    check_output_dir(args.out, overwrite=args.overwrite)
    job = prepare(
        args.base, args.data, adapter=args.adapter, findings=args.findings, secrets=args.secret,
        heldout=args.heldout,
        configs=StageConfigs(
            corpus=CorpusConfig(text_field=args.text_field), update=UpdateConfig(scope="adapter"),
            pairs=PairConfig(max_length=args.max_length),
        ),
    )  # fmt: skip
    results = run_methods(job, args)
    models = {"before": job.model, **{m: r.model for m, r in results.items()}}
    table = []
    exposure_config = ExposureConfig(sample_size=args.exposure_sample, bootstrap=0, seed=args.seed)
    for name, model in models.items():
        rows, ppl = verify(
            {"before": model}, job.tokenizer, job.texts, job.findings, job.heldout,
            exposure_config=exposure_config, max_secrets=args.verify_max_secrets,
        )  # fmt: skip
        seconds = results[name].seconds if name in results else 0.0
        retrain_s = results["retrain"].seconds if "retrain" in results else None
        table.append({
            "method": name, "seconds": seconds,
            "ratio_to_retrain": seconds / retrain_s if retrain_s and name != "before" else None,
            "exposure": [r.exposure_before for r in rows],
            "extracted": sum(bool(r.extracted_before) for r in rows),
            "perplexity": ppl["before"],
            "metrics": {k: v for k, v in results[name].result.metrics.items() if isinstance(v, (int, float, str))}
            if name in results else {},
            "config": results[name].result.config.to_dict() if name in results else None,
        })  # fmt: skip
    secrets = [{"type": r.type, "preview": r.preview, "fingerprint": r.fingerprint} for r in rows]
    text = format_table(table)
    with atomic_output_dir(args.out, overwrite=args.overwrite) as tmp:
        (tmp / "comparison.json").write_text(
            json.dumps({"secrets": secrets, "methods": table}, indent=2) + "\n"
        )
        (tmp / "comparison.md").write_text("# Unlearning methods compared\n\n```\n" + text + "\n```\n")
        plot(table, tmp / "comparison.png")
    print(text)
    return {"secrets": secrets, "methods": table}


if __name__ == "__main__":
    run_recipe(main, make_parser())
