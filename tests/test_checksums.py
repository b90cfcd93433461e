from __future__ import annotations

import random

import pytest

from sanitize.checksums import (
    crc32_base62,
    iban_check_digits,
    iban_valid,
    luhn_check_digit,
    luhn_valid,
    token_checksum_valid,
)


def _luhn_brute(digits: str) -> bool:  # the definition, written out
    doubled = [int(c) * (2 if i % 2 else 1) for i, c in enumerate(reversed(digits))]
    return sum(d // 10 + d % 10 for d in doubled) % 10 == 0


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4539148803436467", True),
        ("4539148803436468", False),
        ("79927398713", True),
        ("0", True),
        ("", False),
    ],
)
def test_luhn_known_values(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_luhn_matches_definition_and_check_digit_completes() -> None:
    rng = random.Random(0)
    for _ in range(500):
        payload = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18)))
        assert luhn_valid(payload) == _luhn_brute(payload)
        full = payload + luhn_check_digit(payload)
        assert luhn_valid(full) and _luhn_brute(full)


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("DE89370400440532013000", True),
        ("DE89370400440532013001", False),
    ],
)
def test_iban_known_values(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_iban_check_digits_round_trip() -> None:
    assert iban_check_digits("DE", "370400440532013000") == "89"
    assert iban_check_digits("GB", "WEST12345698765432") == "82"


def test_github_style_checksum() -> None:
    body = "a" * 30
    token = "ghp_" + body + crc32_base62(body)
    assert token_checksum_valid(token, "ghp_")
    assert not token_checksum_valid(token[:-1] + ("0" if token[-1] != "0" else "1"), "ghp_")
    assert not token_checksum_valid(token, "npm_")
