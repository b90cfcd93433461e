r"""The seed paper's canary experiment (Warnecke et al., NDSS 2023, after Carlini et al.'s Secret
Sharer), reproduced in the paper's regime and judged more strictly than the paper does.

The canary "my telephone number is 0123456789!' said alice." is inserted k times (6 and 29) inside
*Alice in Wonderland* at paragraph breaks; a tiny GPT-2 is trained from scratch on the book with it
(the paper's char-LSTM), per seed. Against the models retrained from scratch without the canary
(their spread over the seeds is the target band), it compares the first- and second-order influence
updates (every weight), fine-tuning on the sanitized documents and on the whole sanitized corpus, a
first-order tau sweep (exposure vs held-out perplexity) and the replacement strategies, and runs a
relearning attack and a model-difference attack. Exposure of the 10 digits after the prefix in
``digits:10`` and in the book's alphabet, refit per model (bootstrap interval) and under the original
model's reference distribution (the paper's way). See ``sanitize_lab.alice``.

    python recipes/alice_canary.py --text ../shared/data/alice_in_wonderland.txt --out runs/alice \
        --repeats 6 29 --seeds 3

Every config field is a flag: ``--alice.FIELD`` (the experiment, ``sanitize_lab.alice.AliceConfig``;
short ``--repeats``, ``--seeds``, ``--max-chars``, ``--replacement``, ...), ``--model.FIELD`` (the tiny
GPT-2, ``BaseModelConfig``; ``--hidden``, ``--layers``, ``--pretrain-steps``, ...), ``--update.FIELD``
(``UpdateConfig``; its scope is every weight) and ``--exposure.FIELD`` (``ExposureConfig``;
``--sample-size``, ``--bootstrap``); or a ``--config`` YAML with those sections
(``recipes/configs/alice_canary.yaml``). The text is read from ``--text``, never copied; outputs
(``alice.json``, ``alice.md``, ``alice.png``) hold the masked canary only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sanitize.arguments import add_config_arguments, add_config_file_argument, config_values, run_recipe
from sanitize.exposure.config import ExposureConfig
from sanitize.influence.config import UpdateConfig
from sanitize_lab.alice import AliceConfig
from sanitize_lab.alice_models import BaseModelConfig

SECTIONS = ("alice", "model", "update", "exposure")
REQUIRED = ("text", "out")
DEFAULTS: dict[str, dict[str, Any]] = {"exposure": {"sample_size": 2000, "bootstrap": 20}}
METHODS = ("original", "retrain", "first_order", "second_order", "finetune_twins", "finetune_corpus")


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_file_argument(p)
    p.add_argument("--text", help="Path to alice_in_wonderland.txt (plain text; required).")
    p.add_argument("--out", help="Directory for alice.json / alice.md / alice.png (required).")
    p.add_argument("--overwrite", action="store_true")
    add_config_arguments(
        p, AliceConfig, "alice",
        aliases={"repeats": "--repeats", "seeds": "--seeds", "max_chars": "--max-chars", "chunk_chars": "--chunk-chars",
                 "replacement": "--replacement", "finetune_steps": "--finetune-steps"},
    )  # fmt: skip
    add_config_arguments(
        p, BaseModelConfig, "model",
        aliases={"vocab_size": "--vocab-size", "hidden": "--hidden", "layers": "--layers",
                 "pretrain_steps": "--pretrain-steps", "max_length": "--max-length"},
    )  # fmt: skip
    add_config_arguments(p, UpdateConfig, "update")
    add_config_arguments(
        p, ExposureConfig, "exposure", aliases={"sample_size": "--sample-size", "bootstrap": "--bootstrap"}
    )
    return p


def configs(args: argparse.Namespace) -> tuple[AliceConfig, BaseModelConfig, UpdateConfig, ExposureConfig]:
    """The four configs: dataclass defaults < the recipe's defaults < ``--config`` sections < flags."""
    out = []
    for cls, section in ((AliceConfig, "alice"), (BaseModelConfig, "model"), (UpdateConfig, "update"),
                         (ExposureConfig, "exposure")):  # fmt: skip
        out.append(cls.from_dict({**DEFAULTS.get(section, {}), **config_values(args, section)}))
    return tuple(out)  # type: ignore[return-value]


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _mean_of(rows: list[dict[str, Any]]) -> Any:
    def mean(key: str) -> float | None:
        vals = [r.get(key) for r in rows]
        return None if any(v is None for v in vals) else sum(vals) / len(vals)

    return mean


def _shown(replacement: str, limit: int = 24) -> str:
    """A replacement on one table line: quoted (a model-sampled one may hold line breaks), cut at ``limit``."""
    return repr(replacement if len(replacement) <= limit else replacement[:limit] + "...")


