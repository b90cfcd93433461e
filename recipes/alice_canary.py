r"""The seed paper's canary experiment (Warnecke et al., NDSS 2023, after Carlini et al.'s Secret
Sharer) on a small transformer: a language model of *Alice in Wonderland* with the canary
"my telephone number is 0123456789" inserted 6 and 29 times; exposure of the canary before and
after unlearning, against retraining without the canary and fine-tuning on the sanitized twins,
and the paper's first-order vs second-order comparison.

Setup (one run per repetition count): a tiny GPT-2 with a tokenizer trained on the book is
pre-trained on the book without the canary (the base); a LoRA adapter is fine-tuned on the book
with the canary inserted (the lab's trainer, ``sanitize_lab.train.finetune``, as
``recipes/finetune_lora.py`` runs it); the secret digits are then removed with the first- and
second-order influence updates (adapter scope), and compared with the adapter retrained the same way
on the canary-free book and with ``k`` steps of fine-tuning on the sanitized twins (methods from
``sanitize_lab.methods``). Fine-tuning and retraining minimise ``loss + l2/2·‖θ‖²`` (``--l2``,
default 1e-2, as in ``sanitize-lab demo``) and the update is told
so: the closed form assumes the fine-tuned adapter is a stationary point of that objective. Exposure
is measured in the space ``digits:10`` after the prefix "my telephone number is " (extrapolated from
a sample).

    python recipes/alice_canary.py --text ../shared/data/alice_in_wonderland.txt --out runs/alice \
        --repeats 6 29

The text is read from ``--text`` (never copied anywhere); ``--max-chars`` uses only the beginning.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sanitize.arguments import add_config_file_argument, run_recipe

PREFIX = "my telephone number is "
SECRET = "0123456789"


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_file_argument(p)
    p.add_argument("--text", required=True, help="Path to alice_in_wonderland.txt (plain text).")
    p.add_argument("--out", required=True, help="Directory for alice.json / alice.md / alice.png.")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--repeats", type=int, nargs="+", default=[6, 29], help="Canary insertions per run.")
    p.add_argument(
        "--canary", default=PREFIX + SECRET, help="The canary sentence (secret = its last 10 chars)."
    )
    p.add_argument("--max-chars", type=int, default=0, help="Use only the first N characters (0 = all).")
    p.add_argument("--chunk-chars", type=int, default=300, help="Characters per training document.")
    p.add_argument("--vocab-size", type=int, default=1000)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument(
        "--pretrain-steps", type=int, default=600, help="Full-model steps on the canary-free book."
    )
    p.add_argument("--epochs", type=float, default=4.0, help="LoRA epochs (fine-tuning and retraining).")
    p.add_argument("--learning-rate", type=float, default=3e-3)
    p.add_argument(
        "--l2", type=float, default=1e-2,
        help="L2 penalty l2/2*||theta||^2 of the LoRA training (fine-tuning and retraining), stated to the "
        "update: the influence update assumes a stationary point of this objective (0: plain fine-tuning).",
    )  # fmt: skip
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--finetune-steps", type=int, default=30, help="k for the fine-tuning baseline.")
    p.add_argument("--sample-size", type=int, default=5000, help="Candidates sampled for the exposure fit.")
    p.add_argument("--seed", type=int, default=0)
    return p


def documents(path: str, max_chars: int, chunk: int) -> list[str]:
    """The book cut into ~``chunk``-character documents at whitespace."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        from sanitize.errors import SanitizeError

        raise SanitizeError(f"{path}: cannot read the text ({exc.strerror})") from None
    text = " ".join(text[:max_chars].split()) if max_chars else " ".join(text.split())
    docs, start = [], 0
    while start < len(text):
        end = text.rfind(" ", start, start + chunk) if start + chunk < len(text) else len(text)
        end = end if end > start else min(len(text), start + chunk)
        docs.append(text[start:end].strip())
        start = end
    return [d for d in docs if d]


def train_adapter(base: str, texts: list[str], args: argparse.Namespace) -> Any:
    """A fresh LoRA adapter on every linear layer of ``base``, trained on ``texts`` (the lab's trainer)."""
    from sanitize.models import load_model
    from sanitize.pairs import PairConfig
    from sanitize_lab.train import TrainConfig, finetune

    config = TrainConfig(
        scope="lora", target_modules=["all-linear"], epochs=args.epochs, learning_rate=args.learning_rate,
        seed=args.seed, l2=args.l2,
    )  # fmt: skip
    model, tok = load_model(base)
    return finetune(model, tok, texts, config, PairConfig(max_length=args.max_length)), tok


