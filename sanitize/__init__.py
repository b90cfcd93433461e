"""sanitize: find leaked secrets in a training corpus and remove them from a fine-tuned model.

corpus --scan--> findings --build_pairs--> pairs --compute_update--> update --> report

The public API is listed in ``__all__``; names are imported lazily so that ``import sanitize``
(and the CLI's fast paths) do not pay for torch/transformers until they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "SanitizeError": "errors",
    "CorpusError": "errors",
    "ModelLoadError": "errors",
    "ConfigError": "errors",
    "CorpusConfig": "data",
    "PairConfig": "pairs",
    "ScanConfig": "scanner",
    "UpdateConfig": "influence.config",
    "UnlearnError": "influence",
    "UnlearnResult": "influence",
    "unlearn": "influence",
    "Finding": "types",
    "Pair": "types",
    "Pairs": "types",
    "TokenSequence": "types",
    "load_corpus": "data",
    "iter_documents": "data",
    "load_model": "models",
    "sanitize_model": "pipeline",
    "build_pairs": "pairs",
    "find_literal": "pairs",
    "sanitize_texts": "pairs",
    "tokenize_corpus": "pairs",
    "scan": "scanner",
    "iter_scan": "scanner",
    "scan_batch": "scanner",
    "ExposureConfig": "exposure.config",
    "ExposureResult": "types",
    "findings_exposure": "exposure",
}

__all__ = [  # keep in sync with _EXPORTS (a test checks)
    "ConfigError",
    "CorpusConfig",
    "CorpusError",
    "ExposureConfig",
    "ExposureResult",
    "Finding",
    "ModelLoadError",
    "Pair",
    "PairConfig",
    "Pairs",
    "SanitizeError",
    "ScanConfig",
    "TokenSequence",
    "UnlearnError",
    "UnlearnResult",
    "UpdateConfig",
    "__version__",
    "build_pairs",
    "find_literal",
    "findings_exposure",
    "iter_documents",
    "iter_scan",
    "load_corpus",
    "load_model",
    "sanitize_model",
    "sanitize_texts",
    "scan",
    "scan_batch",
    "tokenize_corpus",
    "unlearn",
]

if TYPE_CHECKING:
    from .data import CorpusConfig, iter_documents, load_corpus
    from .errors import ConfigError, CorpusError, ModelLoadError, SanitizeError
    from .exposure import findings_exposure
    from .exposure.config import ExposureConfig
    from .influence import UnlearnError, UnlearnResult, unlearn
    from .influence.config import UpdateConfig
    from .models import load_model
    from .pairs import PairConfig, build_pairs, find_literal, sanitize_texts, tokenize_corpus
    from .pipeline import sanitize_model
    from .scanner import ScanConfig, iter_scan, scan, scan_batch
    from .types import ExposureResult, Finding, Pair, Pairs, TokenSequence


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
