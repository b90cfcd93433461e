"""The notebooks run top to bottom offline on tiny parameters (their ``parameters`` cell is replaced),
and what they print at the end is checked. Outputs are stripped in git."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(autouse=True)
def _kernel_imports_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels must import this checkout of sanitize, not whichever one is installed."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    )


def execute(name: str, parameters: str) -> dict:  # type: ignore[type-arg]
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{name}: exactly one cell tagged 'parameters'"
    cells[0].source = parameters
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_outputs_are_stripped(name: str) -> None:
    nb = json.loads((NOTEBOOKS / name).read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, name


def test_quickstart() -> None:
    out = execute(
        "01_quickstart.ipynb",
        "DEMO = dict(documents=40, repeats=4, types=['credit_card', 'password'], pretrain_steps=40,\n"
        "            finetune_epochs=20.0, hidden=32, layers=1)\n"
        "UPDATE = dict(curvature_samples=16, max_iter=5)\nEXPOSURE_SAMPLE = 100",
    )
    print(out)
    assert out["secrets"] == 2
    # what the notebook shows: the update removes what fine-tuning memorised, towards the retrained reference
    assert out["max_exposure_after"] < out["max_exposure_before"]
    assert (
        abs(out["max_exposure_after"] - out["max_exposure_reference"])
        < out["max_exposure_before"] - out["max_exposure_reference"]
    )


def test_canary_audit() -> None:
    out = execute(
        "02_canary_audit.ipynb",
        "REPETITIONS = (0, 8)\nEPOCHS = 4.0\nPRETRAIN_STEPS = 30\nDOCUMENTS = 30\nL2 = 1e-2",
    )
    assert out["repetitions"] == [0, 8]
    assert len(out["before"]) == len(out["after"]) == 2
    print(out)
    assert all(-1.0 < e <= 6 * 3.33 for e in out["before"] + out["after"])  # log2(10^6) = 19.9 bits at most
    # what the notebook shows: the inserted canary is memorised, the control is not, and unlearning lowers it
    assert out["before"][1] > out["before"][0]
    assert out["after"][1] < out["before"][1]


def test_seed_experiment(tmp_path: Path) -> None:
    from sanitize_lab.democorpus import filler_texts

    book = tmp_path / "book.txt"  # a stand-in for the book: tests never read data outside the repo
    book.write_text("\n\n".join(filler_texts(80, seed=3)))
    out = execute(
        "03_seed_experiment.ipynb",
        f"TEXT = {str(book)!r}\nARGS = ['--repeats', '6', '--seeds', '3', '--pretrain-steps', '150', '--hidden', '32',\n"
        "        '--vocab-size', '300', '--finetune-steps', '3', '--sample-size', '100', '--bootstrap', '0',\n"
        "        '--alice.tau-factors', '1', '--alice.replacements', 'natural', '--update.curvature-samples', '8',\n"
        "        '--update.max-iter', '5']",
    )
    assert set(out) == {"6"}
    print(out)
    assert {"band", "original", "retrain", "first_order", "second_order"} <= set(out["6"])
    # what the notebook shows: the original model memorises the canary and the second-order update removes it
    assert out["6"]["second_order"] < out["6"]["original"]
