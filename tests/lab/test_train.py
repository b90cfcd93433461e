"""The lab's one trainer: LoRA through HF Trainer trains only the adapter, learns and round-trips on disk
(with what it did in train_state.json); the sampled loop and L-BFGS cover the baselines' recipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from sanitize.errors import ConfigError, SanitizeError
from sanitize.influence.tasks import count_targets
from sanitize.models import load_model
from sanitize.pairs import PairConfig, tokenize_corpus
from sanitize.types import TokenSequence
from sanitize_lab.train import TrainConfig, collate, finetune, train

TEXTS = ["my telephone number is 0123456789, call me.", "Alice was beginning to get very tired."] * 8


def _sequences(tok) -> list[TokenSequence]:  # type: ignore[no-untyped-def]
    ids = tok(TEXTS)["input_ids"]
    return [TokenSequence(tuple(e), (1,) * len(e), (1,) * len(e)) for e in ids]


def test_collate_pads_and_masks() -> None:
    a = TokenSequence((5, 6, 7), (1, 1, 1), (0, 1, 1))
    b = TokenSequence((8,), (1,), (1,))
    batch = collate([a, b], pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    assert count_targets([a, b]) == 2  # position 0 is never predicted


def test_lora_trains_only_adapter_and_round_trips(gpt2_dir: str, tmp_path: Path) -> None:
    model, tok = load_model(gpt2_dir)
    base_before = {k: v.clone() for k, v in model.state_dict().items()}
    seqs = tokenize_corpus(TEXTS, tok, PairConfig(max_length=64))  # the single home of tokenisation
    assert [s.input_ids for s in seqs] == [s.input_ids for s in _sequences(tok)]
    config = TrainConfig(max_steps=20, learning_rate=1e-2)
    result = finetune(model, tok, TEXTS, config, PairConfig(max_length=64))
    assert len(result.losses) == 20 and result.losses[-1] < result.losses[0]
    assert result.n_target_tokens == count_targets(seqs) > 0
    base = result.model.get_base_model()
    for name, p in base.named_parameters():
        if "lora_" not in name:  # frozen base weights are untouched
            key = name.replace(".base_layer", "")
            assert torch.equal(p, base_before[key]), name
    result.save(tmp_path / "adapter", tok)
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()
    state = json.loads((tmp_path / "adapter" / "train_state.json").read_text())
    assert state["loop"] == "trainer" and state["optimizer"] == "adamw" and state["schedule"] == "linear"
    assert state["steps"] == 20 and state["learning_rate"] == 1e-2 and state["last_lr"] < state["first_lr"]
    assert TrainConfig.load(tmp_path / "adapter" / "train_config.json") == config
    reloaded, _ = load_model(gpt2_dir, adapter=tmp_path / "adapter")
    x = torch.tensor([seqs[0].input_ids])
    with torch.no_grad():
        torch.testing.assert_close(reloaded(x).logits, result.model(x).logits)


def test_l2_is_part_of_the_training_objective(gpt2_dir: str) -> None:
    """TrainConfig.l2 adds (l2/2)·‖θ‖² over the trainable (LoRA) parameters to the loss: the first logged
    loss (computed before any step, same seed, same batch) differs by exactly that; and it shrinks the adapter."""
    from transformers import set_seed

    from sanitize_lab.train import prepare_model

    results, init_sq = {}, None
    for l2 in (0.0, 0.5):
        model, tok = load_model(gpt2_dir)
        config = TrainConfig(max_steps=6, learning_rate=1e-2, l2=l2, seed=3)
        if init_sq is None:
            model_copy, _ = load_model(gpt2_dir)
            set_seed(config.seed)
            wrapped = prepare_model(model_copy, config)
            init_sq = sum(float((p.detach() ** 2).sum()) for p in wrapped.parameters() if p.requires_grad)
        results[l2] = finetune(model, tok, TEXTS, config, PairConfig(max_length=64))
    assert init_sq > 0
    assert results[0.5].losses[0] - results[0.0].losses[0] == pytest.approx(0.25 * init_sq, abs=2e-4)

    def norm(r) -> float:  # type: ignore[no-untyped-def]
        return sum(float((p.detach() ** 2).sum()) for n, p in r.model.named_parameters() if "lora_" in n)

    assert norm(results[0.5]) < norm(results[0.0])
    with pytest.raises(ConfigError, match=r"TrainConfig\.l2"):
        TrainConfig(l2=-1.0)


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"TrainConfig\.max_steps"):
        TrainConfig(max_steps=0)
    with pytest.raises(ConfigError, match=r"TrainConfig\.scope"):
        TrainConfig(scope="qlora")
    with pytest.raises(ConfigError, match=r"TrainConfig\.schedule"):
        TrainConfig(loop="sampled", schedule="cosine")
    with pytest.raises(ConfigError, match=r"TrainConfig\.max_steps"):
        TrainConfig(optimizer="lbfgs")  # iterations must be given
    with pytest.raises(SanitizeError, match="corpus is empty"):
        train(None, [], TrainConfig())
    with pytest.raises(SanitizeError, match="ascent"):
        train(None, [TokenSequence((1, 2), (1, 1), (1, 1))], TrainConfig(), ascent=True)


@pytest.mark.parametrize(
    ("optimizer", "schedule", "weight_decay", "l2"),
    [("adamw", "constant", 0.0, 0.0), ("adamw", "linear", 0.01, 0.0), ("sgd", "linear", 0.0, 0.0),
     ("adamw", "constant", 0.0, 1e-2)],
)  # fmt: skip
def test_trainer_loop_expresses_the_recipe_matrix(
    gpt2_dir: str, optimizer: str, schedule: str, weight_decay: float, l2: float
) -> None:
    """Each cell of the adapter recipe matrix (optimizer x schedule x epochs) runs through Trainer and
    records what it did."""
    model, tok = load_model(gpt2_dir)
    config = TrainConfig(epochs=1.0, batch_size=4, learning_rate=5e-2 if optimizer == "sgd" else 1e-2,
                         optimizer=optimizer, schedule=schedule, weight_decay=weight_decay, l2=l2)  # fmt: skip
    result = finetune(model, tok, TEXTS, config, PairConfig(max_length=64))
    assert result.state["steps"] == len(result.losses) == 4  # one epoch of 16 sequences, 4 per step
    assert result.state["hf_optim"].startswith("sgd" if optimizer == "sgd" else "adamw")
    assert result.state["epochs"] == pytest.approx(1.0)
    if schedule == "constant":
        assert result.state["first_lr"] == result.state["last_lr"] == config.learning_rate
    else:
        assert result.state["last_lr"] < result.state["first_lr"]


@pytest.mark.parametrize("optimizer", ["adamw", "sgd", "lbfgs"])
def test_sampled_loop_and_lbfgs_lower_the_loss_of_an_existing_adapter(gpt2_dir: str, optimizer: str) -> None:
    """The baselines' loop on an existing adapter (scope 'adapter'): only the adapter moves."""
    model, tok = load_model(gpt2_dir)
    wrapped = finetune(model, tok, TEXTS, TrainConfig(max_steps=1), PairConfig(max_length=64)).model
    seqs = tokenize_corpus(TEXTS, tok, PairConfig(max_length=64))
    before = {n: p.detach().clone() for n, p in wrapped.named_parameters()}
    config = TrainConfig(scope="adapter", loop="sampled", optimizer=optimizer, max_steps=8, batch_size=4,
                         learning_rate=0.5 if optimizer == "sgd" else 1e-2, l2=1e-3)  # fmt: skip
    result = train(wrapped, seqs, config)
    assert result.losses[-1] < result.losses[0]
    assert result.state["optimizer"] == optimizer
    assert result.state["loop"] == ("full-batch" if optimizer == "lbfgs" else "sampled")
    moved = {n for n, p in wrapped.named_parameters() if not torch.equal(p, before[n])}
    assert moved and all("lora_" in n for n in moved)
    assert not any(p.requires_grad for n, p in wrapped.named_parameters() if "lora_" not in n)
