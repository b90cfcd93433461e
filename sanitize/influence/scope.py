"""Which parameters an update may change: the active PEFT adapter, the LM head, or glob patterns.

* ``adapter``: every tensor of the *active* adapter(s), found structurally by walking peft's tuner
  layers (:class:`peft.tuners.tuners_utils.BaseTunerLayer`: ``adapter_layer_names`` x
  ``active_adapters``) plus ``modules_to_save`` copies. No string matching on parameter names, so
  LoRA, IA3, LoHa, LoKr, VeRA ... are all found the same way, whether or not ``requires_grad`` is set.
* ``head``: ``model.get_output_embeddings()`` (weight and bias). If the head is tied to the input
  embedding, the tie is broken on a *copy* of the model (``Scope.head_untied``) so that the input
  embedding never changes.
* ``params``: parameters whose ``named_parameters()`` name matches one of the glob patterns.

Everything outside the scope is left bit-identical by the update (tests pin this).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..errors import SanitizeError

SCOPES = ("auto", "adapter", "head", "params")


class ScopeError(SanitizeError):
    """The requested scope selects no parameter (no adapter, no head, patterns match nothing)."""


@dataclasses.dataclass
class Scope:
    """The parameters an update is restricted to.

    ``model`` is the model the names refer to: the caller's model, or a copy with the head untied
    (then ``head_untied`` is True). ``params`` maps ``model.named_parameters()`` names to the live
    parameters (ordered). ``module``/``local_names`` say where the parameters live for functional
    calls: the whole model, or (head scope) the head module alone.
    """

    kind: str
    model: nn.Module
    params: dict[str, nn.Parameter]
    head_untied: bool = False
    module: nn.Module | None = None
    local_names: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return list(self.params)

    @property
    def numel(self) -> int:
        return sum(p.numel() for p in self.params.values())

    def info(self) -> dict[str, Any]:
        """JSON-able description (kept in ``UnlearnResult.scope``)."""
        return {
            "kind": self.kind,
            "n_params": self.numel,
            "n_tensors": len(self.params),
            "head_untied": self.head_untied,
            "names": self.names,
        }


def _adapter_tensors(model: nn.Module) -> list[nn.Parameter]:
    """Parameters of the active adapter(s), in module order, found via peft's tuner layers."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    try:  # modules_to_save copies (peft >= 0.15 names the base class AuxiliaryTrainingWrapper)
        from peft.utils.other import AuxiliaryTrainingWrapper as _Aux
    except ImportError:  # pragma: no cover - older peft
        from peft.utils.other import ModulesToSaveWrapper as _Aux

    found: list[nn.Parameter] = []
    for module in model.modules():
        if isinstance(module, BaseTunerLayer):
            active = module.active_adapters
            for layer_name in module.adapter_layer_names:
                container = getattr(module, layer_name, None)
                if container is None:
                    continue
                for adapter in active:
                    if adapter not in container:
                        continue
                    item = container[adapter]
                    found.extend([item] if isinstance(item, nn.Parameter) else item.parameters())
        elif isinstance(module, _Aux) and hasattr(module, "modules_to_save"):
            for adapter in getattr(module, "active_adapters", [getattr(module, "active_adapter", None)]):
                if adapter in module.modules_to_save:
                    found.extend(module.modules_to_save[adapter].parameters())
    return found


def _named(model: nn.Module, tensors: Sequence[torch.Tensor]) -> dict[str, nn.Parameter]:
    by_id = {id(p): n for n, p in model.named_parameters()}
    out: dict[str, nn.Parameter] = {}
    for p in tensors:
        name = by_id.get(id(p))
        if name is not None and name not in out:
            out[name] = p  # type: ignore[assignment]
    return out


def head_is_tied(model: nn.Module) -> bool:
    """True when the output head shares its weight tensor with the input embedding."""
    head, emb = model.get_output_embeddings(), model.get_input_embeddings()  # type: ignore[operator]
    if head is None or emb is None:
        return False
    return head.weight is emb.weight or head.weight.data_ptr() == emb.weight.data_ptr()


def untie_head(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` whose output head owns its weight (the input embedding is untouched).

    The config is marked ``tie_word_embeddings=False`` so that save/load keeps the heads apart.
    """
    model = copy.deepcopy(model)
    head = model.get_output_embeddings()  # type: ignore[operator]
    head.weight = nn.Parameter(head.weight.detach().clone(), requires_grad=head.weight.requires_grad)
    for cfg in {id(c): c for c in _configs(model)}.values():
        cfg.tie_word_embeddings = False
    return model


def _configs(model: nn.Module) -> list[Any]:
    out = []
    for m in model.modules():
        cfg = getattr(m, "config", None)
        if cfg is not None and hasattr(cfg, "tie_word_embeddings"):
            out.append(cfg)
            text = getattr(cfg, "get_text_config", None)
            if callable(text) and text() is not cfg and hasattr(text(), "tie_word_embeddings"):
                out.append(text())
    return out


def _head_owner(model: nn.Module, head: nn.Module) -> str:
    for name, module in model.named_modules():
        if module is head:
            return name
    raise ScopeError("the output head is not a submodule of the model")


def select_scope(model: nn.Module, kind: str = "adapter", patterns: Sequence[str] = ()) -> Scope:
    """Resolve ``kind`` ("auto" | "adapter" | "head" | "params" with glob ``patterns``) on ``model``.

    "auto" is the active PEFT adapter when the model has one, else the head. Never modifies
    ``model``: a tied head is untied on a copy (returned as ``Scope.model``).
    """
    if kind == "auto":
        kind = "adapter" if _adapter_tensors(model) else "head"
    if kind == "adapter":
        params = _named(model, _adapter_tensors(model))
        if not params:
            raise ScopeError(
                "scope 'adapter': the model has no active PEFT adapter with parameters "
                "(load it with an adapter, or use scope 'head' or 'params')"
            )
        return Scope("adapter", model, params, module=model, local_names=tuple(params))
    if kind == "head":
        getter = getattr(model, "get_output_embeddings", None)
        head = getter() if callable(getter) else None
        if head is None or not isinstance(getattr(head, "weight", None), torch.Tensor):
            raise ScopeError("scope 'head': the model has no output embeddings (get_output_embeddings())")
        untied = head_is_tied(model)
        if untied:
            model = untie_head(model)
            head = model.get_output_embeddings()  # type: ignore[operator]
        prefix = _head_owner(model, head)
        local = [n for n, _ in head.named_parameters()]
        params = {f"{prefix}.{n}" if prefix else n: p for n, p in head.named_parameters()}
        return Scope("head", model, params, head_untied=untied, module=head, local_names=tuple(local))
    if kind == "params":
        pats = list(patterns)
        if not pats:
            raise ScopeError("scope 'params' needs at least one glob pattern (UpdateConfig.params)")
        params = {n: p for n, p in model.named_parameters() if any(fnmatch.fnmatchcase(n, g) for g in pats)}
        if not params:
            raise ScopeError(f"scope 'params': no parameter name matches {pats}")
        return Scope("params", model, params, module=model, local_names=tuple(params))
    raise ScopeError(f"unknown scope {kind!r}; use one of {', '.join(SCOPES)}")
