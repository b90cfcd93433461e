"""Everything before the update, shared by the pipeline, recipes and benchmarks: the checked inputs
(:class:`Inputs`), the findings (given, literal or scanned) and the :class:`Job` that
:func:`prepare` builds from them."""

from __future__ import annotations

import dataclasses
import logging
import os
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from ..errors import SanitizeError
from ..fingerprint import fingerprint_secret, mask_secret
from ..types import Finding
from .config import StageConfigs
from .progress import Stages

if TYPE_CHECKING:
    import datasets

    from ..data import CorpusConfig
    from ..scanner import ScanConfig
    from ..types import Pairs, TokenSequence

log = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]
# a corpus: a file, folder, saved dataset or hub id, a datasets.Dataset, or a list of texts
DataSource = Union[PathLike, "datasets.Dataset", Sequence[str]]


class PipelineError(SanitizeError):
    """The inputs do not describe a sanitization job (no findings, spans outside documents, ...)."""


@dataclasses.dataclass(frozen=True, repr=False)
class Inputs:
    """What to sanitize: the model (``base`` + ``adapter``), the data it was fine-tuned on, where the
    findings come from (a list or findings JSONL, else the literal ``secrets``, else a scan of
    ``data``) and optional held-out texts. Checked when built; its repr holds no secret."""

    base: Any  # a local directory or hub id, or an in-memory model (then pass a tokenizer to prepare)
    data: DataSource
    adapter: PathLike | None = None
    findings: Sequence[Finding] | PathLike | None = None
    secrets: Sequence[str] = ()  # stored as a tuple
    heldout: DataSource | None = None

    def __post_init__(self) -> None:
        if self.base is None:
            raise PipelineError("base: a model directory, hub id or model is required (got None)")
        if self.data is None:
            raise PipelineError("data: the training data is required (got None)")
        for name in ("data", "heldout"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, (str, os.PathLike, list, tuple)) or is_dataset(value)
            ):
                raise PipelineError(
                    f"{name}: expected a path, a datasets.Dataset or a list of texts, got {type(value).__name__}"
                )
        if self.adapter is not None and not isinstance(self.adapter, (str, os.PathLike)):
            raise PipelineError(f"adapter: expected a directory path, got {type(self.adapter).__name__}")
        if not _findings_source_ok(self.findings):
            raise PipelineError(
                f"findings: expected a findings JSONL path or a list of Finding, got {type(self.findings).__name__}"
            )
        secrets = self.secrets
        if isinstance(secrets, (str, bytes)):
            raise PipelineError("secrets must be a list of strings, got a single string (wrap it: [secret])")
        secrets = tuple(secrets or ())
        for i, s in enumerate(secrets):
            if not isinstance(s, str) or not s:
                raise PipelineError(
                    f"--secret #{i + 1} is empty" if s == "" else f"secret #{i + 1}: not a string"
                )
        if secrets and self.findings is not None:
            raise PipelineError("pass findings or secrets, not both")
        object.__setattr__(self, "secrets", secrets)

    def paths(self) -> dict[str, PathLike]:
        """The inputs that are local paths (``{"--base": path, ...}``): what ``OUT`` may not touch."""
        named = {"--base": self.base, "--adapter": self.adapter, "--data": self.data,
                 "--findings": self.findings, "--heldout": self.heldout}  # fmt: skip
        return {flag: p for flag, p in named.items() if isinstance(p, (str, os.PathLike))}

    def __repr__(self) -> str:
        return "Inputs(" + ", ".join(f"{k}={v!r}" for k, v in self.describe().items()) + ")"

    @property
    def findings_source(self) -> str:
        return "findings" if self.findings is not None else ("secrets" if self.secrets else "scan")

    def describe(self) -> dict[str, Any]:
        """Names only (never a secret): what the report and ``sanitize_config.json`` record."""
        return {
            "base": name_of(self.base),
            "adapter": None if self.adapter is None else os.fspath(self.adapter),
            "data": name_of(self.data),
            "heldout": None if self.heldout is None else name_of(self.heldout),
            "findings_source": self.findings_source,
            "n_literal_secrets": len(self.secrets),
        }


def _findings_source_ok(findings: Any) -> bool:
    if findings is None or isinstance(findings, (str, os.PathLike)):
        return True
    return isinstance(findings, (list, tuple)) and all(isinstance(f, Finding) for f in findings)