def run_one(
    k: int, docs: list[str], heldout_docs: list[str], base: str, work: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """One repetition count: fine-tune with the canary, then every method, measured the same way."""
    from sanitize.exposure import exposure
    from sanitize.exposure.config import ExposureConfig
    from sanitize.exposure.memorization import heldout_perplexity
    from sanitize.influence.config import UpdateConfig
    from sanitize.pairs import PairConfig
    from sanitize.pipeline import StageConfigs, prepare
    from sanitize_lab.baselines import BaselineConfig
    from sanitize_lab.methods import METHODS
    from sanitize_lab.planted_corpus import plant_canaries

    texts, truth = plant_canaries(docs, [args.canary], [k], seed=args.seed)
    data = work / f"train_k{k}.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    timings: dict[str, float] = {}
    trained, tok = train_adapter(base, texts, args)
    trained.save(work / f"adapter_k{k}", tok)
    timings["finetune"] = trained.seconds
    start = time.perf_counter()
    retrained, _ = train_adapter(base, docs, args)  # the gold standard: the same training without the canary
    timings["retrain"] = time.perf_counter() - start

    secret = args.canary[-10:]
    prefix = args.canary[: -len(secret)]
    job = prepare(
        base, str(data), adapter=work / f"adapter_k{k}", secrets=[secret], heldout=heldout_docs,
        configs=StageConfigs(pairs=PairConfig(max_length=args.max_length)),
    )  # fmt: skip
    models: dict[str, Any] = {"before": job.model, "retrain": retrained.model}
    configs = {
        "first_order": UpdateConfig(scope="adapter", seed=args.seed, l2=args.l2),
        "second_order": UpdateConfig(scope="adapter", seed=args.seed, l2=args.l2),
        "finetune_twins": BaselineConfig(
            scope="adapter", steps=args.finetune_steps, lr=args.learning_rate, seed=args.seed
        ),
    }
    for name, config in configs.items():
        out = METHODS[name](
            job.model,
            job.pairs,
            job.curvature,
            config,
            heldout=job.heldout,
            n_train_tokens=job.n_train_tokens,
        )
        timings[name] = out.seconds
        models[name] = out.model
    ecfg = ExposureConfig(sample_size=args.sample_size, bootstrap=0, seed=args.seed)
    rows = []
    for name, model in models.items():
        e = exposure(model, job.tokenizer, secret, "digits:10", prefix=prefix, config=ecfg)
        rows.append({
            "method": name, "exposure": e.exposure, "max_exposure": 10 * 3.321928094887362,
            "perplexity": heldout_perplexity(model, job.tokenizer, job.heldout),
            "seconds": timings.get({"before": "finetune"}.get(name, name)),
        })  # fmt: skip
    return {"repeats": k, "docs": truth[0]["docs"], "rows": rows}


def format_table(results: list[dict[str, Any]]) -> str:
    lines = [f"{'k':>3}  {'method':<18} {'exposure':>9} {'perplexity':>11} {'seconds':>8}"]
    for r in results:
        for row in r["rows"]:
            secs = "-" if row["seconds"] is None else f"{row['seconds']:.1f}"
            lines.append(
                f"{r['repeats']:>3}  {row['method']:<18} {row['exposure']:>9.2f} {row['perplexity']:>11.3f} {secs:>8}"
            )
    return "\n".join(lines)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    from sanitize.report import exposure_bars

    methods = [row["method"] for row in results[0]["rows"]]
    exposure_bars(
        path, methods, {f"{r['repeats']} insertions": [row["exposure"] for row in r["rows"]] for r in results},
        title="Canary exposure (dotted: maximum, log2 10^10)", maxima=[10 * 3.321928094887362] * len(methods),
    )  # fmt: skip


def main(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize_lab.tiny import save_tiny, tiny_model, train_causal_lm, train_tokenizer

    check_output_dir(args.out, overwrite=args.overwrite)
    docs = documents(args.text, args.max_chars, args.chunk_chars)
    n_held = max(2, len(docs) // 10)
    docs, heldout_docs = docs[:-n_held], docs[-n_held:]  # the book's last tenth is never trained on
    results = []
    with tempfile.TemporaryDirectory(prefix="sanitize-alice-") as scratch:
        work = Path(scratch)
        tok = train_tokenizer(docs, kind="gpt2", vocab_size=args.vocab_size)
        model = tiny_model(tok, kind="gpt2", seed=args.seed, hidden=args.hidden, layers=args.layers)
        for p in model.parameters():
            p.requires_grad_(True)
        torch.manual_seed(args.seed)
        train_causal_lm(model, tok, docs, steps=args.pretrain_steps, lr=3e-3, batch_size=16,
                        max_length=args.max_length, seed=args.seed)  # fmt: skip
        base = save_tiny(model, tok, work / "base")
        for k in args.repeats:
            results.append(run_one(k, docs, heldout_docs, base, work, args))
    table = format_table(results)
    summary = {
        "canary_preview": "my telephone number is **********",
        "documents": len(docs),
        "results": results,
    }
    with atomic_output_dir(args.out, overwrite=args.overwrite) as tmp:
        (tmp / "alice.json").write_text(json.dumps(summary, indent=2) + "\n")
        (tmp / "alice.md").write_text("# Alice canary experiment\n\n```\n" + table + "\n```\n")
        plot(results, tmp / "alice.png")
    print(table)
    return summary


if __name__ == "__main__":
    run_recipe(main, make_parser())
