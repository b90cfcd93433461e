"""The pipeline's own options (:class:`PipelineConfig`) and every stage's config in one place
(:class:`StageConfigs`, named as the sections of ``sanitize unlearn --config``)."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..config import BaseConfig, option, seed_option
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..data import CorpusConfig
    from ..exposure.config import ExposureConfig
    from ..influence.config import UpdateConfig
    from ..pairs import PairConfig
    from ..scanner import ScanConfig


@dataclasses.dataclass
class PipelineConfig(BaseConfig):
    """How ``sanitize unlearn`` wires the stages (each stage keeps its own config: corpus, scan, pairs,
    update, exposure). Plaintext secrets passed with ``--secret`` are never part of a config."""

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
    verify_contexts: int = option(
        1,
        help="Contexts (training records) measured per distinct secret, its first occurrences in corpus order; "
        "0 = every occurrence. Each costs one exposure per model: a secret repeated in 30 records is one "
        "question asked in 30 contexts.",
    )
    verify_budget: int = option(
        1024,
        help="Candidates scored per exposure in verification: a secret's whole space when it has at most "
        "this many, else this many uniform draws (rank estimated, Clopper-Pearson interval at "
        "exposure.confidence); each (secret, context) is drawn and tokenised once for all models.",
    )
    dtype: str | None = option(
        None, help="Load the model in this dtype (float32, float64, bf16); None = saved."
    )
    device: str | None = option(None, help="Device for all stages (cpu, cuda); None = cpu.")
    seed: int = seed_option("held-out sampling")
    plots: bool = option(True, help="Write exposure.png next to the report.")

    def __post_init__(self) -> None:
        self._check_range("heldout_fraction", 0.0, 1.0)
        self._check_range("heldout_max_sequences", 1)
        self._check_range("verify_max_secrets", 0)
        self._check_range("verify_contexts", 0)
        self._check_range("verify_budget", 10)


# section name -> (module, class) of its config; imported only when a default is needed
_STAGES: dict[str, tuple[str, str]] = {
    "pipeline": ("sanitize.pipeline.config", "PipelineConfig"),
    "corpus": ("sanitize.data", "CorpusConfig"),
    "scan": ("sanitize.scanner", "ScanConfig"),
    "pairs": ("sanitize.pairs", "PairConfig"),
    "update": ("sanitize.influence.config", "UpdateConfig"),
    "exposure": ("sanitize.exposure.config", "ExposureConfig"),
}


def _config_class(section: str) -> type[BaseConfig]:
    module, name = _STAGES[section]
    cls: type[BaseConfig] = getattr(importlib.import_module(module), name)
    return cls


def _default(section: str) -> Callable[[], Any]:
    return lambda: _config_class(section)()


@dataclasses.dataclass(frozen=True)
class StageConfigs:
    """One config per stage; a stage left out gets its defaults.

    ``corpus`` says how ``data`` and ``heldout`` are read (``text_field`` has this one home);
    ``scan`` is used when findings are scanned, and its ``fingerprint_key`` for every finding's
    fingerprint (scanned, given or literal ``--secret``).
    """

    pipeline: PipelineConfig = dataclasses.field(default_factory=PipelineConfig)
    corpus: CorpusConfig = dataclasses.field(default_factory=_default("corpus"))
    scan: ScanConfig = dataclasses.field(default_factory=_default("scan"))
    pairs: PairConfig = dataclasses.field(default_factory=_default("pairs"))
    update: UpdateConfig = dataclasses.field(default_factory=_default("update"))
    exposure: ExposureConfig = dataclasses.field(default_factory=_default("exposure"))

    def __post_init__(self) -> None:
        for section in _STAGES:
            value, cls = getattr(self, section), _config_class(section)
            if value is None:  # None reads as "the defaults", as it does for every stage function
                object.__setattr__(self, section, cls())
            elif not isinstance(value, cls):
                raise ConfigError(
                    f"StageConfigs.{section}: expected a {cls.__name__}, got {type(value).__name__}"
                )

    @classmethod
    def from_sections(cls, sections: Mapping[str, Mapping[str, Any]]) -> StageConfigs:
        """From ``{"pipeline": {...}, "pairs": {...}, ...}`` (a ``--config`` file's sections)."""
        unknown = sorted(set(sections) - set(_STAGES))
        if unknown:
            raise ConfigError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(_STAGES)}")
        return cls(**{s: _config_class(s).from_dict(dict(v)) for s, v in sections.items()})

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Every section as plain JSON values, with every ``fingerprint_key`` set to None: a key is
        never written (with it, a published fingerprint of a low-entropy secret can be brute-forced);
        a config read back uses ``$SANITIZE_FINGERPRINT_KEY`` or the key file instead."""
        out = {}
        for section in _STAGES:
            values = getattr(self, section).to_dict()
            if "fingerprint_key" in values:
                values["fingerprint_key"] = None
            out[section] = values
        return out


__all__ = ["PipelineConfig", "StageConfigs"]