def format_tables(summary: dict[str, Any]) -> str:
    """The main table (mean over seeds, band, inside count) and the sweep / replacement tables."""
    lines = []
    for run in summary["runs"]:
        s, c = run["summary"], run["summary_chars"]
        lo, hi = s["band"]
        lines.append(f"k = {run['repeats']} insertions, {len(run['seeds'])} seeds; retrained band (digits) "
                     f"[{lo:.2f}, {hi:.2f}] bits")  # fmt: skip
        lines.append(f"{'method':<16} {'digits':>7} {'paper':>7} {'chars':>7} {'inside':>6} {'leaked':>10} "
                     f"{'ppl':>8} {'seconds':>8} {'relearn':>8} {'diff':>5}")  # fmt: skip
        for m in METHODS:
            rows = [r[m] for r in run["seeds"]]
            mean = _mean_of(rows)
            lines.append(
                f"{m:<16} {_fmt(s[m]['mean']):>7} {_fmt(mean('paper_digits')):>7} {_fmt(c[m]['mean']):>7} "
                f"{s[m]['inside']:>3}/{len(rows):<2} {'/'.join(map(str, s[m]['leaked_context'])):>10} "
                f"{_fmt(s[m]['perplexity']):>8} {_fmt(s[m]['seconds'], 1):>8} {_fmt(mean('relearned_digits')):>8} "
                f"{_fmt(mean('difference_leaked'), 1):>5}"
            )  # fmt: skip
        lines.append(
            "replaced by: "
            + "; ".join(sorted({", ".join(map(_shown, r["replacements"])) for r in run["seeds"]}))
        )
        if run["tau_sweep"]:
            lines.append("first-order tau sweep (seed 0): factor  tau  digits  ppl  leaked")
            lines += [f"  {p['factor']:g}  {p['tau']:.3g}  refused (breaks the model)" if "refused" in p else
                      f"  {p['factor']:g}  {p['tau']:.3g}  {p['exposure_digits']:.2f}  {p['perplexity']:.2f}  "
                      f"{p['leaked_context']}" for p in run["tau_sweep"]]  # fmt: skip
        if run["replacement_study"]:
            lines.append("second order by replacement (seed 0): strategy (replaced by)  digits  chars  ppl")
            lines += [f"  {p['replacement']} ({', '.join(map(_shown, p['replaced_by']))})  refused by the held-out guard"
                      if "refused" in p else
                      f"  {p['replacement']} ({', '.join(map(_shown, p['replaced_by']))})  {p['exposure_digits']:.2f}  "
                      f"{p['exposure_chars']:.2f}  {p['perplexity']:.2f}" for p in run["replacement_study"]]  # fmt: skip
        for m in METHODS:
            n = sum(1 for r in run["seeds"] if "refused" in r[m])
            if n:
                lines.append(
                    f"{m}: the held-out guard refused the update on {n} seed(s); measured as the original"
                )
        lines.append("")
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = summary["runs"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for i, run in enumerate(runs):
        s = run["summary"]
        axes[0].bar([j + 0.8 * i / len(runs) for j in range(len(METHODS))], [s[m]["mean"] for m in METHODS],
                    width=0.8 / len(runs), label=f"k = {run['repeats']}")  # fmt: skip
        axes[0].axhspan(*s["band"], alpha=0.15, color=f"C{i}")
        if run["tau_sweep"]:
            sw = [p for p in run["tau_sweep"] if "refused" not in p]
            axes[1].plot(
                [p["perplexity"] for p in sw],
                [p["exposure_digits"] for p in sw],
                "o-",
                label=f"first order, k = {run['repeats']}",
            )
            for m in ("second_order", "retrain", "original"):
                axes[1].scatter([s[m]["perplexity"]], [s[m]["mean"]], marker="x")
                axes[1].annotate(f"{m} k={run['repeats']}", (s[m]["perplexity"], s[m]["mean"]), fontsize=7)
    axes[0].set_xticks(range(len(METHODS)), METHODS, rotation=30, fontsize=8)
    axes[0].set_ylabel("digit exposure (bits); shaded: retrained band")
    axes[1].set_xlabel("held-out perplexity")
    axes[1].set_ylabel("digit exposure (bits)")
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(args: argparse.Namespace) -> dict[str, Any]:
    from sanitize.outdir import atomic_output_dir, check_output_dir
    from sanitize_lab.alice import run_alice

    alice, model, update, exposure = configs(args)  # validated before anything is trained
    check_output_dir(args.out, overwrite=args.overwrite)
    summary = run_alice(args.text, alice, model, update, exposure)
    table = format_tables(summary)
    with atomic_output_dir(args.out, overwrite=args.overwrite) as tmp:
        (tmp / "alice.json").write_text(json.dumps(summary, indent=2) + "\n")
        (tmp / "alice.md").write_text("# Alice canary experiment\n\n```\n" + table + "\n```\n")
        plot(summary, tmp / "alice.png")
    print(table)
    return summary


if __name__ == "__main__":
    run_recipe(main, make_parser(), sections=SECTIONS, required=REQUIRED)
