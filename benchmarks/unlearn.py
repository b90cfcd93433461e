"""Benchmark: influence unlearning against retraining and the usual baselines, measured side by side.

    OMP_NUM_THREADS=1 python benchmarks/unlearn.py                       # tiny GPT-2 + LoRA, CPU (~ minutes)
    OMP_NUM_THREADS=1 python benchmarks/unlearn.py --scope head          # the LM-head scope
    python benchmarks/unlearn.py --device cuda --preset gpt2-small        # GPT-2-small-sized model on a GPU

Prints three tables from one run (every number measured in this process):

1. methods (``sanitize_lab.methods``): retrain (the reference), finetune_twins (on Z̃), gradient ascent
   on Z, first order, second order per solver (exact where the scope fits ``max_dense``, cg, lissa) --
   wall time, ratio to retraining,
   exposure per secret (bits, in its training context), held-out perplexity;
2. update time vs corpus size (1x, 2x, 4x, 8x public text, same secrets) next to retraining time
   (same epochs), and peak memory of the update;
3. update time vs number of secrets (1, 10, 100; same repeats each);
4. the whole ``sanitize unlearn`` run (:func:`sanitize.pipeline.sanitize_model` on the setup saved to
   disk: base, adapter, data and findings files) phase by phase -- load, scan + pairs, update,
   verify, write -- next to retraining the scope with the same recipe (same epochs) at each corpus
   size of ``--e2e-scales`` (1x and 8x): the ratio of the whole run to retraining, verify's share of
   the run, and a GPU cost model from the token counts (every forward through the token embedding,
   with or without gradient) extrapolated to retraining on 5M tokens x 3 epochs. Runs are timed warm,
   as retraining is (fine-tuning the setup ran its code first); the process's first run, which pays
   one-time imports and lazy set-up, is timed too (``cold s``).

Peak memory is the peak resident set size above the level before the call (sampled every 2 ms), or
``torch.cuda.max_memory_allocated`` above the allocation before the call on a GPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # tiny: the acceptance-4 setting (tests/influence/test_unlearn_lm.py)
    "tiny": {"hidden": 64, "layers": 2, "heads": 4, "vocab": 400, "pretrain_steps": 300, "steps": 400,
             "n_public": 400, "pretrain_texts": 1200, "lora_r": 8, "batch_size": 16,
             "secret_digits": (4, 4, 5, 5), "repeats": 10},
    # smoke: seconds, for the test that keeps this script from rotting
    "smoke": {"hidden": 16, "layers": 1, "heads": 2, "vocab": 300, "pretrain_steps": 20, "steps": 20,
              "n_public": 40, "pretrain_texts": 100, "lora_r": 2, "batch_size": 8,
              "secret_digits": (3, 3), "repeats": 4,
              # table 4 writes a report: a 3-digit secret would match its numbers (the plaintext audit refuses)
              "e2e_secret_digits": (6, 6), "e2e_quality_budget": 256},
    # GPT-2-small-sized (124M-like: 768 x 12 layers), randomly initialised and briefly pre-trained
    "gpt2-small": {"hidden": 768, "layers": 12, "heads": 12, "vocab": 8000, "pretrain_steps": 600,
                   "steps": 600, "n_public": 4000, "pretrain_texts": 20000, "lora_r": 16, "batch_size": 32,
                   "secret_digits": (4, 4, 5, 5), "repeats": 10},
}  # fmt: skip


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny", help="model and corpus size")
    p.add_argument("--scope", choices=("adapter", "head"), default="adapter")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--methods",
        default="retrain,finetune_twins,gradient_ascent,first_order,exact,cg,lissa",
        help="comma-separated rows of table 1: sanitize_lab.methods names, or a second-order solver",
    )
    p.add_argument("--baseline-steps", type=int, default=20, help="k steps of fine-tune / gradient ascent")
    p.add_argument("--scales", default="1,2,4,8", help="corpus-size multipliers for table 2 ('' to skip)")
    p.add_argument("--n-secrets", default="1,10,100", help="numbers of secrets for table 3 ('' to skip)")
    p.add_argument(
        "--update", action="append", default=[], metavar="KEY=VALUE",
        help="override an UpdateConfig field for every influence row (JSON value), e.g. curvature_samples=32",
    )  # fmt: skip
    p.add_argument(
        "--e2e-scales", default="1,8",
        help="corpus multipliers for table 4: the whole sanitize unlearn run vs retraining ('' to skip)",
    )  # fmt: skip
    p.add_argument(
        "--pipeline", action="append", default=[], metavar="KEY=VALUE",
        help="override a PipelineConfig field in table 4 (JSON value), e.g. verify_budget=512",
    )  # fmt: skip
    p.add_argument("--json", default=None, help="also write all rows to this JSON file")
    return p


# --------------------------------------------------------------------------------------------------
def peak_memory(fn: Callable[[], Any], device: str = "cpu") -> tuple[Any, float, float]:
    """Run ``fn``; return (its result, seconds, peak memory above the starting level in MiB)."""
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = torch.cuda.memory_allocated()
        t0 = time.perf_counter()
        out = fn()
        torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
        return out, seconds, (torch.cuda.max_memory_allocated() - start) / 2**20

    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * page

    start, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.002)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    finally:
        seconds = time.perf_counter() - t0
        done.set()
        thread.join()
    return out, seconds, max(0, max(peak[0], rss()) - start) / 2**20


def _overrides(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` flags as a dict (JSON values, else strings)."""
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _update_config(method: str, args: argparse.Namespace, l2: float = 0.0) -> Any:
    """The update's config; ``l2`` is the training objective's regulariser (part of the curvature)."""
    from sanitize.influence.config import UpdateConfig

    overrides: dict[str, Any] = {"l2": l2, **_overrides(args.update)}
    if method == "first_order":
        return UpdateConfig(scope=args.scope, order=1, seed=args.seed, **overrides)
    if method != "second_order":  # a solver name: second order with that solver
        overrides["solver"] = method
    return UpdateConfig(scope=args.scope, order=2, seed=args.seed, **overrides)


