"""``sanitize unlearn`` as a library: wiring only (each stage's maths lives in its own module).

* :func:`sanitize_model` -- the whole pipeline, ``OUT`` written atomically (:mod:`.run`);
* :func:`prepare` -- everything before the update, as a checked :class:`Job` (:mod:`.job`);
* :func:`verify` -- exposure, extraction and perplexity of any set of models (:mod:`.measure`);
* :class:`StageConfigs` -- one config per stage; :class:`PipelineConfig` the pipeline's own (:mod:`.config`);
* :func:`save_sanitized` / :func:`assert_no_plaintext` -- the output directory (:mod:`.output`);
* :class:`Stages` -- stage timings and progress bars (:mod:`.progress`).
"""

from __future__ import annotations

from .config import PipelineConfig, StageConfigs
from .job import Inputs, Job, PipelineError, check_findings, complete_findings, prepare, resolve_scope
from .measure import training_exposures, verify
from .output import TEXT_OUTPUTS, assert_no_plaintext, save_sanitized
from .progress import Stages
from .run import PipelineResult, sanitize_model

__all__ = [
    "TEXT_OUTPUTS",
    "Inputs",
    "Job",
    "PipelineConfig",
    "PipelineError",
    "PipelineResult",
    "StageConfigs",
    "Stages",
    "assert_no_plaintext",
    "check_findings",
    "complete_findings",
    "prepare",
    "resolve_scope",
    "sanitize_model",
    "save_sanitized",
    "training_exposures",
    "verify",
]
