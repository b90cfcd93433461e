"""The recipe matrix of issue 16: does the influence update match retraining however the scope was
fine-tuned, with NO l2 stated?

One planted setup (tiny GPT-2 pre-trained on public text, 4 secrets x ``repeats`` documents, see
:mod:`sanitize_lab.planted`) is built once. Each cell fine-tunes the scope with one recipe through the
lab's one trainer (:func:`sanitize_lab.train.train`, the sampled loop: batches of 16 drawn with a
seeded generator), re-trains it the same way from the same initial state on the sanitized corpus (the
reference), and runs :func:`sanitize.influence.update.unlearn` with ``l2='auto'`` (the update finds the
regulariser itself) in up to two variants:

* ``fit``: nothing about the training is passed (lambda fitted to the stationarity residual);
* ``log``: the learning-rate schedule of the lab's ``train_state.json`` (optimizer, lr, schedule,
  steps, weight decay) as a :class:`~sanitize.influence.implicit.TrainingLog`, without Adam's moments
  (the lab does not keep ``optimizer.pt``).

Cells (``name:schedule:epochs``): ``adamw0`` (AdamW, weight decay 0, lr 1e-2), ``adamw01`` (decoupled
weight decay 0.01), ``sgd`` (lr 1.0), ``l2`` (AdamW on loss + 1e-2/2 ||theta||^2, the l2 NOT stated)
for the LoRA adapter; ``head-adamw`` (lr 3e-2) and ``head-lbfgs`` (no penalty, ``epochs`` = L-BFGS
iterations) for the untied LM head, whose reference point is the base model's head (``reference=``).

Targets per cell and secret: exposure after <= retrained + 1 bit; held-out ppl <= 1.01x before and
<= 1.03x retrained. ``python -m sanitize_lab.matrix --cells all`` prints the table (README).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

from sanitize.influence.config import UpdateConfig
from sanitize.influence.implicit import TrainingLog

from . import planted as E
from .train import TrainConfig, head_features, train

ADAPTER_CELLS = [f"{o}:{s}:{e}" for o in ("adamw0", "adamw01", "sgd", "l2") for s in ("constant", "linear")
                 for e in (1, 3, 20)]  # fmt: skip
HEAD_CELLS = ["head-adamw:constant:20", "head-lbfgs:-:500"]
ALL_CELLS = ADAPTER_CELLS + HEAD_CELLS
BATCH = 16


@dataclasses.dataclass
class Shared:
    """What every cell shares: corpus, tokenizer, pre-trained base and the tokenised sets."""

    corpus: Any
    tokenizer: Any
    base: Any
    train: list[Any]
    train_sanitized: list[Any]
    heldout: list[Any]  # ppl measured here (never seen by the update)
    validation: list[Any]  # the update's held-out guard
    pairs: Any
    n_train_tokens: int


def build(seed: int = 0, repeats: int = 16, pretrain_steps: int = 300) -> Shared:
    """The planted setup of acceptance 4 (``sanitize_lab.planted``), once."""
    from sanitize.influence.tasks import count_targets

    from .tiny import train_tokenizer

    corpus = E.planted_corpus(seed=seed, repeats=repeats)
    tok = train_tokenizer(corpus.texts + corpus.heldout + E.public_texts(400, seed + 1), vocab_size=400)
    base = E.pretrain_base(tok, E.public_texts(1200, seed + 1), steps=pretrain_steps, seed=seed)
    train_seqs = E.tokenize_records(corpus.texts, tok)
    return Shared(
        corpus, tok, base, train_seqs, E.tokenize_records(corpus.sanitized(seed), tok),
        E.tokenize_records(corpus.heldout, tok), E.tokenize_records(E.public_texts(64, seed + 20_000), tok),
        E.experiment_pairs(corpus, tok, seed), count_targets(train_seqs),
    )  # fmt: skip


def recipe(cell: str, n_sequences: int, seed: int = 0) -> tuple[str, TrainConfig]:
    """``name:schedule:epochs`` -> (scope, the trainer's config)."""
    name, schedule, epochs = cell.split(":")
    steps = int(epochs) * math.ceil(n_sequences / BATCH)
    common = {"loop": "sampled", "batch_size": BATCH, "seed": seed}
    if name == "head-lbfgs":
        return "head", TrainConfig(scope="head", optimizer="lbfgs", max_steps=int(epochs), **common)
    if name == "head-adamw":
        return "head", TrainConfig(
            scope="head", schedule=schedule, max_steps=steps, learning_rate=3e-2, **common
        )
    extra: dict[str, Any] = {
        "adamw0": {}, "adamw01": {"weight_decay": 0.01}, "sgd": {"optimizer": "sgd", "learning_rate": 1.0},
        "l2": {"l2": 1e-2},
    }[name]  # fmt: skip
    kw = {"learning_rate": 1e-2, **extra}
    return "adapter", TrainConfig(scope="adapter", schedule=schedule, max_steps=steps, **common, **kw)


def training_log(state: dict[str, Any]) -> TrainingLog | None:
    """The lab's ``train_state.json`` -> the learning rate of every step (no Adam moments)."""
    if state.get("optimizer") == "lbfgs" or not state.get("steps"):
        return None
    steps, lr = int(state["steps"]), float(state["learning_rate"])
    lrs = [lr * (1.0 - i / steps) if state["schedule"] == "linear" else lr for i in range(steps)]
    return TrainingLog(lrs=lrs, weight_decay=float(state.get("weight_decay") or 0.0),
                       optimizer=str(state["optimizer"]))  # fmt: skip


@dataclasses.dataclass
class Row:
    cell: str
    variant: str
    before: list[float]
    after: list[float]
    retrained: list[float]
    ppl: tuple[float, float, float]  # before, after, retrained
    regulariser: dict[str, Any]
    products: int
    rounds: list[dict[str, Any]]
    update_s: float
    retrain_s: float
    error: str | None = None
    band: list[float] = dataclasses.field(default_factory=list)  # per secret: max retrained over the seeds
    refine: dict[str, Any] | None = None  # the refinement's metrics (UpdateConfig.refine_steps > 0)

    @property
    def band_gap(self) -> float:
        """max over secrets of (after - the highest retrained exposure over the retraining seeds)."""
        return max(a - r for a, r in zip(self.after, self.band)) if self.after and self.band else math.nan

    @property
    def gap(self) -> float:
        return max(a - r for a, r in zip(self.after, self.retrained)) if self.after else math.inf

    @property
    def ok(self) -> bool:
        b, a, r = self.ppl
        return self.error is None and self.gap <= 1.0 and a <= 1.01 * b and a <= 1.03 * r

    def line(self) -> str:
        fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)  # noqa: E731
        reg = self.regulariser
        lam = f"{reg.get('source', '-')} {reg.get('lambda', float('nan')):.2g}"
        alphas = ",".join(f"{r['alpha']:.2f}" if r["alpha"] is not None else "-" for r in self.rounds)
        b, a, r = self.ppl
        verdict = "ok" if self.ok else f"FAIL{' (' + self.error + ')' if self.error else ''}"
        refined = f" + {self.refine['steps']} Adam ({self.refine['stop']})" if self.refine else ""
        return (
            f"| {self.cell} | {self.variant} | {fmt(self.before)} | {fmt(self.after)} | {fmt(self.retrained)} | "
            f"{self.gap:+.2f} | {b:.3f} {a:.3f} {r:.3f} | {lam} | {self.products}{refined} | {alphas} | "
            f"{self.update_s:.1f} / {self.retrain_s:.1f} | {verdict} |"
        )


