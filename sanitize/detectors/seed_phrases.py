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
    index = word_index()
    return n in _LENGTHS and phrase_length([index.get(w) for w in words], 0, n) == n


def phrase_length(ids: list[int | None], i: int, longest: int = _LENGTHS[0]) -> int:
    """The longest n <= ``longest`` of :data:`_LENGTHS` for which the word-list positions ``ids[i : i + n]``
    (None: not a list word) are a mnemonic (:func:`is_seed_phrase`), or 0. One pass builds the bits of every
    length at once (the lengths are prefixes of one another)."""
    bits, prefixes = 0, {}
    for k in range(min(longest, len(ids) - i)):
        v = ids[i + k]
        if v is None:
            break
        bits = bits << 11 | v  # (11(k+1) bits,) big-endian
        if k + 1 in _LENGTHS:
            prefixes[k + 1] = bits
    for n in _LENGTHS:
        b = prefixes.get(n)
        if b is None:
            continue
        cs = n // 3  # checksum bits
        entropy = (b >> cs).to_bytes(4 * cs, "big")  # 32·cs bits
        checksum = b & ((1 << cs) - 1) == hashlib.sha256(entropy).digest()[0] >> (8 - cs)
        if (
            checksum and Counter(ids[i : i + n]).most_common(1)[0][1] < 6
        ):  # not one word six times: a test vector
            return n
    return 0


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SeedPhraseDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        index = word_index()
        for run in _RUN.finditer(text, start, end):
            words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text, run.start(), run.end())]
            ids = [index.get(w) for w, _, _ in words]  # (W,) word-list positions, None off the list
            i = 0
            while i + _LENGTHS[-1] <= len(words):
                if ids[i] is None:
                    i += 1
                    continue
                n = phrase_length(ids, i)
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
