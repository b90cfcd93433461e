"""benchmarks/unlearn.py stays runnable: its main() on the tiniest settings fills every table."""

from __future__ import annotations

import json
import math
from pathlib import Path

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
         "--update", "hutchinson_probes=2", "--update", "alpha_points=4"]
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
