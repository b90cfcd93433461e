"""The Alice experiment records an update the held-out guard refuses instead of aborting the run
(the full-book run died on one refused replacement after 30 minutes of training)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sanitize.influence.config import UpdateConfig
from sanitize.influence.result import UnlearnError
from sanitize_lab import alice, alice_measure, alice_models, methods
from sanitize_lab.alice_models import BaseModelConfig


def test_replacement_study_records_a_refused_update_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def job(*args: Any, **kwargs: Any) -> Any:
        strategy = args[5]
        return SimpleNamespace(
            pairs=[], sanitized=[], heldout=[], n_train_tokens=10, replacements=[f"<{strategy}>"]
        )

    calls: list[int] = []

    def second_order(*args: Any, **kwargs: Any) -> Any:  # refuses the first strategy, updates the second
        calls.append(1)
        if len(calls) == 1:
            raise UnlearnError("refusing to return a broken model: held-out ppl x1.09")
        return SimpleNamespace(model="updated", seconds=1.5)

    monkeypatch.setattr(alice_models, "canary_job", job)
    monkeypatch.setitem(methods.METHODS, "second_order", second_order)
    monkeypatch.setattr(
        alice_measure, "measure",
        lambda model, *a, **k: {"exposure_digits": 3.0, "exposure_chars": 4.0, "perplexity": 9.0, "leaked_context": 0},
    )  # fmt: skip
    config = alice.AliceConfig(replacements=["natural", "surrogate"])
    out = alice._replacement_study(None, None, [], [], None, UpdateConfig(), config, BaseModelConfig(), None)
    assert [r["replacement"] for r in out] == ["natural", "surrogate"]
    assert "refused" in out[0] and "held-out" in out[0]["refused"] and "exposure_digits" not in out[0]
    assert (
        "refused" not in out[1]
        and out[1]["exposure_digits"] == 3.0
        and out[1]["replaced_by"] == ["<surrogate>"]
    )


def test_tau_sweep_records_a_refused_step_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    taus: list[float] = []

    def first_order(original: Any, pairs: Any, sanitized: Any, cfg: UpdateConfig, **kwargs: Any) -> Any:
        taus.append(cfg.tau)
        if len(taus) == 2:  # the second, longer step breaks the model
            raise UnlearnError("refusing to return a broken model: held-out ppl x1.09")
        return SimpleNamespace(model="updated", seconds=0.5)

    monkeypatch.setitem(methods.METHODS, "first_order", first_order)
    monkeypatch.setattr(
        alice_measure, "measure",
        lambda model, *a, **k: {"exposure_digits": 3.0, "perplexity": 9.0, "leaked_context": 0},
    )  # fmt: skip
    job = SimpleNamespace(pairs=[], sanitized=[], n_train_tokens=10)
    config = alice.AliceConfig(tau_factors=[1.0, 4.0, 16.0])
    out = alice._tau_sweep(None, None, job, None, UpdateConfig(), 0.5, config, None)
    assert [r["factor"] for r in out] == [1.0, 4.0, 16.0] and taus == [0.5, 2.0, 8.0]
    assert "refused" in out[1] and "exposure_digits" not in out[1]
    assert "refused" not in out[0] and "refused" not in out[2] and out[2]["exposure_digits"] == 3.0