HEADER = (
    "| cell | variant | exposure before | after | retrained | max gap | ppl before after retrained | "
    "λ source | products | α per round | update s / retrain s | targets |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _trained(shared: Shared, scope: str, config: TrainConfig, sequences: list[Any]) -> tuple[Any, Any]:
    from sanitize.influence.scope import untie_head

    from .baselines import scope_parameters

    if scope == "adapter":
        model = E.add_lora(shared.base, r=8, seed=config.seed)
    else:
        model = untie_head(shared.base)
        for p in model.parameters():
            p.requires_grad_(False)
    params = scope_parameters(model, scope)
    feats = head_features(model, sequences) if scope == "head" else None
    result = train(model, sequences, config, params=params, features=feats)
    return model.eval(), result


@dataclasses.dataclass
class CellSetup:
    """One cell fine-tuned and retrained, and what both measure: the start of every comparison."""

    scope: str
    config: TrainConfig
    model: Any  # fine-tuned on the corpus with its secrets
    trained: Any  # the trainer's result (its state: the learning rates)
    retrain_s: float
    before: list[float]  # exposures of the fine-tuned model
    retrained: list[float]  # exposures of the retrained one
    ppl: tuple[float, float]  # held-out perplexity: fine-tuned, retrained


def setup_cell(shared: Shared, cell: str) -> CellSetup:
    """Fine-tune ``cell`` on the corpus and retrain it on the sanitized one, each measured."""
    scope, config = recipe(cell, len(shared.train))
    model, ft = _trained(shared, scope, config, shared.train)
    t0 = time.perf_counter()
    retrained, _ = _trained(shared, scope, config, shared.train_sanitized)
    retrain_s = time.perf_counter() - t0
    tok, corpus = shared.tokenizer, shared.corpus
    ppl = (E.heldout_perplexity(model, shared.heldout), E.heldout_perplexity(retrained, shared.heldout))
    return CellSetup(scope, config, model, ft, retrain_s, E.exposures(model, tok, corpus),
                     E.exposures(retrained, tok, corpus), ppl)  # fmt: skip


def run_cell(
    shared: Shared, cell: str, variants: Sequence[str] = ("fit",), update: dict[str, Any] | None = None,
    retrain_seeds: int = 0,
) -> list[Row]:  # fmt: skip
    """Fine-tune, retrain and unlearn one cell -> one :class:`Row` per variant. ``retrain_seeds`` more
    retrainings (seeds 1..K: another adapter init and batch order) give each row the band of the
    retrained exposures, the reference's own spread (the targets stay against the seed-0 retraining)."""
    from sanitize.errors import SanitizeError
    from sanitize.influence.scope import untie_head
    from sanitize.influence.update import unlearn

    c = setup_cell(shared, cell)
    scope, model, ft, retrain_s = c.scope, c.model, c.trained, c.retrain_s
    tok, corpus = shared.tokenizer, shared.corpus
    before, ret, (ppl_b, ppl_r) = c.before, c.retrained, c.ppl
    band = list(ret) if retrain_seeds else []
    for seed in range(1, retrain_seeds + 1):
        other, _ = _trained(shared, scope, recipe(cell, len(shared.train), seed)[1], shared.train_sanitized)
        band = [max(b, e) for b, e in zip(band, E.exposures(other, tok, corpus))]
    reference = untie_head(shared.base) if scope == "head" else None
    rows = []
    for variant in variants:
        log = training_log(ft.state) if variant == "log" else None
        cfg = UpdateConfig(scope=scope, **(update or {}))
        t0 = time.perf_counter()
        try:
            res = unlearn(model, shared.pairs, curvature=shared.train_sanitized, heldout=shared.validation,
                          n_train_tokens=shared.n_train_tokens, config=cfg, reference=reference, log=log)  # fmt: skip
        except SanitizeError as exc:
            rows.append(Row(cell, variant, before, [], ret, (ppl_b, math.nan, ppl_r), {}, 0, [],
                            time.perf_counter() - t0, retrain_s, type(exc).__name__))  # fmt: skip
            continue
        update_s = time.perf_counter() - t0
        new = res.apply(model).eval()
        m = res.metrics
        rows.append(Row(cell, variant, before, E.exposures(new, tok, corpus), ret,
                        (ppl_b, E.heldout_perplexity(new, shared.heldout), ppl_r), m["regulariser"],
                        m["curvature_products"], m["round_log"], update_s, retrain_s, band=band,
                        refine=m.get("refine")))  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m sanitize_lab.matrix", description=__doc__.split("\n")[0])
    parser.add_argument("--cells", default="all", help="comma-separated cells, 'adapter', 'head' or 'all'")
    parser.add_argument("--variants", default="fit,log")
    parser.add_argument("--update", default="", help="UpdateConfig overrides, e.g. max_rounds=2,max_iter=20")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--retrain-seeds", type=int, default=0, help="retrain K more times (the reference's spread)"
    )
    args = parser.parse_args(argv)
    import torch

    torch.manual_seed(args.seed)
    named = {"all": ALL_CELLS, "adapter": ADAPTER_CELLS, "head": HEAD_CELLS}
    cells = named.get(args.cells) or args.cells.split(",")
    update: dict[str, Any] = {}
    for item in filter(None, args.update.split(",")):
        key, value = item.split("=", 1)
        update[key] = _value(value)
    shared = build(args.seed)
    print(HEADER, flush=True)
    rows = []
    for cell in cells:
        for row in run_cell(shared, cell, args.variants.split(","), update, args.retrain_seeds):
            print(row.line(), flush=True)
            if row.band:
                print(f"  {cell} {row.variant}: retrained max over {args.retrain_seeds + 1} seeds "
                      f"{' '.join(f'{b:.2f}' for b in row.band)}; after - that max {row.band_gap:+.2f}")  # fmt: skip
            rows.append(row)
    print(f"{sum(r.ok for r in rows)}/{len(rows)} rows meet the targets")
    return rows


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


if __name__ == "__main__":
    main()
