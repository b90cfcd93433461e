"""The scan benchmark runs end to end on a tiny corpus and scores exactly (so the script cannot rot)."""

from __future__ import annotations

import sys

import pytest
from bench_support import load_benchmark

from sanitize.types import Finding
from sanitize_lab import synth


@pytest.fixture(scope="module")
def bench():
    module = load_benchmark("scan")
    yield module
    sys.modules.pop(module.__name__, None)


def test_score_counts_every_occurrence_and_exact_spans(bench) -> None:
    corpus = synth.plant_corpus(30_000, seed=1, items_per_type=2, decoys_per_kind=1)
    perfect = [Finding(lb.doc, lb.start, lb.end, lb.type) for lb in corpus.labels]
    rows = {r[0]: r for r in bench.quality_rows(bench.score(perfect, corpus))}
    assert set(rows) == {*synth.TYPES, "ALL"}
    assert all(r[5] == r[6] == r[7] == 1.0 for r in rows.values())  # precision, recall, exact

    # drop one occurrence, widen another, add a wrong-type and a decoy hit
    first, second = corpus.labels[0], corpus.labels[1]
    decoy = corpus.decoys[0]
    findings = [Finding(second.doc, second.start, second.end + 1, second.type)]
    findings += [Finding(lb.doc, lb.start, lb.end, lb.type) for lb in corpus.labels[2:]]
    findings += [Finding(first.doc, first.start, first.end, "iban" if first.type != "iban" else "email")]
    findings += [Finding(decoy.doc, decoy.start, decoy.end, "password")]
    scored = bench.score(findings, corpus)
    total = next(r for r in bench.quality_rows(scored) if r[0] == "ALL")
    n = len(corpus.labels)
    assert total[1] == n and total[3] == n - 1 and total[4] == 2
    assert total[6] == pytest.approx((n - 1) / n) and total[7] == pytest.approx((n - 2) / n)
    assert scored["fp_sources"]["password"][f"decoy:{decoy.kind}"] == 1
    assert sum(scored["misses"][first.type].values()) == 1


def test_benchmark_main_prints_every_type(bench, capsys) -> None:
    result = bench.main(["--mb", "0.3", "--items-per-type", "2", "--decoys-per-kind", "1", "--details", "2"])
    out = capsys.readouterr().out
    table = out.split("measured side by side")[0]
    for type_ in synth.TYPES:
        assert f"\n{type_} " in table, type_
    assert "sanitize scan FILE --num-proc 1 (CLI, e2e)" in out and "scan() in-process, 1 of corpus" in out
    assert result["leaks"] == 0  # no planted plaintext in the findings file or on stderr
    assert result["cli"]["rss_mb"] > 0
    rows = {row[0]: row for row in result["speed"]}
    assert {"scan() in-process, 0.25 of corpus", "sanitize scan FILE --num-proc 1 (CLI, e2e)"} <= set(rows)
    default = next(row for name, row in rows.items() if name.startswith("sanitize scan FILE (default:"))
    assert default[5].startswith("same findings file as one process"), default[5]
    assert all(row[2] > 0 and row[3] >= 0 for row in rows.values())  # wall and CPU seconds


def test_formats_report_scores_every_family(bench, capsys) -> None:
    """Acceptance of issue 18 on a small formats corpus: precision and recall >= 0.98 per family."""
    from sanitize_lab.synth.formats import FAMILIES

    result = bench.formats_report(per_template=2, seed=4, details=2)
    out = capsys.readouterr().out
    assert set(result["rows"]) == {*FAMILIES, "vendor"}
    for family, (labels, _findings, _tp, _fp, precision, recall) in result["rows"].items():
        assert labels > 0 and precision >= 0.98 and recall >= 0.98, (family, precision, recall)
    assert len(result["providers"]) >= 150 and "providers:" in out


def test_score_formats_is_exact(bench) -> None:
    from sanitize_lab.synth.formats import formats_corpus

    corpus = formats_corpus(seed=1, per_template=1, negatives_per_template=1, providers=20)
    perfect = [Finding(p.label.doc, p.label.start, p.label.end, p.label.type) for p in corpus.planted]
    decoy = corpus.decoys[0]
    stats = bench.score_formats([*perfect, Finding(decoy.doc, decoy.start, decoy.end, "password")], corpus)
    assert stats[decoy.kind]["findings"] == stats[decoy.kind]["tp"] + 1
    assert all(st["found"] == st["labels"] for st in stats.values())
