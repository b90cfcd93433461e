"""One spec per secret type: its fakes are found as that type and valid, its surrogates are different,
valid and of the same shape, and one SSN rule serves the detector, the fakes and the surrogates."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from sanitize import ScanConfig, checksums, scan
from sanitize.detectors import DETECTORS, SECRET_TYPES, SPECS, SecretSpec
from sanitize.replacers import surrogate

N = 25  # values per type
ROOT = Path(__file__).resolve().parents[2]


def findings(spec: SecretSpec, value: str) -> tuple[list[tuple[int, int, str]], int]:
    """(start, end, type) of every finding in ``spec.context`` around ``value``, and where it starts."""
    text = spec.context.format(value)
    found = [(f.start, f.end, f.type) for f in scan([text], ScanConfig(include_ip=True))]
    return found, text.index(value)


def shape(type_: str, value: str) -> list[object]:
    """What a surrogate keeps: the length and the separators (a password: where its symbols are; a JWT:
    its parts' lengths)."""
    if type_ == "jwt":
        return [len(part) for part in value.split(".")]
    if type_ == "password":
        return [c.isalnum() for c in value]
    return [c if not c.isalnum() else "" for c in value]


def test_one_spec_per_type_and_every_detector_in_one_spec() -> None:
    assert tuple(SPECS) == SECRET_TYPES and len(SPECS) == 25
    listed = [d for spec in SPECS.values() for d in spec.detectors]
    assert sorted(map(id, listed)) == sorted(map(id, DETECTORS))
    for type_, spec in SPECS.items():
        assert spec.type == type_ and spec.description and spec.detectors
        assert all(d.secret_type == type_ for d in spec.detectors)
        assert "{}" in spec.context
    assert [t for t, s in SPECS.items() if not s.default] == ["ip_address"]


@pytest.mark.parametrize("type_", list(SPECS))
def test_fakes_are_valid_and_found_as_their_type(type_: str) -> None:
    spec, rng = SPECS[type_], random.Random(3)
    values = [spec.fake(rng) for _ in range(N)]
    assert len(set(values)) > N - 3  # random, not a constant
    for value in values:
        assert spec.is_valid(value), value
        found, start = findings(spec, value)
        assert found == [(start, start + len(value), type_)], (value, found)


@pytest.mark.parametrize("type_", list(SPECS))
def test_surrogates_differ_stay_valid_keep_the_shape_and_are_found(type_: str) -> None:
    spec, rng = SPECS[type_], random.Random(4)
    for i in range(N):
        value = spec.fake(rng)
        for sub in (spec.surrogate(value, random.Random(i)), surrogate(value, type_, seed=i)):
            assert sub != value
            assert spec.is_valid(sub), (value, sub)
            assert shape(type_, sub) == shape(type_, value), (value, sub)
            found, start = findings(spec, sub)
            assert found == [(start, start + len(sub), type_)], (sub, found)


def test_the_validators_reject_wrong_values() -> None:
    card = SPECS["credit_card"].fake(random.Random(0))
    wrong = {
        "credit_card": card[:-1] + str((int(card[-1]) + 1) % 10),
        "iban": "DE89370400440532013001",
        "github_token": "ghp_" + "a" * 36,
        "npm_token": "npm_" + "a" * 36,
        "jwt": "eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.sig",
        "us_ssn": "123-45-6789",
    }
    assert {t for t, s in SPECS.items() if s.validator is not None} == set(wrong)
    for type_, value in wrong.items():
        assert not SPECS[type_].is_valid(value), type_


SSNS = [
    ("536-22-1234", True),
    ("123-45-6780", True),
    ("899 99 9999", True),
    ("123-45-6789", False),  # specimen numbers (advertising, wallet inserts)
    ("078-05-1120", False),
    ("219-09-9999", False),
    ("000-12-3456", False),  # never-issued ranges
    ("666-12-3456", False),
    ("900-12-3456", False),
    ("123-00-4567", False),
    ("123-45-0000", False),
]


@pytest.mark.parametrize(("ssn", "valid"), SSNS)
def test_one_ssn_rule_for_detector_fakes_and_surrogates(ssn: str, valid: bool) -> None:
    spec = SPECS["us_ssn"]
    assert spec.validator is checksums.ssn_valid
    assert checksums.ssn_valid(ssn) is valid
    found, start = findings(spec, ssn)
    assert (found == [(start, start + len(ssn), "us_ssn")]) is valid  # the detector applies the same rule
    for seed in range(20):  # a surrogate of any SSN, valid or not, is valid
        assert checksums.ssn_valid(surrogate(ssn, "us_ssn", seed=seed))


def test_the_ssn_rule_is_written_once() -> None:
    """No other module of the product or the lab defines its own SSN validity."""
    pattern = re.compile(r"def \w*(?:ssn\w*valid|valid\w*ssn|is_ssn)\w*\(|_INVALID_SSNS|078051120")
    homes = [
        p.relative_to(ROOT).as_posix()
        for package in ("sanitize", "sanitize_lab")
        for p in sorted((ROOT / package).rglob("*.py"))
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert homes == ["sanitize/checksums.py"]
