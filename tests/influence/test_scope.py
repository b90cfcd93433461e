"""Scopes: adapter parameters found structurally (LoRA, IA3, LoHa, several adapters), head untied on a
copy, glob patterns, clear errors."""

from __future__ import annotations

import pytest
import torch
from influence_helpers import lora_model, tiny_llama, tiny_lm

from sanitize.influence.scope import ScopeError, head_is_tied, select_scope


def _trainable(model: torch.nn.Module) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.parametrize("method", ["lora", "ia3", "loha"])
def test_adapter_scope_is_the_trainable_adapter(method: str) -> None:
    base = tiny_llama() if method == "loha" else tiny_lm()[1]
    model = lora_model(base, seed=0, method=method)
    scope = select_scope(model, "adapter")
    assert set(scope.names) == _trainable(model) and scope.names
    assert scope.numel == model.get_nb_trainable_parameters()[0]
    assert scope.model is model and not scope.head_untied
    # found structurally, not via requires_grad (adapters loaded for inference are frozen)
    for p in model.parameters():
        p.requires_grad_(False)
    assert select_scope(model, "adapter").names == scope.names


def test_only_the_active_adapter() -> None:
    from peft import LoraConfig

    _, base = tiny_lm()
    model = lora_model(base)
    model.add_adapter("other", LoraConfig(r=3, target_modules=["c_fc"], fan_in_fan_out=True))
    default = select_scope(model, "adapter")
    assert default.names and all(".default." in n for n in default.names)
    model.set_adapter("other")
    other = select_scope(model, "adapter")
    assert other.names and all(".other." in n for n in other.names)
    assert other.numel == 3 * (8 + 32)  # c_fc: in 8 -> out 32, r = 3


def test_head_scope_unties_on_a_copy() -> None:
    _, model = tiny_lm()
    assert head_is_tied(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    scope = select_scope(model, "head")
    assert scope.head_untied and scope.model is not model
    assert scope.names == ["lm_head.weight"] and scope.info()["head_untied"] is True
    assert head_is_tied(model) and not head_is_tied(scope.model)  # the caller's model keeps its tie
    assert scope.model.config.tie_word_embeddings is False
    emb = scope.model.get_input_embeddings().weight
    assert torch.equal(emb, scope.params["lm_head.weight"])  # same values, different tensors
    with torch.no_grad():
        scope.params["lm_head.weight"].add_(1.0)
    assert torch.equal(emb, before["transformer.wte.weight"])  # the input embedding never changes
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())


def test_head_scope_untied_model_and_peft_model() -> None:
    llama = tiny_llama()
    scope = select_scope(llama, "head")
    assert not scope.head_untied and scope.model is llama and scope.names == ["lm_head.weight"]
    _, base = tiny_lm()
    peft_scope = select_scope(lora_model(base), "head")
    assert peft_scope.head_untied and peft_scope.names[0].endswith("lm_head.weight")


def test_params_scope_and_errors() -> None:
    _, model = tiny_lm()
    scope = select_scope(model, "params", ["transformer.h.0.mlp.*"])
    assert scope.names and all(n.startswith("transformer.h.0.mlp.") for n in scope.names)
    with pytest.raises(ScopeError, match="no parameter name matches"):
        select_scope(model, "params", ["nothing.*"])
    with pytest.raises(ScopeError, match="no active PEFT adapter"):
        select_scope(model, "adapter")
    with pytest.raises(ScopeError, match="unknown scope"):
        select_scope(model, "everything")
