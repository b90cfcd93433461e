r"""Compare unlearning methods side by side on one fine-tuned adapter: retrain, fine-tune on the
sanitized twins, gradient ascent, first-order and second-order influence updates (the registry
``sanitize_lab.methods.METHODS``).

One table (wall time, ratio to retraining, exposure per secret in its training context, greedy
extraction, held-out perplexity) and one plot (exposure per method), measured in one run.

    python recipes/compare_baselines.py --base runs/base --adapter runs/adapter --data train.jsonl \
        --heldout heldout.jsonl --out runs/compare --retrain-steps 300 --baseline-steps 30 --l2 0.01

Findings come from ``--findings``, ``--secret`` or a scan of ``--data`` (as in ``sanitize unlearn``).
Every config field is a flag: ``--retrain.FIELD`` (the retrained reference, a
``sanitize_lab.baselines.BaselineConfig``; short ``--retrain-steps``, ``--retrain-lr``),
``--baseline.FIELD`` (fine-tuning on the twins and gradient ascent; ``--baseline-steps``,
``--baseline-lr``), ``--update.FIELD`` (both influence updates, ``sanitize.influence.config.UpdateConfig``;
``--curvature-samples``, ``--max-iter``; ``order`` is set per method) and ``--exposure.FIELD``
(``sanitize.exposure.config.ExposureConfig``; ``--exposure-sample``). ``--l2``, ``--seed`` and
``--batch-size`` set the field of that name in every section that has it (the objective the adapter
was trained on is one number). A ``--config`` YAML takes the same sections
(``recipes/configs/compare_baselines.yaml``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sanitize.arguments import add_config_arguments, add_config_file_argument, config_values, run_recipe
from sanitize.exposure.config import ExposureConfig
from sanitize.influence.config import UpdateConfig
from sanitize_lab.baselines import BaselineConfig
from sanitize_lab.methods import METHODS

SECTIONS = ("retrain", "baseline", "update", "exposure")
REQUIRED = ("base", "adapter", "data", "out")
# the recipe's defaults where they differ from the dataclasses' (a --config section or a flag wins)
DEFAULTS: dict[str, dict[str, Any]] = {
    "retrain": {"scope": "adapter", "steps": 300, "lr": 5e-3, "batch_size": 8},
    "baseline": {"scope": "adapter", "steps": 30, "lr": 1e-3, "batch_size": 8},
    "update": {"scope": "adapter", "curvature_samples": 128, "max_iter": 50},
    "exposure": {"bootstrap": 0},
}


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_file_argument(p)
    p.add_argument("--base", help="Base model (local directory or hub id; required).")
    p.add_argument("--adapter", help="The fine-tuned LoRA adapter (required).")
    p.add_argument("--data", help="The training data of the adapter (required).")
    p.add_argument("--text-field", default="text")
    p.add_argument("--findings", help="Findings JSONL (default: scan --data).")
    p.add_argument("--secret", action="append", default=None, help="Literal secret (repeatable).")
    p.add_argument("--heldout", help="Held-out texts for perplexity (default: clean training documents).")
    p.add_argument("--out", help="Directory for comparison.json/.md and comparison.png (required).")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    p.add_argument("--max-length", type=int, default=1024, help="Record-mode length training used.")
    p.add_argument("--verify-max-secrets", type=int, default=20)
    p.add_argument(
        "--l2", type=float, default=None,
        help="L2 penalty l2/2*||theta||^2 the adapter was trained with (finetune_lora.py --l2), set in every "
        "section: the influence updates assume a stationary point of that objective and the retrained "
        "reference minimises it too (the twins/ascent baselines keep their own, default 0).",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=None, help="Seed of every section (default: each section's).")
    p.add_argument("--batch-size", type=int, default=None, help="Batch size of every section that has one.")
    add_config_arguments(
        p, BaselineConfig, "retrain", aliases={"steps": "--retrain-steps", "lr": "--retrain-lr"}
    )
    add_config_arguments(
        p, BaselineConfig, "baseline", aliases={"steps": "--baseline-steps", "lr": "--baseline-lr"}
    )
    add_config_arguments(
        p,
        UpdateConfig,
        "update",
        aliases={"curvature_samples": "--curvature-samples", "max_iter": "--max-iter"},
    )
    add_config_arguments(p, ExposureConfig, "exposure", aliases={"sample_size": "--exposure-sample"})
    return p


def section_config(cls: type, args: argparse.Namespace, section: str) -> Any:
    """``cls`` from the recipe's defaults < the ``--config`` section < its flags < the shared flags."""
    import dataclasses

    values = {**DEFAULTS.get(section, {}), **config_values(args, section)}
    names = {f.name for f in dataclasses.fields(cls)}
    shared = {"seed": args.seed, "batch_size": args.batch_size}
    if section != "baseline":
        shared["l2"] = args.l2
    values.update({k: v for k, v in shared.items() if v is not None and k in names})
    return cls.from_dict(values)


def method_config(method: str, args: argparse.Namespace) -> Any:
    """The registry method's config (retraining minimises the stated l2 objective; ``order`` per method)."""
    if METHODS[method].config_type is UpdateConfig:
        return section_config(UpdateConfig, args, "update")
    return section_config(BaselineConfig, args, "retrain" if method == "retrain" else "baseline")


def run_methods(job: Any, methods: list[str], configs: dict[str, Any]) -> dict[str, Any]:
    """Each method's :class:`~sanitize_lab.methods.MethodResult` (model, seconds), on the same prepared job."""
    results = {}
    for method in methods:
        results[method] = METHODS[method](
            job.model, job.pairs, job.curvature, configs[method], heldout=job.heldout,
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
    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize.pairs import PairConfig
    from sanitize.pipeline import StageConfigs, prepare, verify

    configs = {m: method_config(m, args) for m in args.methods}  # validated before anything is loaded
    exposure_config = section_config(ExposureConfig, args, "exposure")
    check_output_dir(args.out, overwrite=args.overwrite)
    job = prepare(
        args.base, args.data, adapter=args.adapter, findings=args.findings, secrets=args.secret,
        heldout=args.heldout,
        configs=StageConfigs(
            corpus=CorpusConfig(text_field=args.text_field), update=UpdateConfig(scope="adapter"),
            pairs=PairConfig(max_length=args.max_length),
        ),
    )  # fmt: skip
    results = run_methods(job, args.methods, configs)
    models = {"before": job.model, **{m: r.model for m, r in results.items()}}
    table = []
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
    run_recipe(main, make_parser(), sections=SECTIONS, required=REQUIRED)
