"""Influence unlearning: closed-form updates restricted to a PEFT adapter, the LM head or globs.

    >>> result = unlearn(model, pairs, curvature=sanitized_seqs, heldout=heldout_seqs, n_train_tokens=T)
    >>> clean = result.apply(model)   # a new model; `model` is untouched

See :mod:`.update` for the maths and step control, :mod:`.certify` for certified removal on heads.
"""

from __future__ import annotations

from .certify import Certificate, certify
from .curvature import Curvature
from .grads import Problem, pair_gradient
from .scope import Scope, ScopeError, select_scope
from .solvers import SOLVERS, SolveResult, register_solver, solve
from .tasks import CausalLMTask, Features, HeadTask, Task
from .update import UnlearnError, UnlearnResult, influence_update, unlearn

__all__ = [
    "SOLVERS",
    "CausalLMTask",
    "Certificate",
    "Curvature",
    "Features",
    "HeadTask",
    "Problem",
    "Scope",
    "ScopeError",
    "SolveResult",
    "Task",
    "UnlearnError",
    "UnlearnResult",
    "certify",
    "influence_update",
    "pair_gradient",
    "register_solver",
    "select_scope",
    "solve",
    "unlearn",
]
