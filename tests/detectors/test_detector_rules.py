"""Custom rules from TOML: id, regex, secret group, keywords, entropy floor, validator, allowlist."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanitize import ScanConfig, scan
from sanitize.detectors.rules import load_rules
from sanitize.errors import ConfigError

RULES = """
[[rules]]
id = "acme-api-key"
type = "acme_key"
regex = '''acme_(?P<secret>[a-z0-9]{32})'''
secret_group = "secret"
keywords = ["acme_"]
entropy = 3.0

[[rules]]
id = "employee-card"
regex = '''EMP-(\\d{4}-\\d{4}-\\d{4}-\\d{4})'''
secret_group = 1
validator = "luhn"

[allowlist]
regexes = ["^0123"]
"""
KEY = "3k9x2m7q1w8e4r6t5y0u9i8o7p6a5s4d"


def _rules(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_custom_rules(tmp_path: Path) -> None:
    text = (
        f"ACME token acme_{KEY} and acme_{'a' * 32}; badge EMP-4539-1488-0343-6467, EMP-4539-1488-0343-6468"
    )
    findings = scan([text], ScanConfig(rules=str(_rules(tmp_path)), types=["acme_key", "employee-card"]))
    got = [(text[f.start : f.end], f.type, f.detector) for f in findings]
    assert got == [
        (KEY, "acme_key", "acme-api-key"),  # secret group only; the all-'a' one fails the entropy floor
        ("4539-1488-0343-6467", "employee-card", "employee-card"),  # type defaults to id; Luhn checked
    ]


def test_rules_allowlist(tmp_path: Path) -> None:
    text = f"acme_0123{KEY[4:]}"
    assert scan([text], ScanConfig(rules=str(_rules(tmp_path)))) == []


def test_custom_types_validated_after_loading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope"):
        scan(["x"], ScanConfig(rules=str(_rules(tmp_path)), types=["nope"]))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[rules]]\nregex = 'x'", "rule 1: field 'id' is required"),
        ("[[rules]]\nid = 'a'\nregex = \"(a)\\\\1\"", "rule 'a': regex is not valid RE2"),  # backreference
        ("[[rules]]\nid = 'a'\nregex = 'a'\nvalidator = 'nope'", "unknown validator 'nope'"),
        ("[[rules]]\nid = 'a'\nregex = 'a'\nsecret_group = 2", "out of range"),
        ("[[rules]]\nid = 'a'\nregex = 'a'\ncolour = 1", "unknown field(s) colour"),
        ("[[rules]]\nid = 'a'\nregex = 'a'\n[[rules]]\nid = 'a'\nregex = 'b'", "duplicate id"),
        ("rules = [", "invalid TOML"),
    ],
)
def test_bad_rules_name_file_and_rule(tmp_path: Path, body: str, message: str) -> None:
    path = _rules(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read rules file"):
        load_rules(tmp_path / "absent.toml")
