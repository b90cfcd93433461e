"""One registry of unlearning methods, so that recipes and benchmarks choose a method by name.

    >>> from sanitize_lab.methods import METHODS
    >>> out = METHODS["second_order"](model, pairs, retained, UpdateConfig(l2=1e-2), n_train_tokens=T)
    >>> out.model, out.seconds, out.result.metrics

Every method is called the same way, ``method(model, pairs, retained, config, *, heldout=None,
init=None, n_train_tokens=None, apply=True)``, and returns a :class:`MethodResult`:

* ``model``: the fine-tuned model (never modified); ``pairs``: the (z, z̃) pairs of the secrets;
* ``retained``: the sanitized training sequences (retraining's corpus; the influence updates'
  curvature pool; unused by the twins / ascent baselines);
* ``config``: a :class:`~sanitize_lab.baselines.BaselineConfig` for the baselines, an
  :class:`~sanitize.influence.config.UpdateConfig` for the influence updates (``order`` is set by the
  method); ``None`` = the method's default;
* ``heldout``: held-out sequences (perplexity metrics; the update's held-out guard);
* ``init``: the scope's state before fine-tuning (``retrain``: where it starts, default a fresh LoRA init;
  the influence updates: their reference point θ_ref, a copy of the model with ``init`` loaded);
* ``n_train_tokens``: target tokens of the original training set (influence updates only).

The methods: ``retrain`` (the reference), ``finetune_twins`` (k steps on the sanitized twins),
``gradient_ascent`` (k steps up the loss of the originals), ``first_order`` and ``second_order``
(``sanitize.influence.unlearn`` with order 1 / 2).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sanitize.errors import SanitizeError
from sanitize.influence.config import UpdateConfig
from sanitize.types import Pairs, TokenSequence

from . import baselines
from .baselines import BaselineConfig

__all__ = ["METHODS", "Method", "MethodResult", "run_method"]


@dataclasses.dataclass
class MethodResult:
    """One method's outcome: the ``UnlearnResult`` (delta, metrics, config), the model with the delta
    applied (``None`` with ``apply=False``) and the method's wall time (applying not included)."""

    name: str
    result: Any  # sanitize.influence.update.UnlearnResult
    model: Any
    seconds: float

    def __repr__(self) -> str:
        return f"MethodResult({self.name!r}, seconds={self.seconds:.2f})"


@dataclasses.dataclass(frozen=True)
class Method:
    """A registered unlearning method (see the module docstring for the calling convention)."""

    name: str
    kind: str  # "baseline" (trains the scope) or "influence" (closed-form update)
    config_type: type
    run: Callable[..., Any]
    summary: str

    def __call__(
        self,
        model: Any,
        pairs: Pairs,
        retained: Sequence[TokenSequence],
        config: Any = None,
        *,
        heldout: Sequence[TokenSequence] | None = None,
        init: Mapping[str, Any] | None = None,
        n_train_tokens: int | None = None,
        apply: bool = True,
    ) -> MethodResult:
        config = self.config_type() if config is None else config
        if not isinstance(config, self.config_type):
            raise SanitizeError(
                f"{self.name}: config must be a {self.config_type.__name__}, got {type(config).__name__}"
            )
        start = time.perf_counter()
        result = self.run(
            model, pairs, retained, config, heldout=heldout, init=init, n_train_tokens=n_train_tokens
        )
        seconds = time.perf_counter() - start
        return MethodResult(self.name, result, result.apply(model) if apply else None, seconds)


def _retrain(model: Any, pairs: Pairs, retained: Any, config: BaselineConfig, **kw: Any) -> Any:
    return baselines.retrain(
        model, pairs, train=retained, heldout=kw["heldout"], init=kw["init"], config=config
    )


def _twins(model: Any, pairs: Pairs, retained: Any, config: BaselineConfig, **kw: Any) -> Any:
    return baselines.finetune_twins(model, pairs, heldout=kw["heldout"], config=config)


def _ascent(model: Any, pairs: Pairs, retained: Any, config: BaselineConfig, **kw: Any) -> Any:
    return baselines.gradient_ascent(model, pairs, heldout=kw["heldout"], config=config)


def _influence(order: int) -> Callable[..., Any]:
    def run(model: Any, pairs: Pairs, retained: Any, config: UpdateConfig, **kw: Any) -> Any:
        from sanitize.influence import unlearn

        if kw["n_train_tokens"] is None:
            raise SanitizeError("influence updates need n_train_tokens (target tokens of the training set)")
        reference = None
        if kw["init"] is not None:  # θ_ref of the implicit regulariser and of UpdateConfig.pair_path
            reference = copy.deepcopy(model)
            reference.load_state_dict(dict(kw["init"]), strict=False)
        return unlearn(
            model, pairs, curvature=retained, heldout=kw["heldout"] or None, n_train_tokens=kw["n_train_tokens"],
            config=dataclasses.replace(config, order=order), reference=reference,
        )  # fmt: skip

    return run


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("retrain", "baseline", BaselineConfig, _retrain, "re-train the scope on the sanitized corpus"),
        Method("finetune_twins", "baseline", BaselineConfig, _twins, "k steps on the sanitized twins"),
        Method("gradient_ascent", "baseline", BaselineConfig, _ascent, "k steps up the originals' loss"),
        Method("first_order", "influence", UpdateConfig, _influence(1), "first-order influence update"),
        Method("second_order", "influence", UpdateConfig, _influence(2), "second-order influence update"),
    )
}


def run_method(
    name: str, model: Any, pairs: Pairs, retained: Sequence[TokenSequence], config: Any = None, **kwargs: Any
) -> MethodResult:
    """``METHODS[name](model, pairs, retained, config, **kwargs)`` with a clear error for an unknown name."""
    if name not in METHODS:
        raise SanitizeError(f"unknown unlearning method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name](model, pairs, retained, config, **kwargs)
