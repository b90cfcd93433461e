r"""Fine-tune any causal LM with LoRA through Hugging Face ``Trainer``, optionally planting canaries.

How users make the models ``sanitize unlearn`` repairs, and how auditors make test models with known
secrets. Tokenisation is ``sanitize.pairs.tokenize_corpus`` (record or packed, same flags as
``sanitize unlearn``), so the unlearning stage rebuilds exactly the sequences training saw; training is
the lab's one trainer (``sanitize_lab.train``, Trainer loop), which also writes ``train_state.json``
(optimiser, learning rates, steps, losses) next to the adapter.

    python recipes/finetune_lora.py --base gpt2 --data train.jsonl --out runs/adapter \
        --canary "my telephone number is 0123456789" --canary-repeats 6 \
        --canaries-out runs/canaries.json --epochs 3 --learning-rate 1e-3

Every field of the training config (``sanitize_lab.train.TrainConfig``) is a flag ``--train.FIELD``
(the common ones also short: ``--epochs``, ``--learning-rate``, ``--lora-r``, ``--l2``, ...), every field
of the tokenisation (``sanitize.pairs.PairConfig``) a flag ``--pairs.FIELD`` (``--mode``,
``--max-length``, ``--block-size``). Or a YAML file with sections ``train:`` and ``pairs:`` (flags win):
``--config recipes/configs/finetune_lora.yaml``.
The canary ground truth (texts, positions, repeats) goes to ``--canaries-out``, never into the
adapter directory.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from sanitize.arguments import add_config_arguments, add_config_file_argument, config_from_args, run_recipe
from sanitize.pairs import PairConfig
from sanitize_lab.planted_corpus import plant_canaries
from sanitize_lab.train import TrainConfig

SECTIONS = ("train", "pairs")
REQUIRED = ("base", "data", "out")
TRAIN_ALIASES = {
    "scope": "--method", "lora_r": "--lora-r", "lora_alpha": "--lora-alpha", "target_modules": "--target-modules",
    "epochs": "--epochs", "max_steps": "--max-steps", "learning_rate": "--learning-rate",
    "batch_size": "--batch-size", "l2": "--l2", "seed": "--seed",
}  # fmt: skip


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_file_argument(p)
    p.add_argument("--base", help="Base model (local directory or hub id; required).")
    p.add_argument("--data", help="Training data (any sanitize corpus format; required).")
    p.add_argument("--text-field", default="text", help="Field holding the text.")
    p.add_argument("--out", help="Where the adapter (or full model) is saved, atomically (required).")
    p.add_argument("--overwrite", action="store_true", help="Replace a non-empty --out.")
    p.add_argument("--canary", action="append", default=[], help="A canary text to plant (repeatable).")
    p.add_argument("--canary-repeats", type=int, nargs="+", default=[1],
                   help="Copies of each canary (one value, or one per --canary).")  # fmt: skip
    p.add_argument("--canaries-out", help="Ground-truth JSON (default: <out>.canaries.json).")
    p.add_argument("--dtype", default=None, help="Load the base in this dtype.")
    add_config_arguments(p, TrainConfig, "train", aliases=TRAIN_ALIASES)
    add_config_arguments(
        p,
        PairConfig,
        "pairs",
        aliases={"mode": "--mode", "max_length": "--max-length", "block_size": "--block-size"},
    )
    return p


def main(args: argparse.Namespace) -> dict[str, Any]:
    from sanitize.data import load_corpus
    from sanitize.errors import SanitizeError
    from sanitize.models import load_model
    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize_lab.train import finetune

    config = config_from_args(TrainConfig, args, "train")  # validated before anything is loaded
    check_output_dir(args.out, overwrite=args.overwrite)
    texts = list(load_corpus(args.data, text_field=args.text_field)["text"])
    if not texts:
        raise SanitizeError(f"{args.data}: the corpus is empty")
    truth: list[dict[str, Any]] = []
    if args.canary:
        texts, truth = plant_canaries(texts, args.canary, args.canary_repeats, config.seed)
    pairs = config_from_args(PairConfig, args, "pairs")
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
    run_recipe(main, make_parser(), sections=SECTIONS, required=REQUIRED)
