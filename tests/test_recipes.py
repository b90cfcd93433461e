"""Every recipe runs offline on a tiny config, imported as a module (main(args) + make_parser())."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import TINY_TEXTS, load_recipe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "train.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in TINY_TEXTS[:12]))
    return path


def test_finetune_lora_plants_canaries_and_saves_adapter(
    gpt2_dir: str, data_file: Path, tmp_path: Path
) -> None:
    from sanitize.arguments import config_from_args, parse_args
    from sanitize.models import load_model
    from sanitize_lab.train import TrainConfig

    recipe = load_recipe("finetune_lora")
    # a section and a top-level alias key in one file; every TrainConfig field is reachable
    (tmp_path / "cfg.yaml").write_text("max_steps: 12\ntrain:\n  learning_rate: 0.01\n  batch_size: 4\n")
    argv = ["--config", str(tmp_path / "cfg.yaml"), "--base", gpt2_dir, "--data", str(data_file),
            "--out", str(tmp_path / "adapter"), "--canary", "my pin is 4821", "--canary-repeats", "6"]  # fmt: skip
    args = parse_args(recipe.make_parser(), [*argv, "--train.warmup-steps", "1"], sections=recipe.SECTIONS)
    config = config_from_args(TrainConfig, args, "train")
    assert (config.max_steps, config.learning_rate, config.warmup_steps) == (12, 0.01, 1)  # file + flag
    summary = recipe.main(args)
    assert summary["steps"] == 12 and summary["final_loss"] < summary["first_loss"]
    assert summary["sequences"] == 12 + 6
    truth = json.loads(Path(summary["canaries_out"]).read_text())["canaries"]
    assert truth[0]["repeats"] == 6 and len(truth[0]["docs"]) == 6
    assert Path(summary["canaries_out"]).parent == tmp_path  # ground truth kept apart from the adapter
    assert "4821" not in "".join(p.read_text(errors="ignore") for p in (tmp_path / "adapter").glob("*.json"))
    model, _ = load_model(gpt2_dir, adapter=tmp_path / "adapter")
    assert type(model).__name__.startswith("PeftModel")
    with pytest.raises(SystemExit):  # --data/--out missing: refused by the parser, naming both
        parse_args(recipe.make_parser(), ["--base", gpt2_dir], required=recipe.REQUIRED)


def test_sanitize_adapter_from_one_yaml_file(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    from e2e_setup import tiny_setup

    from sanitize.arguments import parse_args
    from sanitize.commands.unlearn import SECTIONS

    setup = tiny_setup(tmp_path_factory)
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in setup.corpus.texts))
    (tmp_path / "job.yaml").write_text(
        f"base: {setup.base}\nadapter: {setup.adapter}\ndata: {data}\nout: {tmp_path / 'out'}\nno_verify: true\n"
        "max_length: 128\nupdate:\n  curvature_samples: 8\n  max_iter: 3\n"
    )
    recipe = load_recipe("sanitize_adapter")
    args = parse_args(recipe.make_parser(), ["--config", str(tmp_path / "job.yaml")], sections=SECTIONS)
    result = recipe.main(args)
    assert (tmp_path / "out" / "adapter_model.safetensors").is_file()
    saved = json.loads((tmp_path / "out" / "sanitize_config.json").read_text())
    assert saved["update"]["curvature_samples"] == 8 and saved["update"]["max_iter"] == 3
    assert result.report.meta["findings"] == sum(len(s.spans) for s in setup.corpus.secrets)


def test_compare_baselines_one_table(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    from e2e_setup import tiny_setup

    from sanitize.arguments import parse_args

    setup = tiny_setup(tmp_path_factory)
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in setup.corpus.texts))
    recipe = load_recipe("compare_baselines")
    argv = ["--base", setup.base, "--adapter", setup.adapter, "--data", str(data), "--out", str(tmp_path / "cmp"),
            "--max-length", "128", "--retrain-steps", "20", "--baseline-steps", "3", "--curvature-samples", "8",
            "--max-iter", "3", "--verify-max-secrets", "2", "--exposure-sample", "100", "--l2", "0.001",
            "--update.solver", "cg"]  # fmt: skip
    result = recipe.main(parse_args(recipe.make_parser(), argv, sections=recipe.SECTIONS))
    methods = [row["method"] for row in result["methods"]]
    assert methods == [
        "before",
        "retrain",
        "finetune_twins",
        "gradient_ascent",
        "first_order",
        "second_order",
    ]
    by = {row["method"]: row for row in result["methods"]}
    assert by["retrain"]["ratio_to_retrain"] == pytest.approx(1.0)
    # the stated training penalty reaches the retrained reference and both influence updates
    assert [by[m]["config"]["l2"] for m in ("retrain", "first_order", "second_order")] == [0.001] * 3
    assert all(len(row["exposure"]) == 2 and row["perplexity"] > 1.0 for row in result["methods"])
    # retraining without the secrets lowers every secret's exposure (the reference the table is read against)
    assert all(r < b for r, b in zip(by["retrain"]["exposure"], by["before"]["exposure"]))
    # gradient ascent on the secrets' sequences moves the adapter and raises the loss it ascends
    assert by["gradient_ascent"]["exposure"] != by["before"]["exposure"]
    assert by["gradient_ascent"]["metrics"]["update_norm"] > 0
    assert by["gradient_ascent"]["perplexity"] > by["before"]["perplexity"]
    assert sorted(p.name for p in (tmp_path / "cmp").iterdir()) == [
        "comparison.json",
        "comparison.md",
        "comparison.png",
    ]
    for p in (tmp_path / "cmp").iterdir():
        for s in setup.corpus.secrets:
            assert s.value.encode() not in p.read_bytes()


def test_alice_flags_reach_every_config(tmp_path: Path) -> None:
    from sanitize.arguments import parse_args

    recipe = load_recipe("alice_canary")
    config = ROOT / "recipes" / "configs" / "alice_canary.yaml"
    argv = ["--config", str(config), "--text", "book.txt", "--out", str(tmp_path / "o"), "--seeds", "4",
            "--update.solver", "lissa", "--model.heads", "2"]  # fmt: skip
    alice, model, update, exposure = recipe.configs(
        parse_args(recipe.make_parser(), argv, sections=recipe.SECTIONS)
    )
    assert (alice.repeats, alice.seeds, alice.replacement) == ([6, 29], 4, "natural")  # file, then flag
    assert (model.hidden, model.heads, update.solver, exposure.bootstrap) == (128, 2, "lissa", 20)
    with pytest.raises(Exception, match="cannot read the text"):
        recipe.main(
            parse_args(
                recipe.make_parser(),
                [*argv, "--text", str(tmp_path / "missing.txt")],
                sections=recipe.SECTIONS,
            )
        )
