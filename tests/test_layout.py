"""The product apart from the lab: ``sanitize`` never imports ``sanitize_lab``, and stays readable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ROOT / "sanitize"
MODULES = sorted(PRODUCT.rglob("*.py"))
MAX_LINES = 400


def _lab_imports(path: Path) -> list[str]:
    """Every import of ``sanitize_lab`` in ``path``: absolute, or relative climbing out of ``sanitize``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.relative_to(ROOT).parts[:-1])  # e.g. ["sanitize", "influence"]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sanitize_lab"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] == "sanitize_lab":
                found.append(module)
            elif node.level > len(package):  # a relative import climbing out of `sanitize` to the root
                names = [module] if module else [a.name for a in node.names]
                found += [f"{'.' * node.level}{n}" for n in names if n.split(".")[0] == "sanitize_lab"]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found += [a for a in args if a.split(".")[0] == "sanitize_lab"]
    return found


def test_there_is_a_product_to_check() -> None:
    assert len(MODULES) > 20 and (ROOT / "sanitize_lab" / "__init__.py").is_file()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_product_never_imports_the_lab(path: Path) -> None:
    assert _lab_imports(path) == [], f"{path.relative_to(ROOT)} imports the lab"


def test_the_check_catches_lab_imports(tmp_path: Path) -> None:
    """The detector itself: absolute, dotted, relative-from-root and importlib forms are caught."""
    pkg = tmp_path / "sanitize" / "sub"
    pkg.mkdir(parents=True)
    bad = pkg / "bad.py"
    bad.write_text(
        "import sanitize_lab.tiny\nfrom sanitize_lab import train\nfrom ... import sanitize_lab\n"
        "import importlib\nimportlib.import_module('sanitize_lab.demo')\nfrom ..pairs import build_pairs\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _lab_imports(bad) == [
            "sanitize_lab.tiny",
            "sanitize_lab",
            "...sanitize_lab",
            "sanitize_lab.demo",
        ]
    finally:
        ROOT = saved


def test_acceptance_no_product_module_over_400_lines() -> None:
    """Acceptance check of issue 15: every module of the product fits in MAX_LINES lines."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not over, f"product modules over {MAX_LINES} lines: {over}"
