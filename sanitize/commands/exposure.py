"""``sanitize exposure``: how exposed is a secret in a model (Carlini et al.'s exposure)?

    sanitize exposure --base B [--adapter A] --secret 4821 --space digits:4 --prefix "the door code is "
    sanitize exposure --base B --canaries truth.jsonl
    sanitize exposure --base B --findings findings.jsonl --data corpus.jsonl
    ... [--compare-adapter A2] [--json] [--plot out.png] [--reveal]

Secrets are shown masked unless ``--reveal`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import SanitizeError
from . import add_corpus_arguments, corpus_options


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "exposure", help="Measure the exposure (and rank among a candidate space) of secrets in a model."
    )
    p.add_argument("--base", required=True, help="Base model directory or hub id.")
    p.add_argument("--adapter", default=None, help="PEFT adapter on top of --base (the model measured).")
    p.add_argument(
        "--compare-adapter", default=None,
        help="A second adapter (e.g. after unlearning): report and plot both, before -> after.",
    )  # fmt: skip
    p.add_argument("--dtype", default=None, help="Load the model in this dtype (float32, float64, bf16...).")
    what = p.add_argument_group("what to measure (one of)")
    what.add_argument("--secret", default=None, help="The secret string (give --space too).")
    what.add_argument(
        "--canaries", default=None, help="Canary ground-truth file from `sanitize canary insert`."
    )
    what.add_argument(
        "--findings", default=None, help="Findings JSONL from `sanitize scan` (give --data too)."
    )
    p.add_argument(
        "--space", default=None,
        help="Candidate space: digits:N, hex:N, lower:N, upper:N, alnum:N, pattern:P, luhn:P, list:a,b or file:PATH.",
    )  # fmt: skip
    p.add_argument("--prefix", default="", help="Text right before the secret (with --secret).")
    p.add_argument("--context", default=None, help="Text before the prefix, e.g. the training record.")
    p.add_argument("--data", default=None, help="The training corpus the findings refer to.")
    add_corpus_arguments(p)
    p.add_argument("--method", choices=("auto", "exact", "extrapolated"), default="auto",
                   help="exact: enumerate the space; extrapolated: skew-normal fit on a sample; auto: by --budget.")  # fmt: skip
    p.add_argument("--budget", type=int, default=100_000, help="Largest space enumerated exactly by 'auto'.")
    p.add_argument("--sample-size", type=int, default=5_000, help="Candidates sampled for extrapolation.")
    p.add_argument(
        "--bootstrap", type=int, default=30, help="Bootstrap resamples for the interval (0: none)."
    )
    p.add_argument("--batch-size", type=int, default=256, help="Candidates per forward pass.")
    p.add_argument("--seed", type=int, default=0, help="Sampling seed.")
    p.add_argument("--json", action="store_true", help="Print results as JSON.")
    p.add_argument(
        "--plot", default=None, help="Write a PNG: candidate-score histograms with the secret marked."
    )
    p.add_argument("--reveal", action="store_true", help="Show secrets in plaintext in the output.")
    return p


def _targets(args: argparse.Namespace) -> list[dict[str, Any]]:
    """One dict per secret to measure: secret, space, prefix, context, label fields."""
    chosen = [n for n in ("secret", "canaries", "findings") if getattr(args, n) is not None]
    if len(chosen) != 1:
        raise SanitizeError("give exactly one of --secret, --canaries or --findings")
    if args.secret is not None:
        if not args.space:
            raise SanitizeError("--secret needs --space (e.g. --space digits:6)")
        return [{"secret": args.secret, "space": args.space, "prefix": args.prefix, "context": args.context}]
    if args.canaries is not None:
        from ..exposure.canaries import read_canaries

        return [
            {"secret": c.canary, "space": c.space, "prefix": c.prefix, "context": None,
             "label": {"repetitions": c.repetitions}}
            for c in read_canaries(args.canaries)
        ]  # fmt: skip
    if args.data is None:
        raise SanitizeError("--findings needs --data (the corpus the findings refer to)")
    return []


def _precheck(targets: list[dict[str, Any]], args: argparse.Namespace, config: Any) -> None:
    """Refuse, before a model is loaded, a secret outside its space or an exact run over the budget."""
    from ..exposure.spaces import parse_space
    from ..fingerprint import mask_secret

    for t in targets:
        space = parse_space(t["space"])
        if t["secret"] not in space:
            raise SanitizeError(
                f"the secret ({mask_secret(t['secret'])}, {len(t['secret'])} characters) is not in the "
                f"candidate space {space.label}; give a --space that contains it"
            )
        if args.method == "exact" and space.size > config.exact_budget:
            raise SanitizeError(
                f"--method exact: space {space.label} has {space.size:.3g} candidates, more than --budget "
                f"{config.exact_budget}; use --method extrapolated or auto, or raise --budget"
            )


def _check_files(args: argparse.Namespace) -> None:
    """Inputs that are not files, a --plot that cannot be written or would overwrite an input."""
    from ..files import check_input_path, check_not_input, check_output_file, check_utf8_lines

    inputs = {"--canaries": args.canaries, "--findings": args.findings, "--data": args.data,
              "--base": args.base, "--adapter": args.adapter, "--compare-adapter": args.compare_adapter}  # fmt: skip
    for flag, path in inputs.items():
        if path is not None:
            check_input_path(path, flag)
    if args.findings is not None:
        check_utf8_lines(args.findings, "findings")
    if args.plot:
        check_output_file(args.plot, "--plot")
        check_not_input(args.plot, inputs, "--plot")


def _measure(model: Any, tok: Any, args: argparse.Namespace, targets: list[dict[str, Any]], config: Any,
             findings: Any, corpus: Any) -> list[tuple[dict[str, Any], Any]]:  # fmt: skip
    from ..exposure import exposure, findings_exposure

    if findings is not None:
        texts = (
            dict(zip(corpus["doc"], corpus["text"]))
            if "doc" in corpus.column_names
            else dict(enumerate(corpus["text"]))
        )
        out = []
        from ..exposure.spaces import space_for

        for r in findings_exposure(model, tok, corpus, findings, config, method=args.method):
            f = findings[r.finding]
            secret = texts[f.doc][f.start : f.end]
            # the space's spec spells out the secret's literal characters: shown with --reveal only
            spec = space_for(secret, f.type).spec
            out.append(({"secret": secret, "space_spec": spec, "label": {"type": f.type}}, r))
        return out
    return [
        (t, exposure(model, tok, t["secret"], t["space"], t["prefix"], t["context"], args.method, config))
        for t in targets
    ]


def _record(target: dict[str, Any], result: Any, reveal: bool) -> dict[str, Any]:
    rec = {**target.get("label", {}), **result.to_dict()}
    if reveal:
        rec["secret"] = target["secret"]
        if "space_spec" in target:
            rec["space_spec"] = target["space_spec"]
    return rec


def run(args: argparse.Namespace) -> int:
    from ..exposure.config import ExposureConfig
    from ..models import load_model

    _check_files(args)
    targets = _targets(args)
    config = ExposureConfig(
        exact_budget=args.budget, sample_size=args.sample_size, bootstrap=args.bootstrap,
        batch_size=args.batch_size, seed=args.seed,
    )  # fmt: skip
    _precheck(targets, args, config)
    findings = corpus = None
    if args.findings is not None:
        from ..data import load_corpus
        from ..findings import read_findings

        findings = read_findings(args.findings)
        try:
            corpus = load_corpus(args.data, **corpus_options(args))
        except OSError as exc:
            from ..files import os_error

            raise os_error(exc) from None
    model, tok = load_model(args.base, args.adapter, dtype=args.dtype)
    before = _measure(model, tok, args, targets, config, findings, corpus)
    after = None
    if args.compare_adapter is not None:
        del model
        model, tok = load_model(args.base, args.compare_adapter, dtype=args.dtype)
        after = _measure(model, tok, args, targets, config, findings, corpus)
    records = []
    for i, (target, result) in enumerate(before):
        rec = _record(target, result, args.reveal)
        if after is not None:
            rec["after"] = {
                k: v for k, v in after[i][1].to_dict().items() if k not in ("preview", "fingerprint")
            }
        records.append(rec)
    if args.plot:
        _plot(args.plot, before, after, args.reveal)
    if args.json:
        json.dump(records, sys.stdout, indent=2)
        print()
    else:
        _print_table(records)
    return 0


def _print_table(records: list[dict[str, Any]]) -> None:
    print(f"{'secret':<24} {'context':<8} {'space':<36} {'method':<12} {'exposure':>9} {'rank':>12} {'|R|':>10}"
          + (f" {'after':>9}" if records and "after" in records[0] else ""))  # fmt: skip
    for r in records:
        rank = f"{r['rank']:.0f}" if r["method"] == "exact" else f"~{r['rank']:.3g}"
        line = (f"{r.get('secret', r['preview'])[:24]:<24} {r['context_kind']:<8} {r['space'][:36]:<36} "
                f"{r['method']:<12} {r['exposure']:>9.2f} {rank:>12} {r['space_size']:>10.3g}")  # fmt: skip
        if "after" in r:
            line += f" {r['after']['exposure']:>9.2f}"
        print(line)


def _plot(path: str, before: list[tuple[dict[str, Any], Any]], after: Any, reveal: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = before[:12]
    cols = min(3, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.5 * rows), squeeze=False)
    for ax in axes.flat[len(shown) :]:
        ax.set_visible(False)
    for i, (target, res) in enumerate(shown):
        ax = axes.flat[i]
        series = [("before" if after is not None else "model", res, "tab:blue")]
        if after is not None:
            series.append(("after", after[i][1], "tab:orange"))
        for name, r, color in series:
            ax.hist(r.reference_scores, bins=60, alpha=0.5, color=color, label=f"{name} candidates")
            ax.axvline(
                r.score, color=color, linestyle="--", label=f"{name} secret: exposure {r.exposure:.1f}"
            )
        label = target["secret"] if reveal else res.preview
        ax.set_title(f"{label} ({res.context_kind}, {res.space})", fontsize=9)
        ax.set_xlabel("candidate NLL (nats)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    from ..files import atomic_write_bytes

    try:
        atomic_write_bytes(path, lambda fh: fig.savefig(fh, format="png", dpi=100))
    finally:
        plt.close(fig)
