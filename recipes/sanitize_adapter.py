"""The full sanitization pipeline from one config file: scan -> pairs -> update -> verify -> OUT.

Same options as ``sanitize unlearn`` (flags or top-level YAML keys), plus per-stage sections
``pipeline:``, ``scan:``, ``pairs:``, ``update:``, ``exposure:`` holding the fields of each stage's
config dataclass. Flags on the command line win over the file.

    python recipes/sanitize_adapter.py --config recipes/configs/sanitize_adapter.yaml \
        --base runs/base --adapter runs/adapter --data train.jsonl --out runs/sanitized

The output directory holds the sanitized PEFT adapter (``PeftModel.from_pretrained(base, OUT)``),
the tokenizer, ``report.json``/``report.md``/``exposure.png``, ``findings.jsonl`` (no plaintext) and
``sanitize_config.json`` (the exact configuration used).
"""

from __future__ import annotations

import argparse
from typing import Any

from sanitize.arguments import run_recipe
from sanitize.commands.unlearn import REQUIRED, SECTIONS, add_arguments, run_pipeline


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)  # includes --config
    return p


def main(args: argparse.Namespace) -> Any:
    result = run_pipeline(args)
    print(result.report.table())
    print(f"\nwrote {result.out}")
    return result


if __name__ == "__main__":
    run_recipe(main, make_parser(), sections=SECTIONS, required=REQUIRED)
