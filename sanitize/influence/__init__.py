"""Influence unlearning: closed-form updates restricted to a PEFT adapter, the LM head or globs.

    >>> result = unlearn(model, pairs, curvature=sanitized_seqs, heldout=heldout_seqs, n_train_tokens=T)
    >>> clean = result.apply(model)   # a new model; `model` is untouched

See :mod:`.update` for the maths and step control, :mod:`.certify` for certified removal on heads.
Names are imported lazily, so that reading :class:`UpdateConfig` (the CLI builds its flags from it)
does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "Certificate": "certify",
    "certify": "certify",
    "Curvature": "curvature",
    "Problem": "grads",
    "pair_gradient": "grads",
    "Scope": "scope",
    "ScopeError": "scope",
    "select_scope": "scope",
    "SOLVERS": "solvers",
    "SolveResult": "solvers",
    "register_solver": "solvers",
    "solve": "solvers",
    "CausalLMTask": "tasks",
    "Features": "tasks",
    "HeadTask": "tasks",
    "Task": "tasks",
    "UnlearnError": "result",
    "UnlearnResult": "result",
    "influence_update": "update",
    "unlearn": "update",
    "UpdateConfig": "config",
    "Regulariser": "implicit",
    "TrainingLog": "implicit",
    "trainer_log": "implicit",
}
__all__ = [  # keep in sync with _EXPORTS
    "SOLVERS",
    "CausalLMTask",
    "Certificate",
    "Curvature",
    "Features",
    "HeadTask",
    "Problem",
    "Regulariser",
    "Scope",
    "ScopeError",
    "SolveResult",
    "Task",
    "TrainingLog",
    "UnlearnError",
    "UnlearnResult",
    "UpdateConfig",
    "certify",
    "influence_update",
    "pair_gradient",
    "register_solver",
    "select_scope",
    "solve",
    "trainer_log",
    "unlearn",
]

if TYPE_CHECKING:
    from .certify import Certificate, certify
    from .config import UpdateConfig
    from .curvature import Curvature
    from .grads import Problem, pair_gradient
    from .implicit import Regulariser, TrainingLog, trainer_log
    from .result import UnlearnError, UnlearnResult
    from .scope import Scope, ScopeError, select_scope
    from .solvers import SOLVERS, SolveResult, register_solver, solve
    from .tasks import CausalLMTask, Features, HeadTask, Task
    from .update import influence_update, unlearn


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
