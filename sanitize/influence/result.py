"""What an update is: the delta over the scope, applied to or undone on a copy of the model."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import torch
from torch import nn

from ..errors import SanitizeError
from .scope import head_is_tied, untie_head


class UnlearnError(SanitizeError):
    """The update cannot be made safely (e.g. every step length breaks held-out loss)."""


@dataclasses.dataclass
class UnlearnResult:
    """An update: ``delta`` (param name -> new - old), scope info, metrics and the config used.

    ``apply(model)`` returns a new model with the delta added (a tied head is untied first when the
    scope says so); ``undo(model)`` returns a new model with it subtracted. Neither touches ``model``.
    """

    delta: dict[str, torch.Tensor]
    scope: dict[str, Any]
    metrics: dict[str, Any]
    config: Any

    def apply(self, model: nn.Module) -> nn.Module:
        return self._shifted(model, +1.0)

    def undo(self, model: nn.Module) -> nn.Module:
        return self._shifted(model, -1.0)

    def _shifted(self, model: nn.Module, sign: float) -> nn.Module:
        if self.scope.get("head_untied") and head_is_tied(model):
            new = untie_head(model)  # a copy
        else:
            new = copy.deepcopy(model)
        params = dict(new.named_parameters())
        missing = [n for n in self.delta if n not in params]
        if missing:
            raise UnlearnError(f"the model has no parameter(s) {', '.join(missing[:5])} named in this update")
        with torch.no_grad():
            for name, d in self.delta.items():
                p = params[name]
                if p.shape != d.shape:
                    raise UnlearnError(f"parameter {name}: shape {tuple(p.shape)} != update {tuple(d.shape)}")
                p.add_(d.to(device=p.device, dtype=p.dtype), alpha=sign)
        return new

    def __repr__(self) -> str:
        keys = ("update_norm", "solver_residual", "damping", "step", "rounds", "heldout_loss_before",
                "heldout_loss_after")  # fmt: skip
        shown = ", ".join(f"{k}={self.metrics.get(k)!r}" for k in keys if k in self.metrics)
        return (
            f"UnlearnResult(scope={self.scope.get('kind')}, n_params={self.scope.get('n_params')}, {shown})"
        )
