"""``sanitize unlearn`` end to end: scan -> pairs -> update -> verify -> atomic output directory.

No maths here: each stage is a function of its own module with its own config; this module wires
them, times them, and writes the result so that ``OUT`` is complete or absent.

    >>> result = sanitize_model("base", "train.jsonl", "out", adapter="adapter")  # doctest: +SKIP
    >>> print(result.report.table())                                                # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..outdir import check_output_dir
from ..report import Report, SecretRow, check_no_plaintext
from ..types import Finding
from .config import StageConfigs
from .job import DataSource, Inputs, Job, PathLike, PipelineError, prepare_inputs, resolve_scope
from .measure import exposure_monitor, verify
from .output import write_output
from .progress import Stages

if TYPE_CHECKING:
    from ..influence import UnlearnResult


@dataclasses.dataclass
class PipelineResult:
    """What :func:`sanitize_model` produced: the report, the output directory and the update."""

    report: Report
    out: Path | None
    update: UnlearnResult
    model: Any = None  # the sanitized model (in memory)

    def __repr__(self) -> str:
        return f"PipelineResult(out={str(self.out)!r}, secrets={len(self.report.rows)})"


def sanitize_model(
    base: PathLike,
    data: DataSource,
    out: PathLike | None,
    *,
    adapter: PathLike | None = None,
    findings: Sequence[Finding] | PathLike | None = None,
    secrets: Sequence[str] | None = None,
    heldout: DataSource | None = None,
    configs: StageConfigs | None = None,
    overwrite: bool = False,
    progress: bool = True,
    reference: Any = None,
    original: PathLike | None = None,
    trainer_state: PathLike | None = None,
) -> PipelineResult:
    """Sanitize ``base`` (+ ``adapter``) fine-tuned on ``data`` and write the result to ``out``.

    Findings come from ``findings`` (a list or a findings JSONL path), else from the literal
    ``secrets``, else from scanning ``data``. ``configs``: one config per stage (how ``data`` and
    ``heldout`` are read, the scan, pairs, update, exposure; defaults for those left out).
    ``reference``: an optional model retrained without the secrets, verified alongside (the demo and
    benchmarks pass one). How the model was fine-tuned, when known, sets the update's implicit
    regulariser (:mod:`sanitize.influence.implicit`): ``original`` is the model before fine-tuning
    (its scope is the reference point θ_ref; head scope), ``trainer_state`` a Hugging Face ``Trainer``
    checkpoint folder (``trainer_state.json``'s learning rates, ``optimizer.pt``'s Adam moments).
    ``out=None`` writes nothing. The input model on disk is never modified;
    ``out`` is written atomically.
    """
    inputs = Inputs(base, data, adapter, findings, secrets or (), heldout)
    extra = {"--original": original, "--trainer-state": trainer_state}
    protected = {**inputs.paths(), **{k: v for k, v in extra.items() if v is not None}}
    configs = configs or StageConfigs()
    if out is not None:
        # fail before any expensive work; never over (or around) an input, whatever --overwrite says
        check_output_dir(out, overwrite=overwrite, inputs=protected)
    scope = resolve_scope(configs.update.scope, adapter)
    if configs.update.scope != scope:
        configs = dataclasses.replace(configs, update=dataclasses.replace(configs.update, scope=scope))
    stages = Stages(progress)
    job = prepare_inputs(inputs, configs, stages)
    configs = job.configs  # as used: pairs.max_length fitted to the model's context
    update, new_model = _update(job, stages, original, trainer_state)

    rows: list[SecretRow] = []
    perplexity: dict[str, float | None] = {}
    if configs.pipeline.verify:
        models = {"before": job.model, "after": new_model}
        if reference is not None:
            models["reference"] = reference
        with stages.stage("verify", total=len(models)) as tick:
            rows, perplexity = verify(
                models, job.tokenizer, job.texts, job.findings, job.heldout,
                exposure_config=configs.exposure, max_secrets=configs.pipeline.verify_max_secrets,
                budget=configs.pipeline.verify_budget, progress=tick, per_secret=configs.pipeline.verify_contexts,
            )  # fmt: skip

    full_config = {**configs.to_dict(), "inputs": inputs.describe()}
    report = _report(job, inputs, scope, update, rows, perplexity, stages, full_config)
    plaintexts = sorted(set(job.plaintexts()) | set(inputs.secrets))
    check_no_plaintext(report, plaintexts)
    written: Path | None = None
    if out is not None:
        with stages.stage("write"):
            report.timings = dict(stages.timings)
            written = write_output(
                out, new_model, job.tokenizer, scope, job.findings, full_config, report, plaintexts,
                overwrite=overwrite, plots=configs.pipeline.plots, inputs=protected,
            )  # fmt: skip
        report.timings = dict(stages.timings)
    return PipelineResult(report=report, out=written, update=update, model=new_model)


def _update(
    job: Job, stages: Stages, original: PathLike | None, trainer_state: PathLike | None
) -> tuple[UnlearnResult, Any]:
    """The influence update of ``job`` (closed loop on exposure when ``update.target`` is set)."""
    from ..influence import select_scope, trainer_log, unlearn
    from ..models import load_model

    configs = job.configs
    log = None
    if trainer_state is not None:
        params = list(select_scope(job.model, configs.update.scope).params.values())
        log = trainer_log(trainer_state, [p.numel() for p in params])
        if log is None:
            raise PipelineError(
                f"{os.fspath(trainer_state)}: no trainer_state.json (a Trainer checkpoint folder)"
            )
    before = load_model(original, dtype=configs.pipeline.dtype)[0] if original is not None else None
    monitor = None
    if configs.update.target is not None:
        monitor = exposure_monitor(
            job.tokenizer, job.texts, job.findings, configs.exposure, configs.pipeline.verify_max_secrets,
            configs.pipeline.verify_budget, configs.pipeline.verify_contexts,
        )  # fmt: skip
    with stages.stage("update"):
        update = unlearn(
            job.model,
            job.pairs,
            curvature=job.curvature,
            heldout=job.heldout or None,
            n_train_tokens=job.n_train_tokens,
            config=configs.update,
            monitor=monitor,
            reference=before,
            log=log,
        )
        return update, update.apply(job.model)


def _report(
    job: Job,
    inputs: Inputs,
    scope: str,
    update: UnlearnResult,
    rows: list[SecretRow],
    perplexity: dict[str, float | None],
    stages: Stages,
    full_config: dict[str, Any],
) -> Report:
    described = inputs.describe()
    return Report(
        rows=rows,
        perplexity=perplexity,
        timings=dict(stages.timings),
        update=_jsonable_metrics(update.metrics),
        meta={
            "base": described["base"],
            "adapter": described["adapter"],
            "data": described["data"],
            "scope": scope,
            "order": job.configs.update.order,
            "findings": len(job.findings),
            "pairs": len(job.pairs),
            "unseen": len(job.pairs.unseen),
            "heldout": "given" if inputs.heldout is not None else "documents without findings (proxy)",
            "head_untied": bool(update.scope.get("head_untied", False)),
            "sanitize_version": __version__,
        },
        config=full_config,
    )


def _jsonable_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in metrics.items():
        if isinstance(v, (bool, int, float, str)) or v is None:
            out[k] = v
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (bool, int, float, str)) for x in v):
            out[k] = list(v)
        else:
            try:
                out[k] = float(v)
            except (TypeError, ValueError):
                out[k] = str(v)
    return out


__all__ = ["PipelineResult", "sanitize_model"]
