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
class UpdateConfig(BaseConfig):
    """How the influence update is computed and controlled (see :func:`sanitize.influence.unlearn`)."""

    scope: str = option(
        "adapter",
        help="Parameters the update may change: 'adapter' (active PEFT adapter, found structurally), "
        "'head' (output embeddings; a tied head is untied on a copy) or 'params' (glob patterns in `params`).",
    )
    params: list[str] = option([], help="Glob patterns over named_parameters() names for scope 'params'.")  # noqa: RUF009
    order: int = option(2, help="1 = first order (gradient step -tau*g), 2 = Newton step -A^-1 g.")
    tau: float | str = option(
        "auto", help="First-order step size; 'auto' = 1 / (power-iteration top eigenvalue of the curvature)."
    )
    curvature: str = option("ggn", help="'ggn' (Gauss-Newton, PSD), 'hessian' (double backward) or 'fisher'.")
    solver: str = option("cg", help="Linear solver: 'exact' (dense, small scopes), 'cg' or 'lissa'.")
    damping: float | str = option(
        "auto", help="Added to the curvature diagonal; 'auto' = damping_scale * mean eigenvalue (Hutchinson)."
    )
    damping_scale: float = option(0.01, help="Relative damping used when damping='auto'.")
    l2: float = option(
        0.0, help="L2 coefficient of the training objective (lambda/2 ||theta||^2), part of the curvature."
    )
    curvature_samples: int = option(
        128, help="Number of sanitized training sequences sampled for curvature and the objective estimate."
    )
    solver_tol: float = option(1e-4, help="Relative residual at which cg/lissa stop.")
    max_iter: int = option(50, help="Iteration cap for cg (lissa gets 20x this).")
    hutchinson_probes: int = option(8, help="Rademacher probes for the mean-eigenvalue estimate.")
    line_search: bool = option(
        True, help="Search the step length alpha on a geometric grid (else take alpha=1 unchecked)."
    )
    alpha_max: float = option(1.5, help="Largest step length tried by the line search.")
    alpha_points: int = option(10, help="Points of the geometric line-search grid alpha_max * 0.7^k.")
    step_rule: str = option(
        "min",
        help="'min' = alpha minimising the sanitized-objective estimate; 'largest' = largest admissible "
        "alpha that decreases it.",
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
    batch_size: int = option(8, help="Sequences per batch for gradients and curvature products.")
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
        for name in ("curvature_samples", "max_iter", "hutchinson_probes", "alpha_points", "max_rounds"):
            self._check_range(name, 1)
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_choice("step_rule", ("min", "largest"))
        if self.target is not None:
            self._check_range("target")
        self._check_range("batch_size", 1)
        self._check_range("max_dense", 1)


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

    def __post_init__(self) -> None:
        self._check_choice("scope", ("adapter", "head"))
        for name in ("steps", "batch_size", "seed"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
        self._check_range("steps", 1)
        self._check_range("batch_size", 1)
        self._check_range("lr", 0, low_open=True)
        self._check_range("weight_decay", 0)
        self._check_range("l2", 0)
