"""credit_card: Luhn + brand IIN + length, spaces/dashes, every writing style; hard negatives."""

from __future__ import annotations

import pytest

from sanitize import ScanConfig, scan
from sanitize.detectors.cards import card_brand, is_card_number

CASES = [  # (payload, the secret it must report, or None when nothing may be reported)
    ("Please charge card 4539 1488 0343 6467 for order 1182.", "4539 1488 0343 6467"),  # prose
    ("bob: card number?\nann: 4539-1488-0343-6467 exp 11/26", "4539-1488-0343-6467"),  # chat
    ("Card: 4539148803436467\nName: Ann Lee", "4539148803436467"),  # email
    ('{"card_number": "5555555555554444", "amount": 12}', "5555555555554444"),  # JSON
    ("2024-01-02 ERROR payment declined pan=378282246310005 merchant=acme", "378282246310005"),  # log, amex
    ("Robert,Soylent,4368038790093437,3285", "4368038790093437"),  # CSV
    ('test_card = "3782 822463 10005"  # remove', "3782 822463 10005"),  # code, amex 4-6-5
    ("CARD=6011111111111117", "6011111111111117"),  # .env, discover
    ("ref 1234 4539 1488 0343 6467 ok", "4539 1488 0343 6467"),  # a card inside a longer digit run
    ("diners 30569309025904 here", "30569309025904"),
    ("card 4539 1488 0343 6468 was rejected", None),  # invalid Luhn
    ('{"card_number": "4539-1488-0343-6468"}', None),
    ("Your order #1234567812345670 has shipped.", None),  # Luhn-valid but no brand (1...)
    ("epoch_ms=1705312345678", None),  # timestamp
    ("4539 1488-0343 6467", None),  # mixed separators
    ("0000 0000 0000 0000", None),
    ("version 4.5.3.9.1.4.8.8.0.3.4.3.6.4.6.7", None),
    ("rng = np.random.default_rng(4539148803436467)", None),  # a random seed
    ("seed = 4539148803436467", None),
    ("torch.manual_seed(4539148803436467)", None),
    ("x = 4539148803436467*y + 1", None),  # arithmetic
    ("ref = 36287999999999999/4539148803436467", None),
    ("customer seed card 4539148803436467", "4539148803436467"),  # "seed" elsewhere in the sentence
    ("assert [hyperfac(n) for n in range(7)] == [1, 4, 108, 27648, 86400000, 4539148803436467]", None),
    ("            [4539148803436467, 7177518203184491332]],", None),  # a list's next line
    ("mpf((0, 4539148803436467, -53, 53))", None),  # a negative number beside it
    ("rows = [(4539148803436467, 12, 2027)]", "4539148803436467"),  # a card's record: month, year
    ("4539148803436467,86400000,2027", "4539148803436467"),  # a CSV row: no bracket
    ("4539148803436467|12/25|123", "4539148803436467"),
    ("card 4539 1488 0343 6467 exp 12/25", "4539 1488 0343 6467"),
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_credit_card(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["credit_card"]))]
    assert found == ([secret] if secret else [])


def test_a_list_of_cards_stays_one() -> None:
    payload = "cards = [4539148803436467, 5500000000000004]"
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["credit_card"]))]
    assert found == ["4539148803436467", "5500000000000004"]


def test_brand_and_validity() -> None:
    assert card_brand("4539148803436467") == "visa"
    assert card_brand("378282246310005") == "amex"
    assert card_brand("1234567812345670") is None
    assert is_card_number("5555 5555 5555 4444")
    assert not is_card_number("5555 5555 5555 4445")
