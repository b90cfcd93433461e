"""benchmarks/pairs.py runs as a script entry point and measures what it claims (tiny sizes here)."""

from __future__ import annotations

import pytest
from bench_support import load_benchmark


def test_pairs_benchmark_runs_and_reports_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark("pairs")
    args = bench.make_parser().parse_args(["--docs", "60", "--secret-rate", "0.3", "--repeats", "1",
                                          "--vocab-size", "400", "--max-length", "64", "--block-size", "64"])  # fmt: skip
    rows = bench.main(args)
    out = capsys.readouterr().out
    assert [r["mode"] for r in rows] == ["record", "packed"]
    assert rows[0]["sequences"] == 60 and 0 < rows[0]["pairs"] < 60
    assert rows[0]["unseen"] > 0  # documents run past max_length=64, so some secrets were never trained on
    for r in rows:
        assert r["ratio"] == pytest.approx(r["build_pairs_s"] / r["tokenize_s"])
        assert f"{r['ratio']:.2f}x" in out
    assert "build_pairs/tokenize" in out
