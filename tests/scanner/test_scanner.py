"""scan / iter_scan / scan_batch: inputs, every occurrence, exact spans, batched maps, allowlists."""

from __future__ import annotations

import dataclasses

import datasets
import pytest

from sanitize import Finding, ScanConfig, iter_scan, load_corpus, scan, scan_batch
from sanitize.data import Document
from sanitize.errors import ConfigError, SanitizeError
from sanitize.fingerprint import fingerprint_secret

CARD = "4539 1488 0343 6467"
TEXTS = [
    "The rabbit took a watch out of its waistcoat pocket.",
    f"Please charge card {CARD} for order 1182, and again {CARD} on Friday.",
    "Hi Bob, the wifi password is hunter2x and mail me at bob@example.org",
    "",
    "nothing to see",
    f"card {CARD}",
]
EXPECTED = [  # (doc, secret, type)
    (1, CARD, "credit_card"),
    (1, CARD, "credit_card"),
    (2, "hunter2x", "password"),
    (2, "bob@example.org", "email"),
    (5, CARD, "credit_card"),
]


def _secrets(findings: list[Finding], texts: list[str]) -> list[tuple[int, str, str]]:
    return [(f.doc, texts[f.doc][f.start : f.end], f.type) for f in findings]


def test_list_of_strings_every_occurrence_exact_spans() -> None:
    findings = scan(TEXTS)
    assert _secrets(findings, TEXTS) == EXPECTED
    assert findings == sorted(findings, key=lambda f: (f.doc, f.start))
    a, b = findings[0], findings[1]
    assert a.start != b.start and a.fingerprint == b.fingerprint  # same secret twice: two findings
    assert a.preview == "4539 **** **** 6467" and a.detector == "credit-card"


def test_iterables_documents_and_pairs() -> None:
    assert _secrets(scan(iter(TEXTS)), TEXTS) == EXPECTED
    docs = [Document(10 + i, t, "x", i) for i, t in enumerate(TEXTS)]
    assert [f.doc for f in iter_scan(docs)] == [11, 11, 12, 12, 15]
    pairs = list(iter_scan([(7, TEXTS[2])], with_values=True))
    assert [(f.doc, v) for f, v in pairs] == [(7, "hunter2x"), (7, "bob@example.org")]


def test_dataset_from_load_corpus_and_plain_dataset() -> None:
    ds = load_corpus(TEXTS)
    assert _secrets(scan(ds), TEXTS) == EXPECTED
    plain = datasets.Dataset.from_dict({"body": TEXTS})  # no doc column: row index
    assert _secrets(scan(plain, text_field="body"), TEXTS) == EXPECTED


def test_dataset_map_num_proc_2_matches_single_process() -> None:
    ds = load_corpus(TEXTS * 3)
    assert scan(ds, num_proc=2) == scan(ds)
    plain = datasets.Dataset.from_dict({"text": TEXTS * 3})
    assert scan(plain, num_proc=2) == scan(TEXTS * 3)


def test_worker_pool_streams_the_same_findings_in_document_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """``iter_scan(num_proc=2)``: batches of documents in worker processes (here ~2 documents a batch, so
    many batches are in flight), the same findings and values in the same order as one process."""
    import sanitize.scanner as S

    monkeypatch.setattr(S, "BATCH_CHARS", 80)
    texts = TEXTS * 7
    one = list(iter_scan(texts, with_values=True))
    assert len(one) == 7 * len(EXPECTED)
    assert list(iter_scan(iter(texts), with_values=True, num_proc=2)) == one
    assert list(iter_scan(texts, num_proc=3)) == [f for f, _ in one]
    assert list(iter_scan([], num_proc=2)) == []
    with pytest.raises(SanitizeError, match="document 9 text is a int"):  # raised in a worker, named here
        list(iter_scan([*enumerate(texts[:9]), (9, 5), *enumerate(texts, 10)], num_proc=2))


def test_scan_batch_is_pure_and_columnar() -> None:
    batch = {"doc": [3, 4], "text": [TEXTS[1], TEXTS[2]], "source": ["a", "b"]}
    copy = {k: list(v) for k, v in batch.items()}
    out = scan_batch(batch)
    assert batch == copy
    assert out == scan_batch(batch)
    assert out["doc"] == [3, 3, 4, 4]
    assert set(out) == {"doc", "start", "end", "type", "detector", "confidence", "fingerprint", "preview"}
    ds = load_corpus(TEXTS)
    mapped = ds.map(scan_batch, batched=True, batch_size=2, remove_columns=ds.column_names)
    assert [Finding(**r) for r in mapped] == scan(TEXTS)
    with pytest.raises(SanitizeError, match="no 'doc' column"):
        scan_batch({"text": ["x"]})


def test_types_exclude_confidence_and_ip_default() -> None:
    assert {f.type for f in scan(TEXTS, ScanConfig(types=["email"]))} == {"email"}
    assert "credit_card" not in {f.type for f in scan(TEXTS, ScanConfig(exclude_types=["credit_card"]))}
    assert {f.type for f in scan(TEXTS, ScanConfig(min_confidence=0.92))} == {"credit_card", "email"}
    ip = ["server at 203.0.113.9"]
    assert scan(ip) == [] and [f.type for f in scan(ip, ScanConfig(include_ip=True))] == ["ip_address"]


def test_allowlists() -> None:
    assert _secrets(scan(TEXTS, ScanConfig(allowlist_regexes=[r"@example\.org$"])), TEXTS) == [
        e for e in EXPECTED if e[2] != "email"
    ]
    fp = scan(["card " + CARD])[0].fingerprint
    assert [f.type for f in scan(TEXTS, ScanConfig(allowlist_fingerprints=[fp]))] == ["password", "email"]


def test_fingerprint_is_keyed() -> None:
    f = scan(["card " + CARD], ScanConfig(fingerprint_key="k1"))[0]
    assert (
        f.fingerprint
        == fingerprint_secret(CARD, "k1")
        != scan(["card " + CARD], ScanConfig(fingerprint_key="k2"))[0].fingerprint
    )


def test_config_validation_and_round_trip() -> None:
    cfg = ScanConfig(types=["password"], allowlist_regexes=["^x"], include_ip=True)
    assert ScanConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown type"):
        ScanConfig(types=["passwords"])
    with pytest.raises(ConfigError, match="min_confidence"):
        ScanConfig(min_confidence=2)
    with pytest.raises(ConfigError, match="RE2"):
        ScanConfig(allowlist_regexes=["(a"])
    with pytest.raises(ConfigError, match="fingerprint"):
        ScanConfig(allowlist_fingerprints=["abc"])


def test_bad_input_errors_show_no_text() -> None:
    with pytest.raises(SanitizeError, match="single string"):
        scan("password=hunter2x")
    with pytest.raises(SanitizeError, match="item 0 is a int") as info:
        scan([3])
    assert "hunter2x" not in str(info.value)


def test_no_plaintext_in_reprs() -> None:
    findings = scan(TEXTS)
    text = repr(findings) + str([dataclasses.asdict(f) for f in findings])
    for secret in ("hunter2x", CARD, "bob@example.org"):
        assert secret not in text


@pytest.mark.parametrize("num_proc", [None, 2])
def test_an_empty_dataset_has_no_findings(num_proc: int | None) -> None:
    from sanitize.data import load_corpus

    assert scan(load_corpus([]), num_proc=num_proc) == []