@dataclasses.dataclass
class Row:
    table: str
    method: str
    seconds: float
    ratio: float = math.nan
    exposures: tuple[float, ...] = ()
    ppl: float = math.nan
    peak_mib: float = math.nan
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def run_methods(setup: Any, methods: Sequence[str], args: argparse.Namespace, validation: Any) -> list[Row]:
    """Table 1 on one fine-tuned setup; a solver name (exact, cg, lissa) is ``second_order`` with it."""
    from sanitize_lab import planted as E
    from sanitize_lab.baselines import BaselineConfig
    from sanitize_lab.methods import METHODS

    tok, corpus = setup.tokenizer, setup.corpus
    rows = []
    n_scope = sum(int(t.numel()) for t in setup.init.values())
    for method in methods:
        registered = METHODS.get(method, METHODS["second_order"])
        heldout = None
        if method == "retrain":
            cfg: Any = BaselineConfig(scope=setup.scope, **setup.train_config)
        elif registered.kind == "baseline":
            cfg = BaselineConfig(
                scope=setup.scope, steps=args.baseline_steps, lr=setup.train_config["lr"], seed=args.seed,
                batch_size=min(setup.train_config["batch_size"], len(setup.pairs)),
            )  # fmt: skip
        else:
            if method == "exact" and n_scope > 5000:
                continue  # dense solve does not fit; reported as absent
            cfg = _update_config(method, args, setup.train_config.get("l2", 0.0))
            heldout = validation
        fn = functools.partial(
            registered, setup.finetuned, setup.pairs, setup.train_sanitized, cfg, heldout=heldout, init=setup.init,
            n_train_tokens=setup.n_train_tokens, apply=False,
        )  # fmt: skip
        try:
            out, seconds, peak = peak_memory(fn, args.device)
        except Exception as exc:  # a refusal (UnlearnError) is a result too
            rows.append(Row("methods", method, math.nan, extra={"error": f"{type(exc).__name__}: {exc}"}))
            continue
        model = out.result.apply(setup.finetuned).eval()
        rows.append(
            Row("methods", method, seconds, exposures=tuple(E.exposures(model, tok, corpus)),
                ppl=E.heldout_perplexity(model, setup.heldout), peak_mib=peak,
                extra={k: v for k, v in out.result.metrics.items() if isinstance(v, (int, float, str))})
        )  # fmt: skip
    ref = next((r.seconds for r in rows if r.method == "retrain"), math.nan)
    for r in rows:
        r.ratio = r.seconds / ref
    return rows