@dataclasses.dataclass
class Job:
    """A checked sanitization job: the model, the corpus, its findings and every token sequence the
    update and the baselines need. Holds secrets in memory (pairs); its repr shows counts only."""

    model: Any
    tokenizer: Any
    corpus: datasets.Dataset
    texts: list[str]
    findings: list[Finding]
    pairs: Pairs
    train: list[TokenSequence]  # the corpus as training tokenised it
    curvature: list[TokenSequence]  # the sanitized corpus, tokenised the same way
    heldout: list[TokenSequence]
    n_train_tokens: int
    configs: StageConfigs

    def __repr__(self) -> str:
        return (
            f"Job(documents={len(self.texts)}, findings={len(self.findings)}, pairs={len(self.pairs)}, "
            f"heldout={len(self.heldout)}, n_train_tokens={self.n_train_tokens})"
        )

    def plaintexts(self) -> list[str]:
        return sorted({self.texts[f.doc][f.start : f.end] for f in self.findings})


def prepare(
    base: Any,
    data: DataSource,
    *,
    adapter: PathLike | None = None,
    findings: Sequence[Finding] | PathLike | None = None,
    secrets: Sequence[str] | None = None,
    heldout: DataSource | None = None,
    configs: StageConfigs | None = None,
    stages: Stages | None = None,
    tokenizer: Any = None,
) -> Job:
    """Load and check everything before the update: model (+ adapter), corpus, findings (given,
    literal or scanned), pairs, training / sanitized / held-out sequences.

    ``base`` may also be an in-memory model (then pass ``tokenizer``; ``adapter`` is ignored).
    Raises :class:`PipelineError` (empty corpus, no findings, spans outside documents, ...).
    """
    inputs = Inputs(base, data, adapter, findings, secrets or (), heldout)
    return prepare_inputs(inputs, configs or StageConfigs(), stages or Stages(False), tokenizer)


def prepare_inputs(inputs: Inputs, configs: StageConfigs, stages: Stages, tokenizer: Any = None) -> Job:
    """:func:`prepare` for checked :class:`Inputs`."""
    pipe, pair_config = configs.pipeline, configs.pairs
    with stages.stage("load"):
        from ..models import load_model

        if isinstance(inputs.base, (str, os.PathLike)):
            model, tokenizer = load_model(
                inputs.base, adapter=inputs.adapter, dtype=pipe.dtype, device=pipe.device
            )
        else:
            model = inputs.base
            if tokenizer is None:
                raise PipelineError("an in-memory base model needs its tokenizer (tokenizer=...)")
        configs = fit_context(configs, model)
        pair_config = configs.pairs
        corpus = read_corpus(inputs.data, configs.corpus)
        texts = list(corpus["text"])
        if not texts or not any(t.strip() for t in texts):
            raise PipelineError(
                f"training data {name_of(inputs.data)}: the corpus is empty (no documents with text)"
            )

    found = get_findings(corpus, texts, inputs, configs.scan, stages)
    if not found:
        raise PipelineError(
            f"no findings in {name_of(inputs.data)}: nothing to unlearn (scan found no secret; pass --findings or --secret)"
        )
    with stages.stage("pairs"):
        from ..influence.tasks import count_targets
        from ..pairs import build_pairs, sanitize_texts, tokenize_corpus
        from ..pairs.tokenize import retokenize

        key = configs.scan.fingerprint_key  # the scanner's: findings, twins and surrogates share one key
        pairs = build_pairs(corpus, found, tokenizer, pair_config, model=model, key=key)
        if len(pairs) == 0:
            raise PipelineError(
                f"all {len(found)} findings lie beyond what training saw (truncation at "
                f"{pair_config.max_length} tokens): no training sequence to repair"
            )
        train_seqs = tokenize_corpus(corpus, tokenizer, pair_config)
        clean_texts = sanitize_texts(corpus, found, pair_config, tokenizer=tokenizer, model=model, key=key)
        # the sanitized corpus as training saw it: only the changed documents are tokenised again
        curvature = retokenize(train_seqs, texts, clean_texts, tokenizer, pair_config)
        held = heldout_sequences(inputs.heldout, texts, found, tokenizer, configs)
    return Job(
        model=model, tokenizer=tokenizer, corpus=corpus, texts=texts, findings=found, pairs=pairs,
        train=train_seqs, curvature=curvature, heldout=held,
        n_train_tokens=count_targets(train_seqs),  # the fine-tuning loss' normaliser T
        configs=configs,
    )  # fmt: skip


