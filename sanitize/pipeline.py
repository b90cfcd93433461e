"""``sanitize unlearn`` end to end: scan -> pairs -> update -> verify -> atomic output directory.

No maths here: each stage is a function of its own module with its own config; this module checks
inputs, wires the stages, times them, and writes the result so that ``OUT`` is complete or absent.

    >>> result = sanitize_model("base", "train.jsonl", "out", adapter="adapter")  # doctest: +SKIP
    >>> print(result.report.table())                                                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import BaseConfig, option
from .errors import SanitizeError
from .fingerprint import fingerprint_secret, mask_secret
from .outdir import atomic_output_dir, check_output_dir
from .report import Report, SecretRow, check_no_plaintext, write_report
from .types import Finding

if TYPE_CHECKING:
    import datasets

    from .types import Pairs, TokenSequence


log = logging.getLogger(__name__)

# files of OUT that sanitize writes itself (must never hold a plaintext secret)
TEXT_OUTPUTS = ("report.json", "report.md", "sanitize_config.json", "findings.jsonl", "adapter_config.json")


@dataclasses.dataclass
class PipelineConfig(BaseConfig):
    """How ``sanitize unlearn`` wires the stages (each stage keeps its own config: scan, pairs, update,
    exposure). Plaintext secrets passed with ``--secret`` are never part of a config."""

    scope: str = option(
        "auto", help="'adapter', 'head', or 'auto' = adapter when an adapter is given, otherwise head."
    )
    text_field: str = option("text", help="Field/column of the training data holding the text.")
    heldout_fraction: float = option(
        0.1,
        help="Without --heldout: fraction of the documents without findings used as the utility set "
        "(they were trained on, so this is a proxy; pass --heldout for a real held-out perplexity).",
    )
    heldout_max_sequences: int = option(
        64, help="Cap on held-out sequences used for step control/perplexity."
    )
    verify: bool = option(True, help="Measure exposure, extraction and perplexity before and after.")
    verify_max_secrets: int = option(
        50, help="Verify at most this many findings (one per distinct secret first), 0 = all."
    )
    dtype: str | None = option(
        None, help="Load the model in this dtype (float32, float64, bf16); None = saved."
    )
    device: str | None = option(None, help="Device for all stages (cpu, cuda); None = cpu.")
    seed: int = option(0, help="Seed for held-out sampling and anything random downstream.")
    plots: bool = option(True, help="Write exposure.png next to the report.")

    def __post_init__(self) -> None:
        self._check_choice("scope", ("auto", "adapter", "head"))
        if not isinstance(self.text_field, str) or not self.text_field:
            self._fail("text_field", "must be a non-empty string")
        self._check_range("heldout_fraction", 0.0, 1.0)
        self._check_range("heldout_max_sequences", 1)
        self._check_range("verify_max_secrets", 0)


class PipelineError(SanitizeError):
    """The inputs do not describe a sanitization job (no findings, spans outside documents, ...)."""


@dataclasses.dataclass
class PipelineResult:
    """What :func:`sanitize_model` produced: the report, the output directory and the update."""

    report: Report
    out: Path | None
    update: Any  # UnlearnResult
    model: Any = None  # the sanitized model (in memory)

    def __repr__(self) -> str:
        return f"PipelineResult(out={str(self.out)!r}, secrets={len(self.report.rows)})"


# -- progress ----------------------------------------------------------------------------------------
class Stages:
    """Times each stage and shows a progress bar per stage on stderr (tqdm; TQDM_DISABLE=1 hides it)."""

    def __init__(self, show: bool = True) -> None:
        self.timings: dict[str, float] = {}
        self.show = show

    @contextlib.contextmanager
    def stage(self, name: str, total: int = 1) -> Iterator[Callable[[int], None]]:
        from tqdm.auto import tqdm

        hide = {} if self.show else {"disable": True}  # otherwise TQDM_DISABLE decides
        bar = tqdm(total=total, desc=f"{name:<8}", leave=True, unit="step", **hide)
        start = time.perf_counter()
        try:
            yield bar.update
            bar.update(bar.total - bar.n)
        finally:
            bar.close()
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


# -- input checks ------------------------------------------------------------------------------------
def check_findings(findings: Sequence[Finding], texts: Sequence[str], where: str = "findings") -> None:
    """Every finding must name an existing document and a span inside its text."""
    for i, f in enumerate(findings):
        if f.doc >= len(texts):
            raise PipelineError(
                f"{where}: finding {i + 1}: unknown doc index {f.doc} (the corpus has {len(texts)} documents, 0..{len(texts) - 1})"
            )
        if f.end > len(texts[f.doc]):
            raise PipelineError(
                f"{where}: finding {i + 1}: span {f.start}:{f.end} points outside document {f.doc} "
                f"({len(texts[f.doc])} characters)"
            )


def complete_findings(
    findings: Sequence[Finding], texts: Sequence[str], key: str | None = None
) -> list[Finding]:
    """Fill in ``fingerprint``/``preview`` of hand-written findings from the corpus text."""
    out = []
    for f in findings:
        if not f.fingerprint or not f.preview:
            secret = texts[f.doc][f.start : f.end]
            f = dataclasses.replace(
                f,
                fingerprint=f.fingerprint or fingerprint_secret(secret, key),
                preview=f.preview or mask_secret(secret, f.type),
            )
        out.append(f)
    return sorted(out, key=lambda f: (f.doc, f.start, f.end))


def _texts(corpus: datasets.Dataset) -> list[str]:
    return list(corpus["text"])


def resolve_scope(scope: str, adapter: Any) -> str:
    if scope == "auto":
        return "adapter" if adapter is not None else "head"
    if scope == "adapter" and adapter is None:
        raise PipelineError("scope 'adapter' needs an adapter (--adapter); use --scope head for a full model")
    return scope


# -- verification ------------------------------------------------------------------------------------
def _pick_for_verification(findings: Sequence[Finding], limit: int) -> list[int]:
    """Indices of findings to verify: one per distinct secret first, then the rest, at most ``limit``."""
    seen: set[str] = set()
    first, rest = [], []
    for i, f in enumerate(findings):
        (rest if f.fingerprint in seen else first).append(i)
        seen.add(f.fingerprint)
    chosen = first + rest
    return sorted(chosen[:limit] if limit else chosen)


def verify(
    models: dict[str, Any],
    tokenizer: Any,
    corpus: Any,
    findings: Sequence[Finding],
    heldout: Sequence[TokenSequence],
    *,
    exposure_config: Any = None,
    max_secrets: int = 50,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[SecretRow], dict[str, float | None]]:
    """Exposure (in training context) and greedy extraction per finding, and held-out perplexity,
    for each named model (``before`` / ``after`` / ``reference``)."""
    from .exposure.memorization import greedy_extraction, heldout_perplexity

    texts = corpus if isinstance(corpus, list) else _texts(corpus)
    chosen = [findings[i] for i in _pick_for_verification(findings, max_secrets)]
    rows = [
        SecretRow(
            doc=f.doc, start=f.start, end=f.end, type=f.type, preview=f.preview, fingerprint=f.fingerprint
        )
        for f in chosen
    ]
    perplexity: dict[str, float | None] = {"before": None, "after": None, "reference": None}
    for name, model in models.items():
        for row, res in zip(rows, _training_exposures(model, tokenizer, texts, chosen, exposure_config)):
            if res is None:
                continue
            setattr(row, f"exposure_{name}", float(res.exposure))
            row.max_exposure = math.log2(res.space_size) if res.space_size else None
            row.space = res.space
        for row, f in zip(rows, chosen):
            text = texts[f.doc]
            ex = greedy_extraction(model, tokenizer, text[: f.start], text[f.start : f.end])
            setattr(row, f"extracted_{name}", bool(ex.exact))
        if heldout:
            perplexity[name] = float(heldout_perplexity(model, tokenizer, heldout))
        if progress:
            progress(1)
    return rows, perplexity


def _training_exposures(
    model: Any, tokenizer: Any, texts: list[str], findings: Sequence[Finding], config: Any
) -> list[Any]:
    """Per finding, its exposure in the real training context (the bare-prefix one if that is all)."""
    from .exposure import findings_exposure

    best: dict[int, Any] = {}
    for r in findings_exposure(model, tokenizer, texts, findings, config=config):
        if r.finding not in best or r.context_kind == "training":
            best[r.finding] = r
    return [best.get(i) for i in range(len(findings))]


# -- preparation: everything before the update (shared by the pipeline, recipes, benchmarks) -------
@dataclasses.dataclass
class Job:
    """A checked sanitization job: the model, the corpus, its findings and every token sequence the
    update and the baselines need. Holds secrets in memory (pairs); its repr shows counts only."""

    model: Any
    tokenizer: Any
    corpus: Any
    texts: list[str]
    findings: list[Finding]
    pairs: Pairs
    train: list[TokenSequence]  # the corpus as training tokenised it
    curvature: list[TokenSequence]  # the sanitized corpus, tokenised the same way
    heldout: list[TokenSequence]
    n_train_tokens: int
    pair_config: Any
    scan_config: Any = None

    def __repr__(self) -> str:
        return (
            f"Job(documents={len(self.texts)}, findings={len(self.findings)}, pairs={len(self.pairs)}, "
            f"heldout={len(self.heldout)}, n_train_tokens={self.n_train_tokens})"
        )

    def plaintexts(self) -> list[str]:
        return sorted({self.texts[f.doc][f.start : f.end] for f in self.findings})


def prepare(
    base: str | os.PathLike[str] | Any,
    data: Any,
    *,
    adapter: str | os.PathLike[str] | None = None,
    findings: Sequence[Finding] | str | os.PathLike[str] | None = None,
    secrets: Sequence[str] | None = None,
    heldout: Any = None,
    config: PipelineConfig | None = None,
    scan_config: Any = None,
    pair_config: Any = None,
    corpus_options: dict[str, Any] | None = None,
    stages: Stages | None = None,
    tokenizer: Any = None,
) -> Job:
    """Load and check everything before the update: model (+ adapter), corpus, findings (given,
    literal or scanned), pairs, training / sanitized / held-out sequences.

    ``base`` may also be an in-memory model (then pass ``tokenizer``; ``adapter`` is ignored).
    Raises :class:`PipelineError` (empty corpus, no findings, spans outside documents, ...).
    """
    from .pairs import PairConfig

    config = config or PipelineConfig()
    pair_config = pair_config or PairConfig()
    stages = stages or Stages(False)
    with stages.stage("load"):
        from .data import load_corpus
        from .models import load_model

        if isinstance(base, (str, os.PathLike)):
            model, tokenizer = load_model(base, adapter=adapter, dtype=config.dtype, device=config.device)
        else:
            model = base
        read = {"text_field": config.text_field, **(corpus_options or {})}
        corpus = data if _is_dataset(data) else load_corpus(data, **read)
        texts = _texts(corpus)
        if not texts or not any(t.strip() for t in texts):
            raise PipelineError(f"training data {_name(data)}: the corpus is empty (no documents with text)")

    found = _get_findings(corpus, texts, findings, secrets, scan_config, stages)
    if not found:
        raise PipelineError(
            f"no findings in {_name(data)}: nothing to unlearn (scan found no secret; pass --findings or --secret)"
        )
    with stages.stage("pairs"):
        from .influence.tasks import count_targets
        from .pairs import build_pairs, sanitize_texts, tokenize_corpus

        pairs = build_pairs(corpus, found, tokenizer, pair_config, model=model)
        if len(pairs) == 0:
            raise PipelineError(
                f"all {len(found)} findings lie beyond what training saw (truncation at "
                f"{pair_config.max_length} tokens): no training sequence to repair"
            )
        train_seqs = tokenize_corpus(corpus, tokenizer, pair_config)
        clean_texts = sanitize_texts(corpus, found, pair_config, tokenizer=tokenizer, model=model)
        curvature = tokenize_corpus(clean_texts, tokenizer, pair_config)
        held = _heldout(heldout, texts, found, tokenizer, pair_config, config, read)
    return Job(
        model=model, tokenizer=tokenizer, corpus=corpus, texts=texts, findings=found, pairs=pairs,
        train=train_seqs, curvature=curvature, heldout=held,
        n_train_tokens=count_targets(train_seqs),  # the fine-tuning loss' normaliser T
        pair_config=pair_config, scan_config=scan_config,
    )  # fmt: skip


# -- the pipeline ------------------------------------------------------------------------------------
def sanitize_model(
    base: str | os.PathLike[str],
    data: Any,
    out: str | os.PathLike[str] | None,
    *,
    adapter: str | os.PathLike[str] | None = None,
    findings: Sequence[Finding] | str | os.PathLike[str] | None = None,
    secrets: Sequence[str] | None = None,
    heldout: Any = None,
    config: PipelineConfig | None = None,
    scan_config: Any = None,
    pair_config: Any = None,
    update_config: Any = None,
    exposure_config: Any = None,
    overwrite: bool = False,
    progress: bool = True,
    reference: Any = None,
    corpus_options: dict[str, Any] | None = None,
) -> PipelineResult:
    """Sanitize ``base`` (+ ``adapter``) fine-tuned on ``data`` and write the result to ``out``.

    Findings come from ``findings`` (a list or a findings JSONL path), else from the literal
    ``secrets``, else from scanning ``data``. ``reference``: an optional model retrained without the
    secrets, verified alongside (the demo and benchmarks pass one). ``out=None`` writes nothing.
    ``corpus_options``: :class:`~sanitize.config.CorpusConfig` fields for reading ``data``/``heldout``.
    The input model on disk is never modified; ``out`` is written atomically.
    """
    from .influence.config import UpdateConfig

    config = config or PipelineConfig()
    update_config = update_config or UpdateConfig()
    if out is not None:
        check_output_dir(out, overwrite=overwrite)  # fail before any expensive work
    stages = Stages(progress)
    scope = resolve_scope(config.scope, adapter)
    if getattr(update_config, "scope", scope) != scope:
        update_config = dataclasses.replace(update_config, scope=scope)
    job = prepare(
        base, data, adapter=adapter, findings=findings, secrets=secrets, heldout=heldout, config=config,
        scan_config=scan_config, pair_config=pair_config, corpus_options=corpus_options, stages=stages,
    )  # fmt: skip
    model, tokenizer, texts, found, pairs = job.model, job.tokenizer, job.texts, job.findings, job.pairs
    held, pair_config, scan_config = job.heldout, job.pair_config, job.scan_config
    if exposure_config is None and (config.verify or getattr(update_config, "target", None) is not None):
        from .exposure.config import ExposureConfig

        exposure_config = ExposureConfig()

    monitor = None
    if getattr(update_config, "target", None) is not None:
        monitor = _exposure_monitor(tokenizer, texts, found, exposure_config, config.verify_max_secrets)

    with stages.stage("update"):
        from .influence import unlearn

        update = unlearn(
            model,
            pairs,
            curvature=job.curvature,
            heldout=held or None,
            n_train_tokens=job.n_train_tokens,
            config=update_config,
            monitor=monitor,
        )
        new_model = update.apply(model)

    rows: list[SecretRow] = []
    perplexity: dict[str, float | None] = {}
    if config.verify:
        models = {"before": model, "after": new_model}
        if reference is not None:
            models["reference"] = reference
        with stages.stage("verify", total=len(models)) as tick:
            rows, perplexity = verify(
                models,
                tokenizer,
                texts,
                found,
                held,
                exposure_config=exposure_config,
                max_secrets=config.verify_max_secrets,
                progress=tick,
            )

    full_config = {
        "pipeline": config.to_dict(),
        "scan": None if scan_config is None else scan_config.to_dict(),  # None: defaults or not scanned
        "pairs": pair_config.to_dict(),
        "update": update_config.to_dict(),
        "exposure": None if exposure_config is None else exposure_config.to_dict(),
        "inputs": {
            "base": os.fspath(base),
            "adapter": None if adapter is None else os.fspath(adapter),
            "data": _name(data),
            "heldout": None if heldout is None else _name(heldout),
            "findings_source": "findings" if findings is not None else ("secrets" if secrets else "scan"),
            "n_literal_secrets": len(secrets or ()),
        },
    }
    report = Report(
        rows=rows,
        perplexity=perplexity,
        timings=dict(stages.timings),
        update=_jsonable_metrics(getattr(update, "metrics", {})),
        meta={
            "base": os.fspath(base),
            "adapter": None if adapter is None else os.fspath(adapter),
            "data": _name(data),
            "scope": scope,
            "order": getattr(update_config, "order", None),
            "findings": len(found),
            "pairs": len(pairs),
            "unseen": len(getattr(pairs, "unseen", ())),
            "heldout": "given" if heldout is not None else "documents without findings (proxy)",
            "head_untied": bool(_scope_info(update).get("head_untied", False)),
            "sanitize_version": __version__,
        },
        config=full_config,
    )
    plaintexts = sorted(set(job.plaintexts()) | set(secrets or ()))
    check_no_plaintext(report, plaintexts)
    written: Path | None = None
    if out is not None:
        with stages.stage("write"), atomic_output_dir(out, overwrite=overwrite) as tmp:
            save_sanitized(new_model, tokenizer, tmp, scope)
            from .findings import write_findings

            write_findings(tmp / "findings.jsonl", found)
            (tmp / "sanitize_config.json").write_text(json.dumps(full_config, indent=2) + "\n")
            report.timings = dict(stages.timings)
            write_report(report, tmp, plot=config.plots)
            assert_no_plaintext(tmp, plaintexts)
        written = Path(out)
        report.timings = dict(stages.timings)
    return PipelineResult(report=report, out=written, update=update, model=new_model)


# -- helpers -----------------------------------------------------------------------------------------
def _is_dataset(data: Any) -> bool:
    try:
        import datasets
    except ImportError:  # pragma: no cover
        return False
    return isinstance(data, datasets.Dataset)


def _name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (list, tuple)):
        return f"<list of {len(source)} texts>"
    return f"<{type(source).__name__}>"


def _get_findings(
    corpus: Any,
    texts: list[str],
    findings: Sequence[Finding] | str | os.PathLike[str] | None,
    secrets: Sequence[str] | None,
    scan_config: Any,
    stages: Stages,
) -> list[Finding]:
    with stages.stage("scan", total=len(texts)) as tick:
        if findings is not None:
            where = "findings"
            if isinstance(findings, (str, os.PathLike)):
                from .findings import read_findings

                where = os.fspath(findings)
                findings = read_findings(findings)
            check_findings(findings, texts, where)
            return complete_findings(findings, texts, getattr(scan_config, "fingerprint_key", None))
        if secrets:
            from .pairs import find_literal

            empty = [i for i, s in enumerate(secrets) if not s]
            if empty:
                raise PipelineError(f"--secret #{empty[0] + 1} is empty")
            found = find_literal(corpus, list(secrets))
            missing = len([s for s in set(secrets) if not any(s in t for t in texts)])
            if missing:
                log.warning("%d of the given secrets do not occur in the training data", missing)
            return complete_findings(found, texts, getattr(scan_config, "fingerprint_key", None))
        from .scan import scan

        found = scan(corpus, scan_config)  # None: the scanner's defaults
        tick(len(texts))
        return complete_findings(found, texts, getattr(scan_config, "fingerprint_key", None))


def _heldout(
    heldout: Any,
    texts: list[str],
    findings: Sequence[Finding],
    tokenizer: Any,
    pair_config: Any,
    config: PipelineConfig,
    read: dict[str, Any],
) -> list[TokenSequence]:
    """Held-out sequences: the given set, else a sample of training documents without findings."""
    from .pairs import tokenize_corpus

    if heldout is not None:
        from .data import load_corpus

        held_corpus = heldout if _is_dataset(heldout) else load_corpus(heldout, **read)
        if len(held_corpus) == 0:
            raise PipelineError(f"held-out data {_name(heldout)} is empty")
        seqs = tokenize_corpus(held_corpus, tokenizer, pair_config)
    else:
        affected = {f.doc for f in findings}
        clean = [t for i, t in enumerate(texts) if i not in affected and t.strip()]
        rng = random.Random(config.seed)
        k = max(1, round(config.heldout_fraction * len(clean))) if clean else 0
        seqs = tokenize_corpus(rng.sample(clean, k), tokenizer, pair_config) if k else []
    return list(seqs[: config.heldout_max_sequences])


def _exposure_monitor(
    tokenizer: Any, texts: list[str], findings: Sequence[Finding], exposure_config: Any, limit: int
) -> Callable[[Any], float]:
    """``monitor(model) -> max exposure`` (bits, training context) over the findings, for the closed loop."""
    chosen = [findings[i] for i in _pick_for_verification(findings, limit)]

    def monitor(model: Any) -> float:
        results = _training_exposures(model, tokenizer, texts, chosen, exposure_config)
        return max(float(r.exposure) for r in results if r is not None)

    return monitor


def _scope_info(update: Any) -> dict[str, Any]:
    scope = getattr(update, "scope", None)
    if isinstance(scope, dict):
        return scope
    info = getattr(scope, "info", None)
    return info() if callable(info) else {}


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


def save_sanitized(model: Any, tokenizer: Any, directory: str | os.PathLike[str], scope: str) -> None:
    """Adapter scope: a PEFT adapter dir (``PeftModel.from_pretrained(base, dir)``); head scope: a full
    model dir (``AutoModelForCausalLM.from_pretrained(dir)``), merged and with the head untied."""
    from peft import PeftModel

    if scope == "adapter":
        model.save_pretrained(directory)
    else:
        if isinstance(model, PeftModel):
            model = model.merge_and_unload()
        if getattr(model.config, "tie_word_embeddings", False):
            head, emb = model.get_output_embeddings(), model.get_input_embeddings()
            if head is not None and head.weight.data_ptr() != emb.weight.data_ptr():
                model.config.tie_word_embeddings = False  # the update untied it; keep it that way
        model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def assert_no_plaintext(directory: Path, plaintexts: Sequence[str]) -> None:
    """Refuse to publish ``directory`` if a file sanitize wrote contains a plaintext secret."""
    needles = [s.encode("utf-8") for s in plaintexts if s]
    for path in sorted(directory.rglob("*")):
        if path.is_file() and (path.name in TEXT_OUTPUTS or path.suffix in (".md", ".json", ".jsonl")):
            data = path.read_bytes()
            if path.name.startswith("tokenizer") or path.name in ("vocab.json", "special_tokens_map.json"):
                continue  # copied from the input model, not written from the corpus
            for needle in needles:
                if needle in data:
                    raise SanitizeError(f"refusing to write {path.name}: it would contain a plaintext secret")
