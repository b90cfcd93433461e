"""Payment card numbers: Luhn-valid, with a known brand prefix (IIN) and a length that brand
issues, written contiguously or in groups separated by spaces or dashes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from ..checksums import luhn_valid
from .base import RegexDetector, Span
from .filters import line_start

# Trigger shared by the digit-driven detectors (cards, phones, SSNs): one RE2 pass finds candidates.
# A match runs on over the rest of the digit run, so a flood of digits is one match, not thousands.
DIGITS_TRIGGER = (
    r"(?:\d{4}[ -]?\d{4}[ -]?\d{4}|\d{4}[ -]?\d{6}[ -]?\d{4}"  # cards
    r"|\d{3}[ -]\d{2}[ -]\d{4}"  # SSNs
    r"|\+\d|\(\d{2,5}\)[ .-]?\d|\d{3}[-. ]\d{3}[-. ]\d{4}|0\d{1,4}[ -]\d{3}|0\d[ .]\d\d[ .]\d\d)"  # phones
    r"[\d .()+-]*"
)

# a whole run of digit groups (bounded, so each start costs O(1)); what follows it is checked in find()
_CARD = re.compile(r"(?<![\w.+-])\d(?:[ -]?\d){11,47}")
_AFTER = re.compile(r"\w|[.-]\d|[*/^]")  # a word, a decimal, a dashed code or an arithmetic operand goes on
# a random seed, not a card: default_rng(N), np.random.seed(N), seed = N, torch.manual_seed(N)
_SEEDED = re.compile(r"(?i:seed|rng|randomstate)[\w.]{0,20}[ \t]{0,2}[(=:][ \t]{0,2}\Z")
# a number among numbers in code: `[1, 4, 108, 4031078400000]`, `Rational(385045107874520059, 39062500...)`
_NUMBER_BEFORE = re.compile(r"(-?\d[\d.eE+-]{0,30})[ \t]{0,2},[ \t]{0,2}\Z")
_NUMBER_AFTER = re.compile(r"[ \t]{0,2},[ \t]{0,2}(-?\d[\d.eE+-]{0,30})(?![\w.])")
# (brand, IIN ranges as (low, high) over the first digits, allowed lengths)
_BRANDS: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[int, ...]], ...] = (
    ("visa", (("4", "4"),), (13, 16, 19)),
    ("mastercard", (("51", "55"), ("2221", "2720")), (16,)),
    ("amex", (("34", "34"), ("37", "37")), (15,)),
    ("discover", (("6011", "6011"), ("644", "649"), ("65", "65")), (16, 17, 18, 19)),
    ("jcb", (("3528", "3589"),), (16, 17, 18, 19)),
    ("diners", (("300", "305"), ("36", "36"), ("38", "39")), (14, 15, 16, 17, 18, 19)),
    ("unionpay", (("62", "62"),), (16, 17, 18, 19)),
    ("maestro", (("50", "50"), ("56", "58"), ("6304", "6304"), ("6759", "6759"), ("676770", "676774")), (12, 13, 14, 15, 16, 17, 18, 19)),
)  # fmt: skip
_GROUPINGS = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3), (4, 4, 4, 3), (4, 4, 4, 1), (4, 4, 4, 2), (4, 4, 5), (6, 13), (4, 4, 4, 4, 2), (4, 4, 4, 4, 1)}  # fmt: skip


def card_brand(digits: str) -> str | None:
    """The brand whose IIN ranges and lengths admit ``digits``, or None."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            if low <= digits[: len(low)] <= high:
                return brand
    return None


def is_card_number(value: str) -> bool:
    """Luhn-valid, a known brand, and either contiguous or consistently grouped."""
    seps = {c for c in value if not c.isdigit()}
    if len(seps) > 1:
        return False
    digits = value.replace(" ", "").replace("-", "")
    if seps:
        groups = tuple(len(g) for g in value.split(next(iter(seps))))
        if groups not in _GROUPINGS:
            return False
    if len(set(digits)) < 2:
        return False
    return card_brand(digits) is not None and luhn_valid(digits)


def in_number_list(text: str, s: int, e: int) -> bool:
    """The digits ``text[s:e]`` are one element of a bracketed list of numbers beside a long, negative or real number
    that is no card number: ``[1, 4, 108, 27648, 4031078400000]``, ``(0, 6458161865649291, -53, 53)``. A list of cards
    stays one, so does a card's record ``(4111111111111111, 12, 2027)``; a CSV row has no bracket on its line."""
    line = text[line_start(text, s, 200) : s]
    if not (
        any(c in line for c in "[({") or (line != "" and line.isspace())
    ):  # bracketed, or a list's next line
        return False
    for near in (_NUMBER_BEFORE.search(text, max(0, s - 40), s), _NUMBER_AFTER.match(text, e)):
        n = near.group(1) if near is not None else ""
        # a long, negative or real number beside it (a card's record holds a month, a year, a CVV: short ones)
        if (len(n) >= 6 or n.startswith("-") or any(c in n for c in ".eE")) and not is_card_number(n):
            return True
    return False


_GROUP = re.compile(r"\d+")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CardDetector(RegexDetector):
    """A run of digit groups may hold a card plus neighbouring numbers ("ref 1234 4539 1488 0343
    6467"): when the whole run (of at most 8 groups) is not a card, its sub-runs of whole groups
    are tried, longest first from each group."""

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in self.pattern.finditer(text, start, end):
            s, e = m.span()
            if (
                _AFTER.match(text, e)
                or text[s - 1 : s] in ("*", "/", "^")
                or _SEEDED.search(text, max(0, s - 40), s)
            ):
                continue  # the run goes on into a word, a decimal, a dashed code or arithmetic; a seed
            if is_card_number(text[s:e]):
                if not in_number_list(text, s, e):
                    yield s, e, self.confidence
                continue
            groups = [g.span() for g in _GROUP.finditer(text, s, e)]
            if len(groups) > 8:
                continue  # a table of numbers, not a card among neighbours
            i = 0
            while i < len(groups):
                best = -1  # the longest card starting at group i (at most 23 characters: O(1) tries)
                for j in range(i, len(groups)):
                    gs, ge = groups[i][0], groups[j][1]
                    if ge - gs > 23:
                        break
                    if ge - gs >= 12 and (i, j) != (0, len(groups) - 1) and is_card_number(text[gs:ge]):
                        best = j
                if best >= 0:
                    yield groups[i][0], groups[best][1], self.confidence
                    i = best
                i += 1


CREDIT_CARD = CardDetector(
    "credit-card",
    "credit_card",
    trigger=DIGITS_TRIGGER,
    pattern=_CARD,
    before=24,
    after=24,
    priority=80,
    trigger_pass="digits",
)

DETECTORS = (CREDIT_CARD,)
