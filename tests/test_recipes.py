"""Every recipe runs offline on a tiny config, imported as a module (main(args) + make_parser())."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from conftest import TINY_TEXTS

ROOT = Path(__file__).resolve().parents[1]


def load_recipe(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", ROOT / "recipes" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "train.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in TINY_TEXTS[:12]))
    return path


def test_finetune_lora_plants_canaries_and_saves_adapter(
    gpt2_dir: str, data_file: Path, tmp_path: Path
) -> None:
    from sanitize.models import load_model
    from sanitize.recipe_args import parse_args

    recipe = load_recipe("finetune_lora")
    (tmp_path / "cfg.yaml").write_text("max_steps: 12\nlearning_rate: 0.01\nbatch_size: 4\n")
    argv = ["--config", str(tmp_path / "cfg.yaml"), "--base", gpt2_dir, "--data", str(data_file),
            "--out", str(tmp_path / "adapter"), "--canary", "my pin is 4821", "--canary-repeats", "6"]  # fmt: skip
    args = parse_args(recipe.make_parser(), argv)
    assert args.max_steps == 12 and args.learning_rate == 0.01  # from the YAML file
    summary = recipe.main(args)
    assert summary["steps"] == 12 and summary["final_loss"] < summary["first_loss"]
    assert summary["sequences"] == 12 + 6
    truth = json.loads(Path(summary["canaries_out"]).read_text())["canaries"]
    assert truth[0]["repeats"] == 6 and len(truth[0]["docs"]) == 6
    assert Path(summary["canaries_out"]).parent == tmp_path  # ground truth kept apart from the adapter
    assert "4821" not in "".join(p.read_text(errors="ignore") for p in (tmp_path / "adapter").glob("*.json"))
    model, _ = load_model(gpt2_dir, adapter=tmp_path / "adapter")
    assert type(model).__name__.startswith("PeftModel")
    with pytest.raises(SystemExit):  # existing non-empty out -> argparse-level refusal through the error
        parse_args(recipe.make_parser(), ["--base", gpt2_dir])  # --data/--out missing
