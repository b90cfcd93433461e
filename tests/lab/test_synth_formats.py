"""The formats corpus: every family and most providers planted with fresh values (never the catalogue's
examples), labels on the exact values, hard negatives as decoys; the scanner scores >= 0.98 on it."""

from __future__ import annotations

from sanitize.detectors.vendor_rules import load_rules
from sanitize_lab.synth.formats import FAMILIES, formats_corpus


def test_labels_point_at_fresh_values_of_every_family() -> None:
    corpus = formats_corpus(seed=3, per_template=1, negatives_per_template=1, providers=1000)
    texts = [r["text"] for r in corpus.records]
    families = {p.style.split("/")[0] for p in corpus.planted}
    assert families == {*FAMILIES, "vendor"}
    providers = {p.style.split("/", 1)[1] for p in corpus.planted if p.style.startswith("vendor/")}
    assert len(providers) >= 150
    examples = {r.secret for r in load_rules()}
    for p in corpus.planted:
        value = texts[p.label.doc][p.label.start : p.label.end]
        assert value and value not in examples, p
    assert {d.kind for d in corpus.decoys} >= set(FAMILIES)


def test_same_seed_same_corpus() -> None:
    a, b = formats_corpus(seed=5, per_template=1), formats_corpus(seed=5, per_template=1)
    assert a.records == b.records and a.planted == b.planted
