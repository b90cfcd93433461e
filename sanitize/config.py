"""Configuration dataclasses, peft-style: every field carries ``metadata={"help": ...}``, values are
validated in ``__post_init__`` and configs round-trip through JSON (``to_dict``/``from_dict``).

Each pipeline stage owns one small config declared here, so that the arguments used for a run can
be saved next to its results and read back unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, TypeVar

from .errors import ConfigError

C = TypeVar("C", bound="BaseConfig")


def option(default: Any = dataclasses.MISSING, help: str = "", **kwargs: Any) -> Any:
    """A dataclass field with help text (shown by the CLI and in saved configs)."""
    if isinstance(default, (list, dict, set)):
        value = default
        kwargs["default_factory"] = lambda: type(value)(value)
        default = dataclasses.MISSING
    return dataclasses.field(default=default, metadata={"help": help}, **kwargs)


@dataclasses.dataclass
class BaseConfig:
    """Base for all configs: JSON round-trip and helpers for validation."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(
                f"{cls.__name__}: unknown field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(names))}"
            )
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def save(self, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_json() + "\n")

    @classmethod
    def load(cls: type[C], path: str | os.PathLike[str]) -> C:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read {cls.__name__}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object for {cls.__name__}")
        return cls.from_dict(data)

    @classmethod
    def help(cls) -> dict[str, str]:
        """Field name -> help text."""
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}

    # -- validation helpers, used by subclasses in __post_init__ -----------------------------------
    def _fail(self, name: str, message: str) -> None:
        raise ConfigError(f"{type(self).__name__}.{name}: {message} (got {getattr(self, name)!r})")

    def _check_choice(self, name: str, choices: tuple[Any, ...] | list[Any]) -> None:
        if getattr(self, name) not in choices:
            self._fail(name, f"must be one of {', '.join(map(repr, choices))}")

    def _check_range(
        self, name: str, low: float | None = None, high: float | None = None, *, low_open: bool = False
    ) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._fail(name, "must be a number")
        if low is not None and (value <= low if low_open else value < low):
            self._fail(name, f"must be {'>' if low_open else '>='} {low}")
        if high is not None and value > high:
            self._fail(name, f"must be <= {high}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


@dataclasses.dataclass
class CorpusConfig(BaseConfig):
    """How a corpus source is read into documents (see :func:`sanitize.load_corpus`)."""

    text_field: str = option("text", help="Name of the field/column holding the document text.")
    split: str | None = option(
        None,
        help="For .txt files: None = one document per file, 'lines' = one per line, "
        "'paragraphs' = one per blank-line-separated block.",
    )
    encoding_errors: str = option(
        "strict",
        help="'strict' = invalid UTF-8 is an error naming the byte offset; 'replace' = substitute U+FFFD "
        "and warn with a count.",
    )
    dataset_split: str = option(
        "train", help="Split to use when the source is a DatasetDict on disk or a hub dataset."
    )

    def __post_init__(self) -> None:
        if not isinstance(self.text_field, str) or not self.text_field:
            self._fail("text_field", "must be a non-empty string")
        self._check_choice("split", (None, "lines", "paragraphs"))
        self._check_choice("encoding_errors", ("strict", "replace"))


@dataclasses.dataclass
class PairConfig(BaseConfig):
    """How (original, sanitized) training sequences are built (see :func:`sanitize.build_pairs`).

    ``mode`` must match how the model was fine-tuned: ``"record"`` is one example per document,
    ``tokenizer(text, truncation=True, max_length=max_length)`` with the tokenizer's default special
    tokens (what ``Trainer`` recipes do); ``"packed"`` is the ``run_clm`` recipe: documents tokenised
    with the default special tokens, concatenated (optionally with EOS after each) in groups of
    ``group_size`` documents, and cut into blocks of ``block_size`` tokens, the remainder of each group
    dropped.
    """

    mode: str = option(
        "record", help="'record' = one truncated sequence per document; 'packed' = run_clm blocks."
    )
    max_length: int = option(1024, help="Record mode: truncation length in tokens (special tokens included).")
    block_size: int = option(1024, help="Packed mode: tokens per block.")
    append_eos: bool = option(
        True,
        help="Packed mode: append the EOS token after each document before concatenating (most packing "
        "recipes do; transformers' run_clm.py itself does not: set False to match it exactly).",
    )
    group_size: int = option(
        1000,
        help="Packed mode: documents concatenated per group (run_clm packs inside datasets.map batches of "
        "1000 and drops each group's remainder); 0 = the whole corpus is one group.",
    )
    drop_remainder: bool = option(
        True, help="Packed mode: drop each group's last partial block (run_clm does); False keeps it."
    )
    add_special_tokens: bool = option(
        True, help="Tokenise with the tokenizer's default special tokens (BOS etc.), as training did."
    )
    replacement: str = option(
        "surrogate",
        help="Replacement strategy: 'surrogate' (format-preserving fake of the same type), 'placeholder' "
        "('[CREDIT_CARD]'), 'model' (sampled from the model given the preceding text) or a name "
        "registered with sanitize.replacers.register_replacer.",
    )
    seed: int = option(0, help="Seed for replacements (with the secret's keyed fingerprint).")
    fingerprint_key: str | None = option(
        None,
        help="HMAC key for fingerprints that seed surrogates; None = $SANITIZE_FINGERPRINT_KEY or the "
        "per-user key file (prefer those: a saved config should not hold a key).",
    )
    model_context_tokens: int = option(
        256, help="'model' strategy: how many preceding tokens condition the sampled replacement."
    )
    model_temperature: float = option(1.0, help="'model' strategy: sampling temperature (> 0).")

    def __post_init__(self) -> None:
        self._check_choice("mode", ("record", "packed"))
        for name in ("max_length", "block_size", "model_context_tokens"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
            self._check_range(name, 1)
        if isinstance(self.group_size, bool) or not isinstance(self.group_size, int):
            self._fail("group_size", "must be an integer")
        self._check_range("group_size", 0)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            self._fail("seed", "must be an integer")
        for name in ("append_eos", "drop_remainder", "add_special_tokens"):
            if not isinstance(getattr(self, name), bool):
                self._fail(name, "must be true or false")
        if not isinstance(self.replacement, str) or not self.replacement:
            self._fail("replacement", "must be a strategy name")
        self._check_range("model_temperature", 0.0, low_open=True)


@dataclasses.dataclass
class ScanConfig(BaseConfig):
    """What :func:`sanitize.scan` looks for and what it lets through (see ``sanitize scan --help``)."""

    types: list[str] = option(
        [], help="Secret types to report (empty = every built-in type except ip_address, plus custom rules)."
    )
    exclude_types: list[str] = option([], help="Secret types never to report.")
    include_ip: bool = option(False, help="Also report IPv4 addresses (type ip_address); off by default.")
    min_confidence: float = option(0.0, help="Drop findings whose detector confidence is below this (0..1).")
    rules: str | None = option(
        None,
        help="TOML file of custom rules ([[rules]] id, regex, secret_group, keywords, entropy, validator).",
    )
    allowlist_regexes: list[str] = option(
        [], help="Regexes (RE2 syntax); a finding whose secret value matches one is dropped."
    )
    allowlist_fingerprints: list[str] = option(
        [], help="Fingerprints (hmac-sha256:...) of known non-secrets; matching findings are dropped."
    )
    fingerprint_key: str | None = option(
        None,
        help="HMAC key for fingerprints (default: $SANITIZE_FINGERPRINT_KEY or the per-user key file). "
        "Anyone holding it can test guesses against fingerprints: do not publish it.",
    )

    def __post_init__(self) -> None:
        from .detectors import SECRET_TYPES

        for name in ("types", "exclude_types", "allowlist_regexes", "allowlist_fingerprints"):
            value = getattr(self, name)
            if isinstance(value, tuple):
                setattr(self, name, list(value))
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self._fail(name, "must be a list of strings")
        if not self.rules:  # custom rule types are checked once the rules are loaded
            for name in ("types", "exclude_types"):
                unknown = [t for t in getattr(self, name) if t not in SECRET_TYPES]
                if unknown:
                    self._fail(
                        name, f"unknown type(s) {', '.join(unknown)}; known: {', '.join(SECRET_TYPES)}"
                    )
        self._check_range("min_confidence", 0.0, 1.0)
        if not isinstance(self.include_ip, bool):
            self._fail("include_ip", "must be true or false")
        for pattern in self.allowlist_regexes:
            try:
                import re2

                re2.compile(pattern)
            except Exception as exc:  # re2.error is not a subclass of re.error
                raise ConfigError(
                    f"ScanConfig.allowlist_regexes: invalid RE2 regex {pattern!r}: {exc}"
                ) from None
        for fp in self.allowlist_fingerprints:
            if not fp.startswith("hmac-sha256:"):
                self._fail("allowlist_fingerprints", f"{fp!r} is not a fingerprint (hmac-sha256:<hex>)")


@dataclasses.dataclass
class UpdateConfig(BaseConfig):
    """How the influence update is computed and controlled (see :func:`sanitize.influence.unlearn`)."""

    scope: str = option(
        "adapter",
        help="Parameters the update may change: 'adapter' (active PEFT adapter, found structurally), "
        "'head' (output embeddings; a tied head is untied on a copy) or 'params' (glob patterns in `params`).",
    )
    params: list[str] = option([], help="Glob patterns over named_parameters() names for scope 'params'.")
    order: int = option(2, help="1 = first order (gradient step -tau*g), 2 = Newton step -A^-1 g.")
    tau: float | str = option(
        "auto", help="First-order step size; 'auto' = 1 / (power-iteration top eigenvalue of the curvature)."
    )
    curvature: str = option("ggn", help="'ggn' (Gauss-Newton, PSD), 'hessian' (double backward) or 'fisher'.")
    solver: str = option("cg", help="Linear solver: 'exact' (dense, small scopes), 'cg' or 'lissa'.")
    damping: float | str = option(
        "auto", help="Added to the curvature diagonal; 'auto' = damping_scale * mean eigenvalue (Hutchinson)."
    )
    damping_scale: float = option(
        0.01, help="Relative damping used when damping='auto' (start and floor of the adaptive schedule)."
    )
    damping_tries: int = option(
        4,
        help="With damping='auto': re-solve with 10x damping up to this many times when no step is admissible.",
    )
    l2: float = option(
        0.0, help="L2 coefficient of the training objective (lambda/2 ||theta||^2), part of the curvature."
    )
    curvature_samples: int = option(
        32,
        help="Retained training sequences sampled for the curvature (products cost most: keep it small); also "
        "the most twins whose curvature is computed (a reweighted subset when there are more pairs). 32 "
        "instead of 64 made the planted LoRA update 1.7x faster with every secret still within 0.21 bits of "
        "retraining (3 seeds).",
    )
    objective_samples: int = option(
        512,
        help="Retained training sequences sampled for the objective estimate and its gradient (line search, "
        "closed loop); a superset of the curvature sample. Only losses and gradients run on it, so it can be "
        "larger: a small one lets the step overfit the sample (held-out loss rises while the estimate falls).",
    )
    head_samples: int = option(
        2048,
        help="Curvature sample size in head mode: hidden states are cached once, so a large sample is cheap "
        "and makes the convex head problem's curvature (and the objective estimate) close to exact.",
    )
    solver_tol: float = option(
        0.1,
        help="Relative residual at which cg/lissa stop: an inexact Newton step (forcing term 0.1; the line "
        "search and the closed loop correct what the quadratic model gets wrong anyway). On the planted LoRA "
        "experiment 1e-4 ran every round to max_iter for the same exposures (within 0.05 bits, 3 seeds) at "
        "1.8x the curvature products.",
    )
    max_iter: int = option(20, help="Iteration cap for cg (lissa gets 20x this).")
    hutchinson_probes: int = option(4, help="Rademacher probes for the mean-eigenvalue estimate.")
    line_search: bool = option(
        True, help="Search the step length alpha on a geometric grid (else take alpha=1 unchecked)."
    )
    alpha_max: float = option(1.5, help="Largest step length tried by the line search.")
    alpha_points: int = option(
        10, help="Points of the geometric line-search grid 0.7^j <= alpha_max (1 included)."
    )
    step_rule: str = option(
        "min",
        help="'min' = alpha minimising the sanitized-objective estimate; 'largest' = largest admissible "
        "alpha that decreases it.",
    )
    objective: str = option(
        "corrected",
        help="Line-search / closed-loop objective: 'corrected' = sanitized objective estimated on the curvature "
        "sample with the sample's gradient at the start replaced by the removed pull -grad loss(Z)/T (the "
        "influence-function model; its gradient at the start is exactly the influence gradient g); "
        "'sample' = (1 - T_Z/T) * mean loss on the curvature sample + loss(Z~)/T.",
    )
    heldout_tol: float = option(
        0.01, help="Allowed relative increase of held-out perplexity per update (0.01 = 1%)."
    )
    max_rounds: int = option(
        3, help="Closed loop: recompute gradients at the new point and take up to this many Newton steps."
    )
    min_decrease: float = option(
        1e-4,
        help="Stop the closed loop when a round lowers the objective estimate by less than this (relative).",
    )
    target: float | None = option(
        None, help="Stop the closed loop once monitor(model) <= target (e.g. max exposure in bits)."
    )
    batch_size: int = option(16, help="Sequences per batch for gradients and curvature products.")
    max_dense: int = option(5000, help="Largest scope (parameters) for which a dense matrix is allowed.")
    seed: int = option(0, help="Seed for the curvature sample and random probes.")

    def __post_init__(self) -> None:
        self._check_choice("scope", ("adapter", "head", "params"))
        if not isinstance(self.params, list) or not all(isinstance(p, str) for p in self.params):
            self._fail("params", "must be a list of glob patterns")
        if self.scope == "params" and not self.params:
            self._fail("params", "scope 'params' needs at least one pattern")
        self._check_choice("order", (1, 2))
        self._check_choice("curvature", ("ggn", "hessian", "fisher"))
        if not isinstance(self.solver, str) or not self.solver:
            self._fail("solver", "must be a registered solver name ('exact', 'cg', 'lissa', ...)")
        for name in ("tau", "damping"):
            if getattr(self, name) != "auto":
                self._check_range(name, 0.0)
        for name in ("damping_scale", "l2", "heldout_tol", "min_decrease"):
            self._check_range(name, 0.0)
        self._check_range("alpha_max", 0.0, low_open=True)
        self._check_range("solver_tol", 0.0, 1.0, low_open=True)
        for name in (
            "curvature_samples",
            "objective_samples",
            "head_samples",
            "max_iter",
            "hutchinson_probes",
            "alpha_points",
            "max_rounds",
            "damping_tries",
        ):
            self._check_range(name, 1)
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_choice("step_rule", ("min", "largest"))
        self._check_choice("objective", ("sample", "corrected"))
        if self.target is not None:
            self._check_range("target")
        self._check_range("batch_size", 1)
        self._check_range("max_dense", 1)


@dataclasses.dataclass
class FinetuneConfig(BaseConfig):
    """How ``sanitize.finetune`` trains a causal LM (LoRA or full) with Hugging Face ``Trainer``.

    The corpus is tokenised by ``sanitize.pairs.tokenize_corpus`` (record or packed, see
    :class:`PairConfig`), so later stages rebuild exactly the sequences training saw.
    """

    method: str = option("lora", help="'lora' = train a LoRA adapter on a frozen base; 'full' = all weights.")
    lora_r: int = option(8, help="LoRA rank.")
    lora_alpha: float = option(16.0, help="LoRA scaling numerator (scale = lora_alpha / lora_r).")
    lora_dropout: float = option(0.0, help="Dropout on the LoRA input (0 keeps the update deterministic).")
    target_modules: list[str] = option(
        [],
        help="Module names (or ['all-linear']) that get LoRA layers; empty = peft's default for the "
        "model type (e.g. c_attn for GPT-2, q_proj/v_proj for Llama).",
    )
    epochs: float = option(3.0, help="Passes over the training sequences (ignored when max_steps > 0).")
    max_steps: int = option(-1, help="Optimiser steps; > 0 overrides epochs.")
    learning_rate: float = option(1e-3, help="Peak learning rate (AdamW).")
    batch_size: int = option(8, help="Sequences per optimiser step (per device).")
    weight_decay: float = option(0.0, help="AdamW decoupled weight decay.")
    l2: float = option(
        0.0,
        help="L2 penalty (l2/2)*||theta||^2 over the trained parameters, added to the loss (part of the "
        "objective, unlike weight_decay); pass the same value as UpdateConfig.l2 when unlearning.",
    )
    warmup_steps: int = option(0, help="Linear warm-up steps.")
    lr_scheduler: str = option("linear", help="Trainer lr_scheduler_type: linear, cosine, constant, ...")
    seed: int = option(0, help="Seed for initialisation of the adapter and the data order.")
    device: str = option("auto", help="'auto' (CUDA when available), 'cpu' or 'cuda'.")

    def __post_init__(self) -> None:
        self._check_choice("method", ("lora", "full"))
        self._check_range("lora_r", 1)
        self._check_range("lora_alpha", 0.0, low_open=True)
        self._check_range("lora_dropout", 0.0, 1.0)
        if not isinstance(self.target_modules, (list, tuple)) or not all(
            isinstance(m, str) and m for m in self.target_modules
        ):
            self._fail("target_modules", "must be a list of module names")
        self.target_modules = list(self.target_modules)
        self._check_range("epochs", 0.0, low_open=True)
        if not isinstance(self.max_steps, int) or self.max_steps == 0 or self.max_steps < -1:
            self._fail("max_steps", "must be -1 (use epochs) or a positive integer")
        self._check_range("learning_rate", 0.0, low_open=True)
        self._check_range("batch_size", 1)
        self._check_range("weight_decay", 0.0)
        self._check_range("l2", 0.0)
        self._check_range("warmup_steps", 0)
        self._check_choice("device", ("auto", "cpu", "cuda"))


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
        help="L2 penalty of the LoRA fine-tuning objective (FinetuneConfig.l2), stated to the update (UpdateConfig.l2).",
    )
    hidden: int = option(64, help="Hidden size of the tiny GPT-2.")
    layers: int = option(2, help="Transformer blocks of the tiny GPT-2.")
    seed: int = option(0, help="Seed for the corpus, the models and the update.")
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
class ExposureConfig(BaseConfig):
    """How exposure is measured (see :func:`sanitize.exposure.exposure`)."""

    exact_budget: int = option(
        100_000,
        help="method='auto' enumerates the whole candidate space exactly when it has at most this many "
        "candidates, and extrapolates from a sample otherwise.",
    )
    sample_size: int = option(
        5_000, help="Candidates drawn uniformly from the space for the skew-normal extrapolation."
    )
    bootstrap: int = option(
        30,
        help="Bootstrap resamples of the sample for the extrapolated exposure's interval (0 = none); each refits the skew-normal (~0.2-0.4 s for 5,000 scores).",
    )
    confidence: float = option(0.95, help="Coverage of the bootstrap interval.")
    batch_size: int = option(256, help="Candidates (trie nodes) per forward pass.")
    seed: int = option(0, help="Seed for sampling candidates and bootstrap resamples.")
    exact_tokenization: bool = option(
        False,
        help="Tokenise every full text context+prefix+candidate instead of a checked tail window "
        "(slower; the window is verified on a sample of candidates and falls back to this on mismatch).",
    )
    prefix_chars: int = option(
        32,
        help="findings_exposure: at most this many characters before a secret (on its line, from a word "
        "start) form its bare prefix; the rest of its training record is the context.",
    )
    fingerprint_key: str | None = option(
        None,
        help="HMAC key for result fingerprints (default: $SANITIZE_FINGERPRINT_KEY or the per-user key).",
    )

    def __post_init__(self) -> None:
        self._check_range("exact_budget", 1)
        self._check_range("sample_size", 10)
        self._check_range("bootstrap", 0)
        self._check_range("confidence", 0.0, 1.0, low_open=True)
        if self.confidence >= 1.0:
            self._fail("confidence", "must be < 1")
        self._check_range("batch_size", 1)
        self._check_range("prefix_chars", 1)
        for name in ("exact_budget", "sample_size", "bootstrap", "batch_size", "seed", "prefix_chars"):
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")


@dataclasses.dataclass
class BaselineConfig(BaseConfig):
    """How an unlearning baseline trains the scope (see :mod:`sanitize.influence.baselines`)."""

    scope: str = option("adapter", help="Parameters to train: 'adapter' (the active PEFT adapter) or 'head'.")
    steps: int = option(50, help="AdamW steps (retrain: the fine-tuning budget; finetune/ascent: k).")
    lr: float = option(1e-3, help="AdamW learning rate.")
    batch_size: int = option(16, help="Sequences per step, sampled with replacement.")
    weight_decay: float = option(0.0, help="AdamW (decoupled) weight decay.")
    l2: float = option(
        0.0, help="L2 penalty (l2/2)*||theta||^2 added to the loss (a strongly convex head objective)."
    )
    seed: int = option(0, help="Seed of the batch sampler (and of a LoRA re-initialisation).")
    optimizer: str = option(
        "adamw",
        help="'adamw' (mini-batch) or 'lbfgs' (full batch to a stationary point; steps = iterations, lr unused).",
    )
    schedule: str = option(
        "constant",
        help="AdamW learning rate over the steps: 'constant' or 'linear' (decay to 0, Trainer's default).",
    )

    def __post_init__(self) -> None:
        self._check_choice("scope", ("adapter", "head"))
        self._check_choice("optimizer", ("adamw", "lbfgs"))
        self._check_choice("schedule", ("constant", "linear"))
        for name in ("steps", "batch_size", "seed"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_range("steps", 1)
        self._check_range("batch_size", 1)
        self._check_range("lr", 0, low_open=True)
        self._check_range("weight_decay", 0)
        self._check_range("l2", 0)
