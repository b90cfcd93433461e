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


CPU_CEILING = 3.0  # CPU-s per MB of adversarial input: a gross-regression ceiling; linearity is the real test


def _thread_cpu(run: Callable[[str], object], text: str) -> float:
    start = time.thread_time()  # this thread only: not a torch pool left by earlier tests
    run(text)
    return time.thread_time() - start


def linear_cpu_seconds(run: Callable[[str], object], text: str, tries: int = 3) -> float:
    """CPU seconds of ``run(text)``, checked to scale linearly: ``run`` on the first half of ``text`` is timed
    too, and the full text may cost at most 2.5x the half (+50 ms) -- a quadratic scan costs 4x. Absolute
    bounds failed on a machine 1.5x slower than the one that set them (1.10 CPU-s against 1.0), so the
    ratio is the test and the caller's ceiling (:data:`CPU_CEILING`) only catches gross regressions.
    Up to ``tries`` attempts while either check fails (a busy shared machine); the cyclic garbage collector
    is off while timing (late in a session it walks every object earlier tests left alive)."""
    half, best = text[: len(text) // 2], float("inf")
    gc.disable()
    try:
        for _ in range(tries):
            t_half, t_full = _thread_cpu(run, half), _thread_cpu(run, text)
            best = min(best, t_full)
            if t_full <= 2.5 * t_half + 0.05 and best < CPU_CEILING:
                return best
    finally:
        gc.enable()
    raise AssertionError(f"not linear: {t_half:.2f} CPU-s for half the input, {t_full:.2f} for all of it")
