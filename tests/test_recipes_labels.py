"""The label- and feature-unlearning recipes run offline as imported modules (main(args) + make_parser())
and their notebooks execute top to bottom on small parameters (outputs stripped in git)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support import load_recipe

ROOT = Path(__file__).resolve().parents[1]


def test_label_unlearning_recipe_prints_one_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = load_recipe("label_unlearning")
    argv = [
        "--n-train",
        "200",
        "--n-test",
        "200",
        "--epochs",
        "4",
        "--finetune-epochs",
        "2",
        "--json",
        str(tmp_path / "r.json"),
    ]
    rows = recipe.main(recipe.make_parser().parse_args(argv))
    methods = [r["method"] for r in rows]
    assert methods[0] == "poisoned" and {"retrain", "finetune", "first_order", "second_order"} <= set(methods)
    assert "attack success" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["update"]["rounds"] == 5
    with pytest.raises(SystemExit):
        recipe.make_parser().parse_args(["--attack", "nope"])


def test_certified_features_recipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "book.txt"  # a stand-in for a book: tests never read data outside the repo
    from sanitize_lab.features import synthetic_documents

    book.write_text("\n\n".join(t for t, _ in synthetic_documents(120, seed=1)))
    recipe = load_recipe("certified_features")
    result = recipe.main(
        recipe.make_parser().parse_args(["--text", str(book), "--l2", "0.01", "--min-words", "5"])
    )
    assert result["residual"] <= result["bound"] and result["affected"] > 0
    assert "gradient residual" in capsys.readouterr().out


def _execute(name: str, parameters: str, monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    )
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    cells[0].source = parameters
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()  # fmt: skip
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["04_label_unlearning.ipynb", "05_certified_features.ipynb"])
def test_outputs_are_stripped(name: str) -> None:
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    assert all(
        c["outputs"] == [] and c["execution_count"] is None for c in nb["cells"] if c["cell_type"] == "code"
    )


def test_label_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _execute("04_label_unlearning.ipynb",
                   "ATTACK = 'flip'\nPOISON_FRACTION = 0.15\nN_TRAIN, N_TEST, EPOCHS = 200, 200, 4\nSCOPE = 'head'\nROUNDS = 3",
                   monkeypatch)  # fmt: skip
    assert {"poisoned", "retrain", "second_order"} <= set(out)
    assert out["second_order"]["head_distance"] < out["poisoned"]["head_distance"]


def test_features_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _execute("05_certified_features.ipynb", "TEXT = None\nREMOVE = 'hatter'\nL2 = 1e-2\nEPS, DELTA = 1.0, 1e-4",
                   monkeypatch)  # fmt: skip
    assert out["residual"] <= out["bound"]
    assert out["rows"]["second_order"]["distance_to_retrain"] < out["rows"]["original"]["distance_to_retrain"]
