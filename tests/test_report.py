"""Reports: JSON round trip, table and markdown content, plot file, no plaintext."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanitize.errors import SanitizeError
from sanitize.fingerprint import fingerprint_secret, mask_secret
from sanitize.report import Report, SecretRow, check_no_plaintext, read_report, write_report

SECRET = "4539148803436467"


def _report() -> Report:
    rows = [
        SecretRow(doc=3, start=12, end=28, type="credit_card", preview=mask_secret(SECRET, "credit_card"),
                  fingerprint=fingerprint_secret(SECRET), space="luhn16", max_exposure=49.8,
                  exposure_before=30.5, exposure_after=2.25, exposure_reference=1.75,
                  extracted_before=True, extracted_after=False, extracted_reference=False),
        SecretRow(doc=5, start=0, end=7, type="password", preview="*******", fingerprint="hmac-sha256:x",
                  exposure_before=9.0, exposure_after=1.0, exposure_reference=1.5),
    ]  # fmt: skip
    return Report(
        rows=rows,
        perplexity={"before": 10.0, "after": 10.05, "reference": 10.2},
        timings={"finetune": 3.0, "update": 0.5, "retrain": 3.1},
        update={"step": 0.3},
        meta={"base": "b", "scope": "adapter"},
    )


def test_summary_and_table() -> None:
    r = _report()
    s = r.summary()
    assert s["max_exposure_before"] == 30.5 and s["max_exposure_after"] == 2.25
    assert s["max_gap_to_reference_bits"] == pytest.approx(0.5)
    assert s["extracted_before"] == 1 and s["extracted_after"] == 0
    assert s["perplexity_change_vs_before"] == pytest.approx(0.005)
    table = r.table().splitlines()
    assert "exp retrain" in table[0] and "extracted b/a/r" in table[0]
    assert "4539********6467" in table[2] and "30.50" in table[2] and "yes/no/no" in table[2]
    assert "held-out perplexity" in table[4] and "10.050" in table[4]


def test_write_read_round_trip_without_plaintext(tmp_path: Path) -> None:
    r = _report()
    check_no_plaintext(r, [SECRET])
    files = write_report(r, tmp_path)
    assert sorted(p.name for p in files) == ["exposure.png", "report.json", "report.md"]
    assert (tmp_path / "exposure.png").read_bytes()[:4] == b"\x89PNG"
    for p in tmp_path.iterdir():
        assert SECRET.encode() not in p.read_bytes()
    back = read_report(tmp_path)
    assert back.rows == r.rows and back.perplexity == r.perplexity
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["summary"]["secrets"] == 2 and data["meta"]["scope"] == "adapter"
    assert "## Secrets" in (tmp_path / "report.md").read_text()


def test_plaintext_is_refused() -> None:
    r = _report()
    r.meta["note"] = f"leak {SECRET}"
    with pytest.raises(SanitizeError, match="plaintext secret"):
        check_no_plaintext(r, [SECRET])


def test_unreadable_report(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{")
    with pytest.raises(SanitizeError, match=r"report\.json: cannot read report"):
        read_report(tmp_path)


# -- issue 17: derived forms of a secret count as plaintext ------------------------------------------
PASSWORD = "ДаНет-Tr0ub4dor&3-Пароль"


@pytest.mark.parametrize(
    "leak",
    [PASSWORD, PASSWORD.lower(), PASSWORD.upper(), "ДаНетTr0ub4dor3Пароль",  # no separators
     PASSWORD[4:-4], "т Tr0ub 4dor 3 Пар",  # its middle; the middle with other separators
     "4539 1488 0343 6467", "card 4539-1488-0343-6467", "14880343"],  # a card, spaced, its middle
)  # fmt: skip
def test_derived_forms_of_a_secret_are_refused(leak: str) -> None:
    from sanitize.report import contains_plaintext

    r = _report()
    r.meta["note"] = leak
    with pytest.raises(SanitizeError, match="plaintext secret"):
        check_no_plaintext(r, [SECRET, PASSWORD])
    assert contains_plaintext(json.dumps(r.to_dict(), ensure_ascii=False), [SECRET, PASSWORD])


def test_forms_too_short_to_be_told_from_ordinary_text_are_not_checked() -> None:
    from sanitize.report import plaintext_forms

    assert plaintext_forms("hunter2") == {"hunter2"}
    assert plaintext_forms("a-b-c") == {"a-b-c"}  # "abc" would match ordinary words
    assert plaintext_forms("Tr0ub4dor&3xyz") == {"tr0ub4dor&3xyz", "tr0ub4dor3xyz", "b4dor&"}
    check_no_plaintext(_report(), [SECRET, PASSWORD, "hunter2"])  # an ordinary report passes


def test_output_audit_finds_derived_forms(tmp_path: Path) -> None:
    from sanitize.pipeline.output import assert_no_plaintext

    (tmp_path / "report.json").write_text(json.dumps({"space": "pattern:" + PASSWORD[4:-4]}))
    with pytest.raises(SanitizeError, match=r"report\.json: it would contain a plaintext secret"):
        assert_no_plaintext(tmp_path, [PASSWORD])
    (tmp_path / "report.json").write_text(json.dumps({"space": "pattern(len=24)"}))
    assert_no_plaintext(tmp_path, [PASSWORD])


@pytest.mark.parametrize(
    ("text", "leaks"),
    [('{"perplexity": 1.5798110872183835}', False), ('{"after": 0.8110}', False), ("id 181104", False),
     ("pin 8110", True), ('{"pin": "8110"}', True), ("8110.", True), ("PIN: 8-1-1-0", True)],
)  # fmt: skip
def test_a_short_number_is_a_leak_only_as_a_number_of_its_own(text: str, leaks: bool) -> None:
    """A 4-digit secret is found where it is written as a number, not among the digits of a float
    (a report of an unlearning run holds hundreds of them: a PIN would be 'found' by chance)."""
    from sanitize.report import contains_plaintext

    assert contains_plaintext(text, ["8110"]) is leaks
