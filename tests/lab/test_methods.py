"""The registry of unlearning methods: one calling convention, each method changes only its scope and
reports its wall time; and the ``sanitize-lab`` console script."""

from __future__ import annotations

import pytest
import torch

from sanitize.errors import SanitizeError
from sanitize.influence.config import UpdateConfig
from sanitize.influence.tasks import count_targets
from sanitize_lab import planted as E
from sanitize_lab.baselines import BaselineConfig
from sanitize_lab.methods import METHODS, MethodResult, run_method
from sanitize_lab.tiny import tiny_model, train_tokenizer


@pytest.fixture(scope="module")
def toy():  # type: ignore[no-untyped-def]
    corpus = E.planted_corpus(n_public=24, secret_digits=(4,), repeats=4, n_heldout=8, seed=3)
    tok = train_tokenizer(corpus.texts + corpus.heldout, vocab_size=300)
    base = tiny_model(tok, "gpt2", seed=0, hidden=16, layers=1, heads=2)
    return {
        "model": E.add_lora(base, r=2, seed=0),
        "pairs": E.experiment_pairs(corpus, tok),
        "retained": E.tokenize_records(corpus.sanitized(0), tok),
        "n_train_tokens": count_targets(E.tokenize_records(corpus.texts, tok)),
    }


def test_registry_names_the_five_methods() -> None:
    assert list(METHODS) == ["retrain", "finetune_twins", "gradient_ascent", "first_order", "second_order"]
    assert {m.kind for m in METHODS.values()} == {"baseline", "influence"}
    assert all(
        m.config_type is (UpdateConfig if m.kind == "influence" else BaselineConfig) for m in METHODS.values()
    )


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_returns_model_and_seconds_and_leaves_the_input_alone(toy, name: str) -> None:  # type: ignore[no-untyped-def]
    model = toy["model"]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    if METHODS[name].kind == "baseline":
        config: object = BaselineConfig(steps=3, lr=1e-2, batch_size=4)
    else:
        config = UpdateConfig(curvature_samples=8, max_iter=3, max_rounds=1, l2=1e-2)
    out = run_method(name, model, toy["pairs"], toy["retained"], config, n_train_tokens=toy["n_train_tokens"])
    assert isinstance(out, MethodResult) and out.name == name and out.seconds > 0
    assert all(torch.equal(p, before[n]) for n, p in model.named_parameters()), "input model was modified"
    changed = {n for n, p in out.model.named_parameters() if n in before and not torch.equal(p, before[n])}
    assert changed and all("lora_" in n for n in changed)
    if METHODS[name].kind == "influence":
        assert out.result.config.order == (1 if name == "first_order" else 2)


def test_wrong_config_type_and_unknown_names_are_refused(toy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SanitizeError, match="BaselineConfig"):
        METHODS["retrain"](toy["model"], toy["pairs"], toy["retained"], UpdateConfig())
    with pytest.raises(SanitizeError, match="unknown unlearning method"):
        run_method("finetune", toy["model"], toy["pairs"], toy["retained"])
    with pytest.raises(SanitizeError, match="n_train_tokens"):
        METHODS["second_order"](toy["model"], toy["pairs"], toy["retained"])


def test_sanitize_lab_cli_offers_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    from sanitize_lab.cli import main, make_parser

    assert main([]) == 2
    args = make_parser().parse_args(["demo", "--documents", "40", "--json"])
    assert args.command == "demo" and args.documents == 40 and args.json
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "sanitize-lab demo" in capsys.readouterr().out
