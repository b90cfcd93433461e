"""``sanitize-lab demo``: the whole story offline in a few minutes on a laptop CPU.

1. build a small realistic corpus with planted secrets (:mod:`sanitize_lab.democorpus`);
2. pre-train a tiny GPT-2 on secret-free text (the "base model"), then fine-tune a LoRA adapter on
   the corpus with HF ``Trainer`` -- the adapter memorises the secrets;
3. scan the corpus, retrain the adapter on the sanitized corpus (the gold-standard reference);
4. run the sanitization pipeline (pairs -> influence update -> verification) and print the
   before / after / retrained table.

Everything is built in-process from configs; nothing is downloaded.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sanitize.config import BaseConfig, option, seed_option

from .train import TrainConfig


@dataclasses.dataclass
class DemoConfig(BaseConfig):
    """Sizes of the demo (defaults finish in well under 3 minutes on 2 CPU cores)."""

    documents: int = option(160, help="Training documents in the demo corpus.")
    repeats: int = option(6, help="How many documents hold each planted secret.")
    types: list[str] = option(
        ["credit_card", "password", "github_token"], help="Secret types planted (one secret each)."
    )
    pretrain_steps: int = option(200, help="Full-model steps pre-training the tiny base on secret-free text.")
    finetune_epochs: float = option(10.0, help="LoRA epochs over the demo corpus (also for the reference).")
    l2: float = option(
        1e-2,
        help="L2 penalty of the LoRA fine-tuning objective (TrainConfig.l2), stated to the update (UpdateConfig.l2).",
    )
    hidden: int = option(64, help="Hidden size of the tiny GPT-2.")
    layers: int = option(2, help="Transformer blocks of the tiny GPT-2.")
    seed: int = seed_option("the corpus, the models and the update")
    curvature_samples: int = option(32, help="UpdateConfig.curvature_samples for the demo's update.")
    max_iter: int = option(15, help="UpdateConfig.max_iter (CG iterations) for the demo's update.")
    exposure_sample: int = option(500, help="Candidates sampled per exposure estimate (extrapolated).")
    verify_per_secret: int = option(1, help="Occurrences verified per distinct secret.")

    def __post_init__(self) -> None:
        for name in ("curvature_samples", "max_iter", "exposure_sample", "verify_per_secret"):
            self._check_range(name, 1)
        for name in ("documents", "repeats", "pretrain_steps", "hidden", "layers"):
            self._check_range(name, 1)
        self._check_range("finetune_epochs", 0.0, low_open=True)
        self._check_range("l2", 0.0)


@dataclasses.dataclass
class DemoResult:
    report: Any  # sanitize.report.Report
    out: Path | None
    seconds: float
    cpu_seconds: float = 0.0  # process CPU time (wall time on a machine shared with other jobs is longer)

    def __repr__(self) -> str:
        return f"DemoResult(secrets={len(self.report.rows)}, seconds={self.seconds:.1f})"


def finetune_config(config: DemoConfig) -> TrainConfig:
    """LoRA on every linear layer through Hugging Face ``Trainer`` (the fine-tuning and the reference)."""
    return TrainConfig(
        lora_r=8, lora_alpha=16.0, target_modules=["all-linear"], epochs=config.finetune_epochs,
        learning_rate=5e-3, batch_size=8, seed=config.seed, l2=config.l2,
    )  # fmt: skip


def build_base(workdir: Path, config: DemoConfig) -> str:
    """Train a tokenizer and pre-train a tiny GPT-2 on secret-free text; save it; return its path."""
    from .democorpus import filler_texts
    from .tiny import save_tiny, tiny_model, train_tokenizer
    from .train import train_texts

    general = filler_texts(600, seed=config.seed + 100)
    tok = train_tokenizer(general, kind="gpt2", vocab_size=512)
    model = tiny_model(tok, kind="gpt2", seed=config.seed, hidden=config.hidden, layers=config.layers)
    model.train()
    for p in model.parameters():
        p.requires_grad_(True)
    pretrain = TrainConfig(
        scope="full", loop="sampled", schedule="constant", max_steps=config.pretrain_steps, learning_rate=3e-3,
        batch_size=16, seed=config.seed,
    )  # fmt: skip
    train_texts(model, tok, general, pretrain)
    return save_tiny(model, tok, workdir / "base")


@dataclasses.dataclass
class DemoSetup:
    """A base model, a LoRA adapter fine-tuned on a corpus with planted secrets, and that corpus."""

    base: str
    adapter: str
    corpus: Any  # sanitize_lab.democorpus.DemoCorpus (holds the planted secrets: keep in memory)
    pair_config: Any
    finetune_seconds: float


def build_setup(workdir: str | os.PathLike[str], config: DemoConfig | None = None) -> DemoSetup:
    """Build the demo's base model and fine-tuned adapter in ``workdir`` (used by the demo,
    notebooks, tests and benchmarks)."""
    from sanitize.models import load_model
    from sanitize.pairs import PairConfig

    from .democorpus import build_demo_corpus
    from .train import finetune

    config = config or DemoConfig()
    work = Path(workdir)
    base = build_base(work, config)
    corpus = build_demo_corpus(
        n_documents=config.documents, types=tuple(config.types), repeats=config.repeats, seed=config.seed
    )
    pair_config = PairConfig(max_length=128)
    model, tok = load_model(base)
    trained = finetune(model, tok, corpus.texts, finetune_config(config), pair_config)
    trained.save(work / "adapter", tok)
    return DemoSetup(base, str(work / "adapter"), corpus, pair_config, trained.seconds)


def retrain_reference(setup: DemoSetup, findings: Any, config: DemoConfig) -> Any:
    """The gold standard: the same LoRA fine-tuning on the corpus with every finding replaced."""
    from sanitize.models import load_model
    from sanitize.pairs import sanitize_texts

    from .train import finetune

    model, tok = load_model(setup.base)
    clean = sanitize_texts(setup.corpus.texts, findings, setup.pair_config)
    return finetune(model, tok, clean, finetune_config(config), setup.pair_config).model


def run_demo(
    out: str | os.PathLike[str] | None = None,
    config: DemoConfig | None = None,
    *,
    overwrite: bool = False,
    progress: bool = True,
    workdir: str | os.PathLike[str] | None = None,
) -> DemoResult:
    """Run the demo; writes the sanitized adapter and report to ``out`` when given."""
    import torch

    from sanitize.exposure.config import ExposureConfig
    from sanitize.influence.config import UpdateConfig
    from sanitize.pipeline import PipelineConfig, StageConfigs, Stages, sanitize_model
    from sanitize.scanner import ScanConfig, scan

    config = config or DemoConfig()
    start, cpu_start = time.perf_counter(), time.process_time()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    stages = Stages(progress)
    with tempfile.TemporaryDirectory(prefix="sanitize-demo-") as scratch:
        with stages.stage("finetune"):  # base pre-training + LoRA fine-tuning on the corpus
            setup = build_setup(workdir or scratch, config)
        with stages.stage("scan"):
            findings = scan(setup.corpus.texts, ScanConfig())
        with stages.stage("retrain"):
            reference = retrain_reference(setup, findings, config)
        configs = StageConfigs(
            pipeline=PipelineConfig(
                verify_max_secrets=len(config.types) * config.verify_per_secret,
                verify_contexts=config.verify_per_secret,
            ),
            pairs=setup.pair_config,
            update=UpdateConfig(
                curvature_samples=config.curvature_samples,
                max_iter=config.max_iter,
                seed=config.seed,
                l2=config.l2,
            ),
            exposure=ExposureConfig(sample_size=config.exposure_sample, bootstrap=0, seed=config.seed),
        )
        result = sanitize_model(
            setup.base,
            setup.corpus.texts,
            out,
            adapter=setup.adapter,
            findings=findings,
            heldout=setup.corpus.heldout,
            configs=configs,
            overwrite=overwrite,
            progress=progress,
            reference=reference,
        )
    report = result.report
    report.timings = {**stages.timings, **report.timings}
    return DemoResult(
        report=report, out=result.out, seconds=time.perf_counter() - start,
        cpu_seconds=time.process_time() - cpu_start,
    )  # fmt: skip
