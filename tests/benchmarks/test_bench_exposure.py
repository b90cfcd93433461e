"""benchmarks/exposure.py runs as a script entry point; both paths agree (tiny sizes here)."""

from __future__ import annotations

import pytest
from bench_support import load_benchmark


def test_exposure_benchmark_runs_and_both_paths_agree(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark("exposure")
    args = bench.make_parser().parse_args(["--sizes", "2", "--naive-sample", "30", "--long-words", "40"])
    rows = bench.main(args)
    out = capsys.readouterr().out
    assert [(r["candidates"], r["context"]) for r in rows] == [(100, "short"), (100, "long")]
    assert rows[1]["context_tokens"] > rows[0]["context_tokens"] + 30
    for r in rows:
        assert r["max_abs_diff"] < 1e-4  # float32 model: trie and naive score the same candidates alike
        assert r["speedup"] == pytest.approx(r["trie_cand_per_s"] / r["naive_cand_per_s"])
        assert f"{r['speedup']:.1f}x" in out
