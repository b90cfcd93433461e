"""Payment card numbers: Luhn-valid, with a known brand prefix (IIN) and a length that brand
issues, written contiguously or in groups separated by spaces or dashes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from ..checksums import luhn_valid
from .base import RegexDetector, Span

# Trigger shared by the digit-driven detectors (cards, phones, SSNs): one RE2 pass finds candidates.
DIGITS_TRIGGER = (
    r"\d{4}[ -]?\d{4}[ -]?\d{4}|\d{4}[ -]?\d{6}[ -]?\d{4}"  # cards
    r"|\d{3}[ -]\d{2}[ -]\d{4}"  # SSNs
    r"|\+\d|\(\d{2,5}\)[ .-]?\d|\d{3}[-. ]\d{3}[-. ]\d{4}|0\d{1,4}[ -]\d{3}|0\d[ .]\d\d[ .]\d\d"  # phones
)

_CARD = re.compile(r"(?<![\w.+-])(?:\d[ -]?){12,18}\d(?![\w]|[.-]\d)")
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
    if len(set(digits)) < 3:
        return False
    return card_brand(digits) is not None and luhn_valid(digits)


_GROUP = re.compile(r"\d+")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CardDetector(RegexDetector):
    """A run of digit groups may hold a card plus neighbouring numbers ("ref 1234 4539 1488 0343
    6467"): when the whole run is not a card, every sub-run of whole groups is tried."""

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in self.pattern.finditer(text, start, end):
            s, e = m.span()
            if is_card_number(text[s:e]):
                yield s, e, self.confidence
                continue
            groups = [g.span() for g in _GROUP.finditer(text, s, e)]
            i = 0
            while i < len(groups):
                for j in range(len(groups) - 1, i - 1, -1):
                    gs, ge = groups[i][0], groups[j][1]
                    if (i, j) != (0, len(groups) - 1) and 12 <= ge - gs <= 23 and is_card_number(text[gs:ge]):
                        yield gs, ge, self.confidence
                        i = j
                        break
                i += 1


CREDIT_CARD = CardDetector(
    "credit-card", "credit_card", trigger=DIGITS_TRIGGER, pattern=_CARD, before=24, after=24, priority=80
)

DETECTORS = (CREDIT_CARD,)
