"""bip39-seed-phrase: a BIP-39 mnemonic near a keyword; the checksum against the mnemonic package's own check."""

from __future__ import annotations

import random

import pytest
from detector_support import flood_cpu_seconds
from mnemonic import Mnemonic
from support import CPU_CEILING

from sanitize import ScanConfig
from sanitize.detectors.seed_phrases import SEED_PHRASE, is_seed_phrase
from sanitize.scanner import Scanner

BIP39 = Mnemonic("english")
SCANNER = Scanner(ScanConfig(types=["generic_secret"]))
P12 = BIP39.to_mnemonic(bytes(range(16)))  # a valid 12-word phrase (its checksum word included)
P24 = BIP39.to_mnemonic(bytes(range(100, 132)))


def test_checksum_equals_the_reference() -> None:
    """Random phrases, half valid by construction, half random list words (1 in 16-256 valid by chance)."""
    rng = random.Random(0)
    seen = {True: 0, False: 0}
    for k in range(4000):
        n = rng.choice((12, 15, 18, 21, 24))
        words = (
            BIP39.to_mnemonic(rng.randbytes(4 * n // 3)).split()
            if k % 2
            else [rng.choice(BIP39.wordlist) for _ in range(n)]
        )
        want = BIP39.check(" ".join(words)) and max(words.count(w) for w in words) < 6
        assert is_seed_phrase(words) is want, words
        seen[want] += 1
    assert min(seen.values()) > 1000
    assert not is_seed_phrase(P12.split()[:11])  # no valid length
    assert not is_seed_phrase(["abandon"] * 11 + ["about"])  # the test vector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my seed phrase is {P12} please keep it safe", [P12]),
        (f'MNEMONIC="{P24}"', [P24]),
        (f"wallet backup:\n{P12}\n", [P12]),
        (f"recovery phrase: {P12} {P12}", [P12, P12]),  # two phrases back to back
        ("seed: " + "abandon " * 11 + "about", []),  # BIP-39's test vector
        (f"seed: {' '.join(P12.split()[:11])} zoo", []),  # a wrong checksum word
        ("seed the staging database with the fixture rows then walk away from the table once done", []),
        (P12, []),  # no keyword near it
    ],
)
def test_seed_phrase(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e, _, _ in SCANNER.spans(text)] == expected


@pytest.mark.parametrize(
    "unit", ["seed abandon ", "wallet " + " ".join(BIP39.wordlist[:40]) + " ", "mnemonic " + P24 + " "]
)
def test_linear_on_a_megabyte_of_words(unit: str) -> None:
    assert flood_cpu_seconds(SEED_PHRASE, unit, ["generic_secret"]) < CPU_CEILING
