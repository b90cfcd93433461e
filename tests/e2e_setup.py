"""A tiny trained setup shared by the end-to-end tests (built once per session, offline)."""

from __future__ import annotations

from typing import Any

import pytest

TINY_DEMO = {
    "documents": 40, "repeats": 4, "types": ["credit_card", "password"], "pretrain_steps": 40,
    "finetune_epochs": 6.0, "hidden": 32, "layers": 1, "curvature_samples": 16, "max_iter": 5,
    "exposure_sample": 100,
}  # fmt: skip
_CACHE: dict[str, Any] = {}


def tiny_setup(factory: pytest.TempPathFactory) -> Any:
    """``sanitize_lab.demo.build_setup`` on a tiny config: base dir, adapter dir, corpus."""
    if "setup" not in _CACHE:
        from sanitize_lab.demo import DemoConfig, build_setup

        _CACHE["setup"] = build_setup(factory.mktemp("tiny-setup"), DemoConfig(**TINY_DEMO))
    return _CACHE["setup"]
