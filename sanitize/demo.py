"""``sanitize demo``: the whole story offline in a few minutes on a laptop CPU.

1. build a small realistic corpus with planted secrets (:mod:`sanitize.democorpus`);
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

from .config import DemoConfig, FinetuneConfig


@dataclasses.dataclass
class DemoResult:
    report: Any  # sanitize.report.Report
    out: Path | None
    seconds: float

    def __repr__(self) -> str:
        return f"DemoResult(secrets={len(self.report.rows)}, seconds={self.seconds:.1f})"


def finetune_config(config: DemoConfig) -> FinetuneConfig:
    return FinetuneConfig(
        lora_r=8, lora_alpha=16.0, target_modules=["all-linear"], epochs=config.finetune_epochs,
        learning_rate=5e-3, batch_size=8, seed=config.seed,
    )  # fmt: skip


def build_base(workdir: Path, config: DemoConfig) -> str:
    """Train a tokenizer and pre-train a tiny GPT-2 on secret-free text; save it; return its path."""
    from .democorpus import filler_texts
    from .testing import save_tiny, tiny_model, train_causal_lm, train_tokenizer

    general = filler_texts(600, seed=config.seed + 100)
    tok = train_tokenizer(general, kind="gpt2", vocab_size=512)
    model = tiny_model(tok, kind="gpt2", seed=config.seed, hidden=config.hidden, layers=config.layers)
    model.train()
    for p in model.parameters():
        p.requires_grad_(True)
    train_causal_lm(
        model, tok, general, steps=config.pretrain_steps, lr=3e-3, batch_size=16, seed=config.seed
    )
    return save_tiny(model, tok, workdir / "base")


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

    from .config import PairConfig, ScanConfig
    from .democorpus import build_demo_corpus
    from .finetune import finetune
    from .models import load_model
    from .pairs import sanitize_texts
    from .pipeline import Stages, sanitize_model
    from .scan import scan

    config = config or DemoConfig()
    start = time.perf_counter()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    stages = Stages(progress)
    with tempfile.TemporaryDirectory(prefix="sanitize-demo-") as scratch:
        work = Path(workdir or scratch)
        with stages.stage("base"):
            base = build_base(work, config)
        corpus = build_demo_corpus(
            n_documents=config.documents, types=tuple(config.types), repeats=config.repeats, seed=config.seed
        )
        pair_config = PairConfig(max_length=128)
        ft = finetune_config(config)
        with stages.stage("finetune"):
            model, tok = load_model(base)
            trained = finetune(model, tok, corpus.texts, ft, pair_config)
            trained.save(work / "adapter", tok)
        with stages.stage("scan"):
            findings = scan(corpus.texts, ScanConfig())
        with stages.stage("retrain"):
            model, tok = load_model(base)
            clean = sanitize_texts(corpus.texts, findings, pair_config)
            reference = finetune(model, tok, clean, ft, pair_config).model
        result = sanitize_model(
            base,
            corpus.texts,
            out,
            adapter=work / "adapter",
            findings=findings,
            heldout=corpus.heldout,
            pair_config=pair_config,
            overwrite=overwrite,
            progress=progress,
            reference=reference,
        )
    report = result.report
    report.timings = {**stages.timings, **report.timings}
    return DemoResult(report=report, out=result.out, seconds=time.perf_counter() - start)
