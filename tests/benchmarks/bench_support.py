"""Load a benchmark script (benchmarks/<name>.py) as a module, as its tests do."""

from __future__ import annotations

from types import ModuleType

from support import load_script


def load_benchmark(name: str) -> ModuleType:
    return load_script("benchmarks", name)
