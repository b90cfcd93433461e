"""Fine-tune any causal LM with LoRA through Hugging Face ``Trainer``, optionally planting canaries.

How users make the models ``sanitize unlearn`` repairs, and how auditors make test models with known
secrets. Tokenisation is ``sanitize.pairs.tokenize_corpus`` (record or packed, same flags as
``sanitize unlearn``), so the unlearning stage rebuilds exactly the sequences training saw; training is
the lab's one trainer (``sanitize_lab.train``, Trainer loop), which also writes ``train_state.json``
(optimiser, learning rates, steps, losses) next to the adapter.

    python recipes/finetune_lora.py --base gpt2 --data train.jsonl --out runs/adapter \
        --canary "my telephone number is 0123456789" --canary-repeats 6 \
        --canaries-out runs/canaries.json --epochs 3 --learning-rate 1e-3

or with a YAML file of the same options (flags win): ``--config recipes/configs/finetune_lora.yaml``.
The canary ground truth (texts, positions, repeats) goes to ``--canaries-out``, never into the
adapter directory.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from sanitize.pairs import PairConfig
from sanitize.recipe_args import add_config_argument, run_recipe
from sanitize_lab.planted import plant_canaries
from sanitize_lab.train import TrainConfig


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(p)
    p.add_argument("--base", required=True, help="Base model (local directory or hub id).")
    p.add_argument("--data", required=True, help="Training data (any sanitize corpus format).")
    p.add_argument("--text-field", default="text", help="Field holding the text.")
    p.add_argument("--out", required=True, help="Where the adapter (or full model) is saved, atomically.")
    p.add_argument("--overwrite", action="store_true", help="Replace a non-empty --out.")
    p.add_argument("--method", choices=("lora", "full"), default="lora")
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--lora-alpha", type=float, default=16.0)
    p.add_argument(
        "--target-modules", nargs="*", default=[], help="LoRA targets (default: peft's; all-linear)."
    )
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument(
        "--l2", type=float, default=0.0,
        help="L2 penalty l2/2*||theta||^2 in the training loss; state the same value to `sanitize unlearn` "
        "(config `update: {l2: ...}`): the update assumes a stationary point of this objective.",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=("record", "packed"), default="record", help="Sequence construction.")
    p.add_argument("--max-length", type=int, default=1024, help="Record mode truncation (tokens).")
    p.add_argument("--block-size", type=int, default=1024, help="Packed mode block size (tokens).")
    p.add_argument("--canary", action="append", default=[], help="A canary text to plant (repeatable).")
    p.add_argument("--canary-repeats", type=int, nargs="+", default=[1],
                   help="Copies of each canary (one value, or one per --canary).")  # fmt: skip
    p.add_argument("--canaries-out", help="Ground-truth JSON (default: <out>.canaries.json).")
    p.add_argument("--dtype", default=None, help="Load the base in this dtype.")
    return p


def main(args: argparse.Namespace) -> dict[str, Any]:
    from sanitize.data import load_corpus
    from sanitize.errors import SanitizeError
    from sanitize.models import load_model
    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize_lab.train import finetune

    check_output_dir(args.out, overwrite=args.overwrite)
    texts = list(load_corpus(args.data, text_field=args.text_field)["text"])
    if not texts:
        raise SanitizeError(f"{args.data}: the corpus is empty")
    truth: list[dict[str, Any]] = []
    if args.canary:
        texts, truth = plant_canaries(texts, args.canary, args.canary_repeats, args.seed)
    config = TrainConfig(
        scope=args.method, lora_r=args.lora_r, lora_alpha=args.lora_alpha,
        target_modules=list(args.target_modules), epochs=args.epochs, max_steps=args.max_steps,
        learning_rate=args.learning_rate, batch_size=args.batch_size, seed=args.seed, l2=args.l2,
    )  # fmt: skip
    pairs = PairConfig(mode=args.mode, max_length=args.max_length, block_size=args.block_size)
    model, tok = load_model(args.base, dtype=args.dtype)
    result = finetune(model, tok, texts, config, pairs)
    with atomic_output_dir(args.out, overwrite=args.overwrite) as tmp:
        result.save(tmp, tok)
        pairs.save(tmp / "pair_config.json")
    summary = {
        "out": os.fspath(args.out),
        "sequences": result.n_sequences,
        "target_tokens": result.n_target_tokens,
        "first_loss": result.losses[0],
        "final_loss": result.losses[-1],
        "steps": len(result.losses),
        "seconds": result.seconds,
    }
    if truth:
        path = Path(args.canaries_out or f"{os.fspath(args.out).rstrip('/')}.canaries.json")
        path.write_text(json.dumps({"data": os.fspath(args.data), "canaries": truth}, indent=2) + "\n")
        summary["canaries_out"] = os.fspath(path)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    run_recipe(main, make_parser())
