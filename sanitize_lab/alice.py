"""The seed paper's canary experiment (Warnecke et al., NDSS 2023), reproduced and made stricter.

The regime is the paper's: the canary "my telephone number is 0123456789!' said alice." inserted
``k`` times inside the book at paragraph breaks (:mod:`sanitize_lab.alice_data`), and a model trained
from scratch, every weight, on the book with the canary (:mod:`sanitize_lab.alice_models`; the
paper's char-LSTM is a tiny GPT-2 here). Per ``k`` and per seed (initialisation and batch order):

* ``original``: trained on the book with the canary; ``retrain``: trained from scratch on the book
  without it (the gold standard; its spread over the seeds is the *target band*);
* ``first_order`` / ``second_order``: the influence updates (``sanitize.influence.unlearn`` on every
  weight, scope ``params``), z -> z̃ with the canary's secret replaced (``AliceConfig.replacement``);
* ``finetune_twins`` (k steps on the sanitized documents only) and ``finetune_corpus`` (steps over
  the whole sanitized corpus: the paper's fine-tuning baseline);
* a first-order tau sweep (exposure vs held-out perplexity), a replacement study (second order with
  each strategy), a relearning attack and a model-difference attack (:mod:`sanitize_lab.alice_measure`).

Success is stricter than the paper's "exposure went down": an unlearned model's digit exposure must
lie *inside* the band of the retrained models (not below it: too low is itself a signal).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from sanitize.config import BaseConfig, option
from sanitize.exposure.config import ExposureConfig
from sanitize.influence.config import UpdateConfig
from sanitize.influence.result import UnlearnError

from .alice_models import BaseModelConfig

__all__ = ["AliceConfig", "band_summary", "run_alice"]


@dataclasses.dataclass
class AliceConfig(BaseConfig):
    """The experiment: insertions, seeds, the book's split, the baselines and the attacks."""

    repeats: list[int] = option([6, 29], help="Canary insertions, one run each (the paper: 6 and 29).")
    seeds: int = option(
        3, help="Seeds (initialisation + batch order) per run; the retrained spread is the band."
    )
    max_chars: int = option(0, help="Use only the first N characters of the text (0 = all).")
    chunk_chars: int = option(400, help="Characters per training document (whole paragraphs).")
    heldout_fraction: float = option(0.1, help="The book's last fraction, never trained on (perplexity).")
    replacement: str = option(
        "natural",
        help="Replacement of the secret in z̃: 'natural' (the paper's \"not there \"), 'natural1' (\"dry "
        "enough\"), 'surrogate' (random digits), 'model' (sampled from the original model).",
    )
    replacements: list[str] = option(
        ["natural", "natural1", "surrogate", "model"], help="Strategies of the replacement study (seed 0)."
    )
    tau_factors: list[float] = option(
        [0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
        help="First-order sweep: tau = factor * 1/top eigenvalue (seed 0, one unguarded step each).",
    )
    finetune_steps: int = option(30, help="Steps of the fine-tuning baselines (16 documents each).")
    finetune_lr: float = option(1e-3, help="Learning rate of the fine-tuning baselines and relearning.")
    relearn_steps: int = option(10, help="Clean training steps of the relearning attack.")

    def __post_init__(self) -> None:
        if not self.repeats or not all(isinstance(k, int) and k >= 1 for k in self.repeats):
            self._fail("repeats", "must be positive integers")
        self._check_range("seeds", 1)
        self._check_range("chunk_chars", 40)
        self._check_range("heldout_fraction", 0.0, 0.5, low_open=True)
        for name in ("finetune_steps", "relearn_steps"):
            self._check_range(name, 1)


def band_summary(rows: list[dict[str, Any]], key: str = "exposure_digits") -> dict[str, Any]:
    """Per method over the seeds: mean, min, max of ``key`` and how many seeds lie inside the band
    [min, max] of the retrained models."""
    lo = min(r["retrain"][key] for r in rows)
    hi = max(r["retrain"][key] for r in rows)
    out: dict[str, Any] = {"band": [lo, hi]}
    for method in rows[0]:
        if not isinstance(rows[0][method], dict) or key not in rows[0][method]:
            continue
        vals = [r[method][key] for r in rows]
        out[method] = {
            "mean": sum(vals) / len(vals), "min": min(vals), "max": max(vals),
            "inside": sum(lo <= v <= hi for v in vals), "below": sum(v < lo for v in vals),
            "leaked_context": [r[method]["leaked_context"] for r in rows],
            "seconds": sum(r[method]["seconds"] for r in rows) / len(rows),
            "perplexity": sum(r[method]["perplexity"] for r in rows) / len(rows),
        }  # fmt: skip
    return out


def run_alice(
    text: str, config: AliceConfig, model: BaseModelConfig, update: UpdateConfig, exposure: ExposureConfig,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    """The whole experiment on the book at ``text``; a JSON-able summary (never the secret)."""
    from sanitize.pairs import PairConfig, tokenize_corpus

    from . import alice_data as D
    from .alice_models import make_tokenizer, train_scratch

    book = D.read_book(text, config.max_chars)
    train_p, held_p = D.split_heldout(D.paragraphs(book), config.heldout_fraction)
    clean = D.chunk_paragraphs(train_p, config.chunk_chars)
    held_docs = D.chunk_paragraphs(held_p, config.chunk_chars)
    tok = make_tokenizer(clean + held_docs, model)
    heldout = tokenize_corpus(held_docs, tok, PairConfig(max_length=model.max_length))
    retrained = {}
    for s in range(config.seeds):
        retrained[s] = train_scratch(clean, tok, model, s)
        log(f"retrained from scratch, seed {s}: {retrained[s][1]:.1f} s")
    runs = []
    for k in config.repeats:
        planted, _ = D.insert_canary(train_p, D.CANARY, k, seed=0)
        docs = D.chunk_paragraphs(planted, config.chunk_chars)
        rows = [_one_seed(k, s, docs, held_docs, heldout, tok, retrained[s], config, model, update, exposure, log)
                for s in range(config.seeds)]  # fmt: skip
        sweep, study = rows[0].pop("tau_sweep"), rows[0].pop("replacement_study")
        runs.append({
            "repeats": k, "documents": len(docs), "seeds": rows, "summary": band_summary(rows),
            "summary_chars": band_summary(rows, "exposure_chars"), "tau_sweep": sweep,
            "replacement_study": study,
        })  # fmt: skip
    return {
        "canary_preview": D.PREFIX + "*" * len(D.SECRET) + D.SUFFIX, "documents": len(clean),
        "heldout_documents": len(held_docs), "max_exposure_digits": len(D.SECRET) * math.log2(10), "runs": runs,
        "config": config.to_dict(), "model": model.to_dict(), "update": update.to_dict(),
        "exposure": exposure.to_dict(),
    }  # fmt: skip


def update_config(update: UpdateConfig, model: BaseModelConfig, seed: int) -> UpdateConfig:
    """The updates' config: every weight, ``seed``; the training penalty stated when the model had one (the
    paper's unlearner knows its L2) and the update was not told another."""
    ucfg = dataclasses.replace(update, scope="params", params=["*"], seed=seed)
    return dataclasses.replace(ucfg, l2=model.l2) if model.l2 > 0 and update.l2 == "auto" else ucfg


def _one_seed(
    k: int, seed: int, docs: list[str], held_docs: list[str], heldout: list[Any], tok: Any,
    retrained: tuple[Any, float], config: AliceConfig, mc: BaseModelConfig, update: UpdateConfig,
    exposure: ExposureConfig, log: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    from . import alice_data as D
    from .alice_measure import difference_extraction, measure, probe_for, reference_fits
    from .alice_models import canary_job, continue_training, scratch_model, train_scratch
    from .methods import METHODS

    original, t_orig = train_scratch(docs, tok, mc, seed)
    init = scratch_model(tok, mc, seed).state_dict()  # where training started: the updates' θ_ref
    probe = probe_for(docs, heldout, docs, dataclasses.replace(exposure, seed=seed))
    fits = reference_fits(original, tok, probe)
    job = canary_job(original, tok, docs, held_docs, D.SECRET, config.replacement, mc.max_length, seed=seed)
    models: dict[str, tuple[Any, float]] = {"original": (original, t_orig), "retrain": retrained}
    ucfg = update_config(update, mc, seed)
    tau_auto = None
    refused: dict[str, str] = {}  # an update the held-out guard refuses leaves the model as it was
    for name in ("first_order", "second_order"):
        try:
            out = METHODS[name](
                original, job.pairs, job.sanitized, ucfg, heldout=job.heldout, init=init,
                n_train_tokens=job.n_train_tokens,
            )  # fmt: skip
        except UnlearnError as err:  # recorded, not fatal: the other methods and seeds still run
            models[name], refused[name] = (original, float("nan")), str(err)
            continue
        models[name] = (out.model, out.seconds)
        tau_auto = out.result.metrics.get("tau", tau_auto)
    twins = [p.sanitized for p in job.pairs]
    models["finetune_twins"] = continue_training(
        original, twins, config.finetune_steps, config.finetune_lr, seed
    )
    models["finetune_corpus"] = continue_training(
        original, job.sanitized, config.finetune_steps, config.finetune_lr, seed
    )
    row: dict[str, Any] = {"seed": seed, "replacements": job.replacements}
    for name, (m, secs) in models.items():
        row[name] = {**measure(m, tok, probe, fits), "seconds": secs}
        if name in refused:
            row[name]["refused"] = refused[name]
    clean_docs = [s for s in job.sanitized]  # relearning: a few steps on the sanitized corpus (no canary)
    for name in ("retrain", "first_order", "second_order", "finetune_corpus"):
        relearned, _ = continue_training(
            models[name][0], clean_docs, config.relearn_steps, config.finetune_lr, seed + 1
        )
        after = measure(relearned, tok, probe, fits, bootstrap=False)
        row[name]["relearned_digits"] = after["exposure_digits"]
        row[name]["relearned_leaked"] = after["leaked_context"]
        row[name]["difference_leaked"] = difference_extraction(original, models[name][0], tok, probe)
    log(
        f"k={k} seed={seed}: " + ", ".join(f"{n} {row[n]['exposure_digits']:.2f}" for n in models)
        + f" bits; replacement {config.replacement}"
    )  # fmt: skip
    row["tau_sweep"], row["replacement_study"] = [], []
    if seed == 0:
        row["tau_sweep"] = _tau_sweep(original, tok, job, probe, ucfg, tau_auto, config, init)
        row["replacement_study"] = _replacement_study(
            original, tok, docs, held_docs, probe, ucfg, config, mc, init
        )
    return row


def _tau_sweep(original: Any, tok: Any, job: Any, probe: Any, ucfg: UpdateConfig, tau_auto: float | None,
               config: AliceConfig, init: Any) -> list[dict[str, Any]]:  # fmt: skip
    """First order, one unguarded step per tau = factor * tau_auto: (tau, exposure, perplexity)."""

    from .alice_measure import measure
    from .methods import METHODS

    if tau_auto is None:
        return []
    out = []
    for f in config.tau_factors:
        cfg = dataclasses.replace(ucfg, order=1, tau=f * tau_auto, line_search=False, max_rounds=1)
        try:
            r = METHODS["first_order"](
                original, job.pairs, job.sanitized, cfg, heldout=None, init=init, n_train_tokens=job.n_train_tokens,
            )  # fmt: skip
        except UnlearnError as err:  # the step breaks the model: recorded (the recipe's table says so)
            out.append({"factor": f, "tau": f * tau_auto, "refused": str(err)})
            continue
        m = measure(r.model, tok, probe, bootstrap=False)
        out.append({"factor": f, "tau": f * tau_auto, "exposure_digits": m["exposure_digits"],
                    "perplexity": m["perplexity"], "leaked_context": m["leaked_context"], "seconds": r.seconds})  # fmt: skip
    return out


def _replacement_study(original: Any, tok: Any, docs: list[str], held_docs: list[str], probe: Any,
                       ucfg: UpdateConfig, config: AliceConfig, mc: BaseModelConfig,
                       init: Any) -> list[dict[str, Any]]:  # fmt: skip
    """Second order with each replacement strategy: what replaced the secret, exposure, perplexity."""
    from . import alice_data as D
    from .alice_measure import measure
    from .alice_models import canary_job
    from .methods import METHODS

    out = []
    for strategy in config.replacements:
        job = canary_job(original, tok, docs, held_docs, D.SECRET, strategy, mc.max_length, seed=0)
        try:
            r = METHODS["second_order"](
                original, job.pairs, job.sanitized, ucfg, heldout=job.heldout, init=init,
                n_train_tokens=job.n_train_tokens,
            )  # fmt: skip
        except (
            UnlearnError
        ) as err:  # the guard refused this replacement's update: recorded, the study goes on
            out.append({"replacement": strategy, "replaced_by": job.replacements, "refused": str(err)})
            continue
        m = measure(r.model, tok, probe, bootstrap=False)
        out.append({"replacement": strategy, "replaced_by": job.replacements, "exposure_digits": m["exposure_digits"],
                    "exposure_chars": m["exposure_chars"], "perplexity": m["perplexity"],
                    "leaked_context": m["leaked_context"], "seconds": r.seconds})  # fmt: skip
    return out