# -- input checks ------------------------------------------------------------------------------------
def model_context(model: Any) -> int | None:
    """The model's context in tokens (``max_position_embeddings`` / ``n_positions``), None if unknown."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def fit_context(configs: StageConfigs, model: Any) -> StageConfigs:
    """Record mode truncates at ``min(pairs.max_length, model context)``, as training had to (a longer
    sequence cannot go through the model); packed blocks longer than the context are refused."""
    ctx, pairs = model_context(model), configs.pairs
    if ctx is None:
        return configs
    if pairs.mode == "packed" and pairs.block_size > ctx:
        raise PipelineError(
            f"pairs.block_size {pairs.block_size} is longer than the model's context ({ctx} tokens): "
            "training cannot have used such blocks; pass the block size used in training (--block-size)"
        )
    if pairs.mode == "record" and pairs.max_length > ctx:
        log.info(
            "pairs.max_length %d > the model's context: sequences are truncated at %d", pairs.max_length, ctx
        )
        configs = dataclasses.replace(configs, pairs=dataclasses.replace(pairs, max_length=ctx))
    return configs


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


def resolve_scope(scope: str, adapter: PathLike | None) -> str:
    """``UpdateConfig.scope`` for this job: 'auto' is the adapter when one is given, else the head."""
    if scope == "params":
        raise PipelineError(
            "sanitize unlearn supports scope 'adapter' or 'head' (scope 'params' is for the API)"
        )
    if scope == "auto":
        return "adapter" if adapter is not None else "head"
    if scope == "adapter" and adapter is None:
        raise PipelineError("scope 'adapter' needs an adapter (--adapter); use --scope head for a full model")
    return scope


def get_findings(
    corpus: datasets.Dataset, texts: list[str], inputs: Inputs, scan_config: ScanConfig, stages: Stages
) -> list[Finding]:
    """The findings of ``inputs``, fingerprinted with the scanner's key whatever their source."""
    key = scan_config.fingerprint_key
    with stages.stage("scan", total=len(texts)) as tick:
        if inputs.findings is not None:
            findings, where = inputs.findings, "findings"
            if isinstance(findings, (str, os.PathLike)):
                from ..findings import read_findings

                where = os.fspath(findings)
                findings = read_findings(findings)
            check_findings(findings, texts, where)
            return complete_findings(findings, texts, key)
        if inputs.secrets:
            from ..pairs import find_literal

            found = find_literal(corpus, list(inputs.secrets), key=key)
            missing = len([s for s in set(inputs.secrets) if not any(s in t for t in texts)])
            if missing:
                log.warning("%d of the given secrets do not occur in the training data", missing)
            return complete_findings(found, texts, key)
        from ..scanner import scan

        found = scan(corpus, scan_config)
        tick(len(texts))
        return complete_findings(found, texts, key)


def heldout_sequences(
    heldout: DataSource | None, texts: list[str], findings: Sequence[Finding], tokenizer: Any,
    configs: StageConfigs,
) -> list[TokenSequence]:  # fmt: skip
    """Held-out sequences: the given set, else a sample of training documents without findings."""
    from ..pairs import tokenize_corpus

    pipe = configs.pipeline
    if heldout is not None:
        held_corpus = read_corpus(heldout, configs.corpus)
        if len(held_corpus) == 0:
            raise PipelineError(f"held-out data {name_of(heldout)} is empty")
        seqs = tokenize_corpus(held_corpus, tokenizer, configs.pairs)
    else:
        affected = {f.doc for f in findings}
        clean = [t for i, t in enumerate(texts) if i not in affected and t.strip()]
        rng = random.Random(pipe.seed)
        k = max(1, round(pipe.heldout_fraction * len(clean))) if clean else 0
        seqs = tokenize_corpus(rng.sample(clean, k), tokenizer, configs.pairs) if k else []
    return list(seqs[: pipe.heldout_max_sequences])


# -- helpers -----------------------------------------------------------------------------------------
def read_corpus(source: DataSource, config: CorpusConfig) -> datasets.Dataset:
    """``source`` as a corpus Dataset (``doc``/``text`` columns); a Dataset is used as it is."""
    if is_dataset(source):
        return source  # type: ignore[return-value]
    from ..data import load_corpus

    return load_corpus(
        source, text_field=config.text_field, split=config.split,
        encoding_errors=config.encoding_errors, dataset_split=config.dataset_split,
    )  # fmt: skip


def is_dataset(data: Any) -> bool:
    try:
        import datasets
    except ImportError:  # pragma: no cover
        return False
    return isinstance(data, datasets.Dataset)


def name_of(source: Any) -> str:
    """A source's name for messages and reports (a path, or a description: never its text)."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (list, tuple)):
        return f"<list of {len(source)} texts>"
    return f"<{type(source).__name__}>"
