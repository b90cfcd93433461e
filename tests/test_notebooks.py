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
        "            finetune_epochs=6.0, hidden=32, layers=1)\n"
        "UPDATE = dict(curvature_samples=16, max_iter=5)\nEXPOSURE_SAMPLE = 100",
    )
    assert out["secrets"] == 2
    for key in ("max_exposure_before", "max_exposure_after", "max_exposure_reference"):
        assert isinstance(out[key], float)


def test_canary_audit() -> None:
    out = execute(
        "02_canary_audit.ipynb",
        "REPETITIONS = (0, 8)\nEPOCHS = 4.0\nPRETRAIN_STEPS = 30\nDOCUMENTS = 30\nL2 = 1e-2",
    )
    assert out["repetitions"] == [0, 8]
    assert len(out["before"]) == len(out["after"]) == 2
    assert all(-1.0 < e <= 6 * 3.33 for e in out["before"] + out["after"])  # log2(10^6) = 19.9 bits at most


def test_seed_experiment(tmp_path: Path) -> None:
    from sanitize.democorpus import filler_texts

    book = tmp_path / "book.txt"  # a stand-in for the book: tests never read data outside the repo
    book.write_text("\n\n".join(filler_texts(60, seed=3)))
    out = execute(
        "03_seed_experiment.ipynb",
        f"TEXT = {str(book)!r}\nARGS = ['--repeats', '6', '--pretrain-steps', '20', '--epochs', '2', '--hidden', '32',\n"
        "        '--layers', '1', '--vocab-size', '300', '--finetune-steps', '3', '--sample-size', '100']",
    )
    assert set(out) == {"6"}
    assert set(out["6"]) == {"before", "retrain", "order1", "order2", "finetune_baseline"}
