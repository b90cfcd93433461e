"""Constants and types shared by tests (import with ``from support import ...``; tests/ is on sys.path).

They live here rather than in ``conftest.py`` because nested ``conftest.py`` files (e.g.
``tests/exposure/conftest.py``) shadow the module name ``conftest``.
"""

from __future__ import annotations

import gc
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


class NetworkBlocked(RuntimeError):
    """Raised when a test opens a connection outside this machine."""


TINY_TEXTS = [
    "Alice was beginning to get very tired of sitting by her sister on the bank.",
    "The rabbit took a watch out of its waistcoat pocket, and looked at it.",
    "Hi Bob, the wifi password is hunter2 and the door code is 4821.",
    "Please charge card 4539 1488 0343 6467 for order 1182 before Friday.",
    "export OPENAI_API_KEY=sk-proj-abc123 # do not commit this file",
    "my telephone number is 0123456789, call me after five.",
] * 4


def load_script(folder: str, name: str) -> ModuleType:
    """``<repo>/<folder>/<name>.py`` (a recipe or a benchmark script) imported as a module, registered in
    ``sys.modules`` (dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(f"{folder}_{name}", ROOT / folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_recipe(name: str) -> ModuleType:
    return load_script("recipes", name)


def best_cpu_seconds(run: Callable[[], object], bound: float = 1.0, tries: int = 2) -> float:
    """CPU seconds of ``run()``: the better of ``tries`` runs while the first is over ``bound`` (a busy
    shared machine does not fail the bound; a super-linear scan is over every time). The cyclic garbage
    collector is off while timing: late in a test session it walks every object the earlier tests left
    alive, which is the session's cost, not the scan's (seen: 1.39 CPU-s in the suite, 0.97 alone)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(tries):
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
            if best < bound:
                break
    finally:
        gc.enable()
    return best