def run_scaling(args: argparse.Namespace, preset: dict[str, Any], setup: Any) -> list[Row]:
    """Tables 2 and 3: the default (cg) update's time and memory vs corpus size and number of secrets.

    The update is computed on the fine-tuned model of table 1 with pairs, curvature pool and T of each
    corpus (its cost depends on those, not on the values of the weights); retraining is measured on
    each corpus for the same number of epochs as table 1 (steps x corpus multiplier).
    """
    from sanitize.influence.tasks import count_targets
    from sanitize.influence.update import unlearn
    from sanitize_lab import planted as E
    from sanitize_lab.baselines import BaselineConfig
    from sanitize_lab.methods import METHODS

    tok, rows = setup.tokenizer, []
    scales = [int(s) for s in args.scales.split(",") if s]
    counts = [int(s) for s in args.n_secrets.split(",") if s]
    same = {"secret_digits": preset["secret_digits"], "repeats": preset["repeats"]}
    cases = [("corpus", f"{k}x", {"n_public": preset["n_public"] * k, **same}, k) for k in scales]
    cases += [("secrets", str(n), {"secret_digits": (4,) * n, "repeats": 4}, 1) for n in counts]
    validation = E.tokenize_records(E.public_texts(64, args.seed + 20_000), tok)
    cfg = _update_config("cg", args, setup.train_config.get("l2", 0.0))
    for table, label, corpus_kw, k in cases:
        corpus = E.planted_corpus(seed=args.seed, n_heldout=16, **corpus_kw)
        san = corpus.sanitized(args.seed)
        train_san = E.tokenize_records(san, tok)
        pairs = E.experiment_pairs(corpus, tok, args.seed)
        n_tokens = count_targets(E.tokenize_records(corpus.texts, tok))
        call = functools.partial(
            unlearn, setup.finetuned, pairs, curvature=train_san, heldout=validation, n_train_tokens=n_tokens,
            config=cfg,
        )  # fmt: skip
        extra: dict[str, Any] = {"pairs": len(pairs), "train_tokens": n_tokens}
        try:
            _, seconds, peak = peak_memory(call, args.device)
        except Exception as exc:  # a refusal still took time; report it
            seconds, peak = math.nan, math.nan
            extra["error"] = f"{type(exc).__name__}: {exc}"
        ratio = math.nan
        if table == "corpus":
            bcfg = BaselineConfig(
                scope=args.scope, **{**setup.train_config, "steps": setup.train_config["steps"] * k}
            )
            retrained = METHODS["retrain"](
                setup.finetuned, pairs, train_san, bcfg, init=setup.init, apply=False
            )
            extra["retrain_s"] = retrained.seconds
            ratio = seconds / extra["retrain_s"]
        rows.append(Row(table, label, seconds, ratio=ratio, peak_mib=peak, extra=extra))
    return rows


# --------------------------------------------------------------------------------------------------
# Table 4: the whole `sanitize unlearn` run vs retraining
PHASES = ("load", "scan+pairs", "update", "verify", "write")
GPU_TOKENS, GPU_EPOCHS = 5_000_000, 3  # the retraining the GPU cost model compares with
FWD, BWD = 1.0, 2.0  # cost units per token: a forward, and the backward that follows a forward with grad


