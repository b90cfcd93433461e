"""Crypto wallet recovery phrases: BIP-39 mnemonics of 12, 15, 18, 21 or 24 words near a keyword
(``seed phrase: ...``, ``mnemonic = "..."``, ``my recovery words are ...``), checked against the BIP-39 English
word list and its checksum (the last word carries 4-8 bits of SHA-256 of the others: a random run of list words
passes 1 time in 16 to 256). Word list and checksum come from Trezor's ``mnemonic`` package.

Reported as ``generic_secret`` (the span: the words). A phrase that repeats one word six times or more is a
test vector (``abandon`` x 11 ``about``), not a wallet. Linear: one scan of the window for runs of lower-case
words, and at most 5 checksum tests (a dictionary look-up per word and one SHA-256) per word of a run.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterator

from .base import Detector, Span

_LENGTHS = (24, 21, 18, 15, 12)
_RUN = re.compile(r"(?<![A-Za-z])[a-z]{3,8}(?:[ \t]{1,2}[a-z]{3,8}){11,}(?![A-Za-z])")  # 12 or more words
_WORD = re.compile(r"[a-z]{3,8}")


@functools.cache
def word_index() -> dict[str, int]:
    """BIP-39's English word list -> position (11 bits each), loaded on first use, not at the scanner's import."""
    from mnemonic import Mnemonic

    return {w: i for i, w in enumerate(Mnemonic("english").wordlist)}


def is_seed_phrase(words: list[str]) -> bool:
    """A BIP-39 English mnemonic with a valid checksum, not a test vector of one repeated word.

    n words are 11n bits: the entropy (32n/3 bits) then its checksum (n/3 bits = the first bits of its SHA-256);
    ``mnemonic.Mnemonic.check`` computes the same with a list search per word (the tests compare the two)."""
    n = len(words)
    if n not in _LENGTHS:
        return False
    index = word_index()
    bits = 0
    for w in words:
        i = index.get(w)
        if i is None:
            return False
        bits = bits << 11 | i  # (11n bits,) big-endian
    cs = n // 3  # checksum bits
    entropy = (bits >> cs).to_bytes(4 * cs, "big")  # 32·cs bits
    if bits & ((1 << cs) - 1) != hashlib.sha256(entropy).digest()[0] >> (8 - cs):
        return False
    return Counter(words).most_common(1)[0][1] < 6


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SeedPhraseDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        index = word_index()
        for run in _RUN.finditer(text, start, end):
            words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text, run.start(), run.end())]
            i = 0
            while i + _LENGTHS[-1] <= len(words):
                if words[i][0] not in index:
                    i += 1
                    continue
                fits = (n for n in _LENGTHS if i + n <= len(words))
                n = next((n for n in fits if is_seed_phrase([w for w, _, _ in words[i : i + n]])), 0)
                if n:
                    yield words[i][1], words[i + n - 1][2], 0.95
                    i += n
                else:
                    i += 1


SEED_PHRASE = SeedPhraseDetector(
    "bip39-seed-phrase", "generic_secret",
    keywords=("mnemonic", "seed", "recovery phrase", "secret phrase", "backup phrase", "recovery words", "wallet"),
    before=600, after=600, priority=40,
)  # fmt: skip
