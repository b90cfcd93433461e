"""End-to-end stage timings: fine-tuning, scan, pairs, update, verification and writing, measured in
one run on the demo setup (tiny GPT-2 + LoRA, planted secrets), with each stage's ratio to the
fine-tuning it repairs and to retraining without the secrets.

    python benchmarks/e2e.py                    # demo size
    python benchmarks/e2e.py --documents 320    # twice the corpus
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--documents", type=int, nargs="+", default=[160], help="Corpus sizes to time.")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    return p


def run(documents: int, seed: int) -> dict[str, Any]:
    from sanitize.exposure.config import ExposureConfig
    from sanitize.influence.config import UpdateConfig
    from sanitize.pipeline import PipelineConfig, StageConfigs, sanitize_model
    from sanitize.scanner import scan
    from sanitize_lab.demo import DemoConfig, build_setup, retrain_reference

    config = DemoConfig(documents=documents, seed=seed)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as work:
        start = time.perf_counter()
        setup = build_setup(work, config)
        timings["base+finetune"] = time.perf_counter() - start
        timings["finetune"] = setup.finetune_seconds
        findings = scan(setup.corpus.texts)
        start = time.perf_counter()
        reference = retrain_reference(setup, findings, config)
        timings["retrain"] = time.perf_counter() - start
        result = sanitize_model(
            setup.base, setup.corpus.texts, f"{work}/out", adapter=setup.adapter, findings=None,
            heldout=setup.corpus.heldout, reference=reference, progress=False,
            configs=StageConfigs(
                pipeline=PipelineConfig(verify_max_secrets=len(config.types)), pairs=setup.pair_config,
                update=UpdateConfig(curvature_samples=config.curvature_samples, max_iter=config.max_iter),
                exposure=ExposureConfig(sample_size=config.exposure_sample, bootstrap=0),
            ),
        )  # fmt: skip
    timings.update(result.report.timings)
    return {"documents": documents, "timings": timings, "summary": result.report.summary()}


def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    import torch

    torch.set_num_threads(args.threads)
    rows = [run(n, args.seed) for n in args.documents]
    stages = ["finetune", "retrain", "load", "scan", "pairs", "update", "verify", "write"]
    print(f"{'documents':>9}  " + "  ".join(f"{s:>9}" for s in stages) + "  update/finetune  update/retrain")
    for r in rows:
        t = r["timings"]
        cells = "  ".join(f"{t.get(s, float('nan')):>9.2f}" for s in stages)
        print(
            f"{r['documents']:>9}  {cells}  {t['update'] / t['finetune']:>15.3f}  {t['update'] / t['retrain']:>14.3f}"
        )
    return rows


if __name__ == "__main__":
    main(make_parser().parse_args())