class TokenCounter:
    """Tokens through the token embedding (every forward of a model whose embedding has ``vocab``
    rows), split into forwards with gradient (a backward follows) and without, under a label."""

    def __init__(self, vocab: int) -> None:
        self.vocab, self.label = vocab, "other"
        self.counts: dict[str, dict[str, int]] = {}
        self._handle: Any = None

    def __enter__(self) -> TokenCounter:
        import torch

        def hook(module: Any, args: Any, output: Any) -> None:
            if isinstance(module, torch.nn.Embedding) and module.num_embeddings == self.vocab:
                kind = "grad" if torch.is_grad_enabled() else "nograd"
                c = self.counts.setdefault(self.label, {"grad": 0, "nograd": 0})
                c[kind] += int(output.numel() // output.shape[-1])  # (..., D) -> tokens

        self._handle = torch.nn.modules.module.register_module_forward_hook(hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handle.remove()

    def units(self, label: str) -> float:
        """Cost units: a token forward = 1, a forward with gradient = 1 + 2 (its backward)."""
        c = self.counts.get(label, {"grad": 0, "nograd": 0})
        return FWD * c["nograd"] + (FWD + BWD) * c["grad"]


def _labelled(counter: TokenCounter, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*a: Any, **kw: Any) -> Any:
        previous, counter.label = counter.label, label
        try:
            return fn(*a, **kw)
        finally:
            counter.label = previous

    return wrapped


def _save_setup(setup: Any, scope: str, where: str) -> dict[str, Any]:
    """The fine-tuned setup as a user has it on disk: base (+ adapter), data JSONL, findings JSONL."""
    from sanitize.findings import write_findings
    from sanitize_lab.tiny import save_tiny

    files: dict[str, Any] = {"data": f"{where}/train.jsonl", "findings": f"{where}/findings.jsonl"}
    if scope == "adapter":
        files["base"] = save_tiny(setup.base, setup.tokenizer, f"{where}/base")
        setup.finetuned.save_pretrained(f"{where}/adapter")
        files["adapter"] = f"{where}/adapter"
    else:  # the fine-tuned full model (its untied head) is what the user sanitizes
        files["base"] = save_tiny(setup.finetuned, setup.tokenizer, f"{where}/model")
        files["adapter"] = None
    with open(files["data"], "w", encoding="utf-8") as fh:
        for text in setup.corpus.texts:
            fh.write(json.dumps({"text": text}) + "\n")
    write_findings(files["findings"], setup.corpus.findings())
    return files


def run_e2e(args: argparse.Namespace, preset: dict[str, Any], setup: Any) -> list[Row]:
    """Table 4: ``sanitize_model`` (what ``sanitize unlearn --base B [--adapter A] --data D --findings F
    --out OUT`` runs) on each scale's fine-tuned setup saved to disk, next to retraining the scope on the
    sanitized corpus with the fine-tuning's recipe (``steps`` x the scale: the same epochs).

    Every scale fine-tunes and retrains its own setup (table 1's recipe on its corpus, secrets of the
    preset's ``e2e_secret_digits`` when set), so retraining is timed and counted in the same run. Token
    counts: the update and verify phases' forwards (and backwards) and retraining's (half of what
    fine-tuning + retraining count together: the same recipe on corpora of the same length)."""
    import importlib
    import tempfile

    from sanitize.influence.config import UpdateConfig
    from sanitize.pipeline import PipelineConfig, StageConfigs, sanitize_model
    from sanitize_lab import planted as E

    pipeline_run = importlib.import_module("sanitize.pipeline.run")  # the package exports names like it
    rows = []
    counter = TokenCounter(len(setup.tokenizer))
    upd = UpdateConfig(scope=args.scope, seed=args.seed, **_overrides(args.update))
    pipe = PipelineConfig(seed=args.seed, **_overrides(args.pipeline))
    for k in [int(v) for v in args.e2e_scales.split(",") if v]:
        with counter:
            counter.label = f"{k}x:setup"
            corpus = E.planted_corpus(
                n_public=preset["n_public"] * k, repeats=preset["repeats"], seed=args.seed,
                secret_digits=preset.get("e2e_secret_digits", preset["secret_digits"]),
            )  # fmt: skip
            scaled = E.make_setup(
                args.scope, corpus=corpus, tokenizer=setup.tokenizer, base=setup.base, seed=args.seed,
                steps=preset["steps"] * k, batch_size=preset["batch_size"], lora_r=preset["lora_r"],
            )  # fmt: skip
            with tempfile.TemporaryDirectory(prefix="bench-unlearn-e2e-") as work:
                files = _save_setup(scaled, args.scope, work)
                cold = math.nan
                if not rows:  # the process's first run pays one-time imports and lazy set-up: timed apart
                    counter.label = f"{k}x:cold"  # (retraining's code was warmed by fine-tuning the setup)
                    t0 = time.perf_counter()
                    sanitize_model(
                        files["base"], files["data"], f"{work}/cold", adapter=files["adapter"],
                        findings=files["findings"], configs=StageConfigs(pipeline=pipe, update=upd),
                        progress=False,
                    )  # fmt: skip
                    cold = time.perf_counter() - t0
                patched = {
                    "_update": _labelled(counter, f"{k}x:update", pipeline_run._update),
                    "verify": _labelled(counter, f"{k}x:verify", pipeline_run.verify),
                }
                saved = {name: getattr(pipeline_run, name) for name in patched}
                for name, fn in patched.items():
                    setattr(pipeline_run, name, fn)
                try:
                    counter.label = f"{k}x:run"
                    t0 = time.perf_counter()
                    result = sanitize_model(
                        files["base"], files["data"], f"{work}/out", adapter=files["adapter"],
                        findings=files["findings"], configs=StageConfigs(pipeline=pipe, update=upd),
                        progress=False,
                    )  # fmt: skip
                    total = time.perf_counter() - t0
                finally:
                    for name, fn in saved.items():
                        setattr(pipeline_run, name, fn)
        t = result.report.timings
        phases = {
            "load": t.get("load", 0.0), "scan+pairs": t.get("scan", 0.0) + t.get("pairs", 0.0),
            "update": t.get("update", 0.0), "verify": t.get("verify", 0.0), "write": t.get("write", 0.0),
        }  # fmt: skip
        retrain_s = scaled.seconds["retrain"]
        setup_units = counter.units(f"{k}x:setup")
        extra = {
            "phases": phases, "total": total, "retrain_s": retrain_s, "verify_share": phases["verify"] / total,
            "cold_total": cold,
            "findings": len(scaled.corpus.findings()), "train_tokens": scaled.n_train_tokens,
            "units": {
                "update": counter.units(f"{k}x:update"), "verify": counter.units(f"{k}x:verify"),
                "retrain": setup_units / 2,  # fine-tuning and retraining: one recipe, two corpora alike
            },
            "update_metrics": {m: result.update.metrics.get(m) for m in ("curvature_products", "rounds")},
        }  # fmt: skip
        extra["quality"] = _quality(scaled, result.model, preset.get("e2e_quality_budget", 100_000))
        rows.append(Row("e2e", f"{k}x", total, ratio=total / retrain_s, extra=extra))
    return rows


def _quality(setup: Any, after: Any, budget: int) -> dict[str, Any]:
    """Exposure of each secret (first occurrence, training context) before, after and retrained,
    measured after the timed run: exact up to ``budget`` candidates, else ``budget`` draws."""
    from sanitize.exposure.prepared import prepare_exposures, score_exposures

    corpus = setup.corpus
    firsts = [corpus.first(k) for k in range(len(corpus.secrets))]
    findings = [f for f in corpus.findings() if any((f.doc, f.start) == (o.doc, o.start) for o in firsts)]
    prepared = prepare_exposures(setup.tokenizer, corpus.texts, findings, budget=budget)
    out: dict[str, Any] = {}
    for name, model in (("before", setup.finetuned), ("after", after), ("retrained", setup.retrained)):
        out[name] = [
            None if r is None else float(r.exposure) for r in score_exposures(model.eval(), prepared)
        ]
    gaps = [a - r for a, r in zip(out["after"], out["retrained"]) if a is not None and r is not None]
    out["max_gap"] = max(gaps) if gaps else math.nan
    return out


def gpu_cost_model(row: Row) -> dict[str, float]:
    """Update + verify units vs retraining on ``GPU_TOKENS`` x ``GPU_EPOCHS``: the update and verify
    work is set by the findings and the samples (``curvature_samples``, ``objective_samples``, the
    verification budget), not by the corpus, so their counts carry over; retraining scales with it."""
    u = row.extra["units"]
    sanitize_units = u["update"] + u["verify"]
    retrain_big = (FWD + BWD) * GPU_TOKENS * GPU_EPOCHS
    return {
        "sanitize_units": sanitize_units, "retrain_units": u["retrain"],
        "measured_fraction": sanitize_units / u["retrain"], "gpu_fraction": sanitize_units / retrain_big,
    }  # fmt: skip


def _fmt_e2e(rows: list[Row]) -> str:
    head = (
        f"{'corpus':<7}{'findings':>9}{'train tok':>10}" + "".join(f"{p:>11}" for p in PHASES)
        + f"{'total s':>9}{'retrain s':>10}{'x retrain':>10}{'verify %':>9}{'after-retr':>11}{'cold s':>8}"
        + f"{'cold x':>8}"
    )  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in rows:
        e = r.extra
        cells = "".join(f"{e['phases'][p]:11.2f}" for p in PHASES)
        lines.append(
            f"{r.method:<7}{e['findings']:>9}{e['train_tokens']:>10}{cells}{r.seconds:9.2f}"
            f"{e['retrain_s']:10.2f}{r.ratio:10.3f}{100 * e['verify_share']:9.1f}{e['quality']['max_gap']:11.2f}"
            f"{e['cold_total']:8.2f}{e['cold_total'] / e['retrain_s']:8.3f}"
        )
    lines.append(
        "after-retr: the largest (exposure after - retrained) over the secrets, bits, each in the training "
        "context of its first occurrence; total s: the run timed warm (the process's second run, like retraining,"
        " whose code fine-tuning the setup warmed); cold s: the process's first run (one-time imports, lazy set-up)"
    )
    lines.append("")
    lines.append(
        f"GPU cost model (token units: forward {FWD:g}, backward {BWD:g}; retraining "
        f"{GPU_TOKENS / 1e6:g}M tokens x {GPU_EPOCHS} epochs = {(FWD + BWD) * GPU_TOKENS * GPU_EPOCHS:.3g} units)"
    )
    for r in rows:
        g, u = gpu_cost_model(r), r.extra["units"]
        lines.append(
            f"  {r.method}: update {u['update']:.3g} + verify {u['verify']:.3g} = {g['sanitize_units']:.3g} units"
            f" vs retraining here {u['retrain']:.3g} -> {g['measured_fraction']:.3f}x;"
            f" vs {GPU_TOKENS / 1e6:g}M x {GPU_EPOCHS}: {100 * g['gpu_fraction']:.2f}%"
        )
    return "\n".join(lines)


def _fmt_table(rows: list[Row], secrets: int) -> str:
    head = f"{'method':<16}{'seconds':>9}{'x retrain':>10}{'ppl':>11}{'peak MiB':>10}  exposure per secret (bits)"
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r.extra:
            lines.append(f"{r.method:<16}  refused: {r.extra['error'][:80]}")
            continue
        exp = " ".join(f"{e:5.2f}" for e in r.exposures)
        lines.append(f"{r.method:<16}{r.seconds:9.2f}{r.ratio:10.3f}{r.ppl:11.4g}{r.peak_mib:10.1f}  {exp}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from sanitize_lab import planted as E
    from sanitize_lab.tiny import train_tokenizer

    torch.manual_seed(args.seed)
    preset = PRESETS[args.preset]
    corpus = E.planted_corpus(
        n_public=preset["n_public"],
        secret_digits=preset["secret_digits"],
        repeats=preset["repeats"],
        seed=args.seed,
    )
    extra_public = E.public_texts(preset["pretrain_texts"], args.seed + 1)
    tok = train_tokenizer(corpus.texts + corpus.heldout + extra_public[:400], vocab_size=preset["vocab"])
    t0 = time.perf_counter()
    base = E.pretrain_base(
        tok, extra_public, hidden=preset["hidden"], layers=preset["layers"], heads=preset["heads"],
        steps=preset["pretrain_steps"], seed=args.seed, device=args.device,
    )  # fmt: skip
    pretrain_s = time.perf_counter() - t0
    setup = E.make_setup(
        args.scope, corpus=corpus, tokenizer=tok, base=base, seed=args.seed, steps=preset["steps"],
        batch_size=preset["batch_size"], lora_r=preset["lora_r"],
    )  # fmt: skip
    validation = E.tokenize_records(E.public_texts(64, args.seed + 20_000), tok)
    before = Row(
        "methods", "before", math.nan, exposures=tuple(E.exposures(setup.finetuned, tok, corpus)),
        ppl=E.heldout_perplexity(setup.finetuned, setup.heldout),
    )  # fmt: skip
    rows = run_methods(setup, [m for m in args.methods.split(",") if m], args, validation)
    scaling = run_scaling(args, preset, setup) if (args.scales or args.n_secrets) else []
    e2e = run_e2e(args, preset, setup) if args.e2e_scales else []

    n_scope = sum(int(t.numel()) for t in setup.init.values())
    print(
        f"\n== unlearn benchmark: preset={args.preset} scope={args.scope} ({n_scope} params) device={args.device} "
        f"secrets={len(corpus.secrets)} pairs={len(setup.pairs)} train tokens={setup.n_train_tokens} "
        f"pretrain={pretrain_s:.1f}s fine-tune={setup.seconds['finetune']:.1f}s"
    )
    print(_fmt_table([before, *rows], len(corpus.secrets)))
    for table, title in (
        ("corpus", "update time vs corpus size (same secrets)"),
        ("secrets", "vs number of secrets"),
    ):
        sel = [r for r in scaling if r.table == table]
        if not sel:
            continue
        print(f"\n-- {title}")
        print(
            f"{'size':<8}{'pairs':>7}{'train tok':>11}{'update s':>10}{'retrain s':>11}{'ratio':>8}{'peak MiB':>10}"
        )
        for r in sel:
            print(
                f"{r.method:<8}{r.extra['pairs']:>7}{r.extra['train_tokens']:>11}{r.seconds:10.2f}"
                f"{r.extra.get('retrain_s', math.nan):11.2f}{r.ratio:8.3f}{r.peak_mib:10.1f}"
            )
    if e2e:
        print(
            "\n-- the whole `sanitize unlearn` run (load + scan/pairs + update + verify + write) vs retraining"
        )
        print(_fmt_e2e(e2e))
    out = {
        "args": vars(args),
        "before": dataclasses.asdict(before),
        "rows": [dataclasses.asdict(r) for r in rows],
        "scaling": [dataclasses.asdict(r) for r in scaling],
        "e2e": [{**dataclasses.asdict(r), "gpu": gpu_cost_model(r)} for r in e2e],
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2, default=str)
    return out


if __name__ == "__main__":
    main(make_parser().parse_args())
