"""benchmarks/unlearn.py stays runnable: its main() on the tiniest settings fills every table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from bench_support import load_benchmark


def _load():  # type: ignore[no-untyped-def]
    return load_benchmark("unlearn")


def test_unlearn_benchmark_smoke(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bench = _load()
    out_json = tmp_path / "rows.json"
    args = bench.make_parser().parse_args(
        ["--preset", "smoke", "--methods", "retrain,finetune_twins,gradient_ascent,first_order,cg",
         "--scales", "1,2", "--n-secrets", "1,2", "--baseline-steps", "2", "--json", str(out_json),
         "--update", "curvature_samples=8", "--update", "max_iter=5", "--update", "max_rounds=1",
         "--update", "hutchinson_probes=2", "--update", "alpha_points=4", "--update", "l2=0.01",
         "--e2e-scales", "1,2", "--pipeline", "verify_budget=256"]
    )  # fmt: skip
    result = bench.main(args)
    printed = capsys.readouterr().out
    methods = [r["method"] for r in result["rows"]]
    assert methods == ["retrain", "finetune_twins", "gradient_ascent", "first_order", "cg"]
    for row in result["rows"]:
        if "error" in row["extra"]:  # a refusal is reported, never hidden
            assert "refus" in row["extra"]["error"] or "Error" in row["extra"]["error"]
            continue
        assert row["seconds"] > 0 and math.isfinite(row["ratio"]) and row["ppl"] > 1
        assert len(row["exposures"]) == len(result["before"]["exposures"]) > 0
    assert [r["method"] for r in result["scaling"]] == ["1x", "2x", "1", "2"]
    assert all(
        ("error" in r["extra"]) or (r["seconds"] > 0 and r["peak_mib"] >= 0) for r in result["scaling"]
    )
    assert all(r["extra"]["retrain_s"] > 0 for r in result["scaling"] if r["table"] == "corpus")
    assert "update time vs corpus size" in printed and "retrain" in printed
    assert json.loads(out_json.read_text())["args"]["preset"] == "smoke"
    _check_e2e(bench, result, printed)


def _check_e2e(bench, result, printed: str) -> None:  # type: ignore[no-untyped-def]
    """Table 4: the whole sanitize unlearn run vs retraining, its ratios computed from its own numbers."""
    rows = result["e2e"]
    assert [r["method"] for r in rows] == ["1x", "2x"]
    for r in rows:
        e = r["extra"]
        assert set(e["phases"]) == set(bench.PHASES) and all(v >= 0 for v in e["phases"].values())
        assert e["phases"]["update"] > 0 and e["phases"]["verify"] > 0
        assert sum(e["phases"].values()) <= r["seconds"] == e["total"]  # the phases lie inside the run
        assert r["ratio"] == pytest.approx(r["seconds"] / e["retrain_s"]) and e["retrain_s"] > 0
        assert (
            e["verify_share"] == pytest.approx(e["phases"]["verify"] / r["seconds"])
            and 0 < e["verify_share"] < 1
        )
        u, g = e["units"], r["gpu"]
        assert u["update"] > 0 and u["verify"] > 0 and u["retrain"] > 0
        assert g["sanitize_units"] == pytest.approx(u["update"] + u["verify"])
        assert g["measured_fraction"] == pytest.approx(g["sanitize_units"] / u["retrain"])
        assert g["gpu_fraction"] == pytest.approx(g["sanitize_units"] / (3 * 5e6 * 3))
        assert f"{r['ratio']:10.3f}" in printed and f"{100 * e['verify_share']:9.1f}" in printed
        q = e["quality"]  # measured after the timed run, one exposure per secret and model
        assert len(q["before"]) == len(q["after"]) == len(q["retrained"]) == 2
        assert q["max_gap"] == pytest.approx(max(a - b for a, b in zip(q["after"], q["retrained"])))
    small, large = rows
    # the process's first run is timed apart (cold), the table's runs warm like retraining
    assert small["extra"]["cold_total"] > 0 and math.isnan(large["extra"]["cold_total"])
    assert "cold s" in printed and f"{small['extra']['cold_total']:8.2f}" in printed
    # twice the corpus: retraining does twice the steps, so it counts about twice the tokens
    assert 1.6 < large["extra"]["units"]["retrain"] / small["extra"]["units"]["retrain"] < 2.4
    assert large["extra"]["train_tokens"] > 1.5 * small["extra"]["train_tokens"]
    assert "x retrain" in printed and "GPU cost model" in printed
