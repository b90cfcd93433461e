"""The detector seam: a detector names its ``secret_type``, says what cheaply *triggers* it (literal
keywords found by one Aho-Corasick pass, or a regex found by one combined RE2 pass) and how far
around a trigger its matches can reach; :mod:`sanitize.scanner` then runs :meth:`Detector.find` only
on those windows, never on whole documents.

Contract that makes windows exact: every match of a detector contains one of its triggers (a keyword
followed by what ``follow`` asks for, when it is set) and lies within
``[trigger_start - before, trigger_end + after]``. Patterns use bounded quantifiers
(or structure that cannot backtrack), so each one is linear in the window it runs on.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator

# (start, end, confidence) of one secret value inside the document text
Span = tuple[int, int, float]
Validator = Callable[[str, str, int, int], bool]  # (value, text, start, end) -> keep?


@dataclasses.dataclass(frozen=True, eq=False)
class Detector:
    """Base class: subclasses implement :meth:`find` over ``text[start:end]``."""

    name: str  # stable detector id, e.g. "github-token"
    secret_type: str  # stable type name, e.g. "github_token"
    keywords: tuple[str, ...] = ()  # literal triggers, matched case-insensitively (Aho-Corasick)
    trigger: str | None = None  # RE2-syntax regex trigger (for digit-driven detectors)
    before: int = 0  # how far before a trigger a match may start
    after: int = 256  # how far after a trigger a match may end
    priority: int = 50  # on overlapping findings the higher priority wins (specific > generic)
    default: bool = True  # enabled unless asked for (ip_address is off by default)
    # Which RE2 prefilter passes of the scanner look for the trigger and the keywords ("": the main
    # ones). Each pass name gets a shape pass and a keyword pass; the scanner's _PREFILTER maps every
    # name to "" today (more passes measured slower: each costs a walk over the bytes per document).
    trigger_pass: str = ""
    keyword_pass: str = ""
    # When set, a keyword hit opens a window only where this regex matches the text right at the
    # keyword's end (``follow.match(text, keyword_end)``): what must follow the keyword of every
    # match the detector can find (``token`` + ``: value``), so prose mentions of a keyword cost a
    # regex test in the scanner instead of a window and a :meth:`find` call.
    follow: re.Pattern[str] | None = None
    # Whether the trigger's match can hold other detectors' triggers (``://user:TOKEN@``: a vendor token
    # as a URL's password): the scanner then also looks for shape triggers inside each such match
    nests: bool = False

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, type={self.secret_type!r})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RegexDetector(Detector):
    """A compiled pattern whose ``group`` is the secret, checked by an optional ``validator``."""

    pattern: re.Pattern[str] = dataclasses.field(default=re.compile(r"(?!)"))
    group: int | str = 0
    validator: Validator | None = None
    min_entropy: float = 0.0
    confidence: float = 1.0
    # a value the validator rejects is still reported, at ``unverified_confidence``, when this passes (a
    # prefixed token whose checksum fails: a fake in docs and tests, or a corrupted real one)
    unverified: Validator | None = None
    unverified_confidence: float = 0.5

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        validator = self.validator
        for m in self.pattern.finditer(text, start, end):
            s, e = m.span(self.group)
            if s < 0 or e <= s:
                continue
            value = text[s:e]
            if self.min_entropy and shannon_entropy(value) < self.min_entropy:
                continue
            if validator is not None and not validator(value, text, s, e):
                if self.unverified is not None and self.unverified(value, text, s, e):
                    yield s, e, self.unverified_confidence
                continue
            yield s, e, self.confidence


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s character distribution."""
    n = len(value)
    if not n:
        return 0.0
    counts = Counter(value)  # counted in C, first-seen order (the same sum, in the same order)
    return -sum(c / n * math.log2(c / n) for c in counts.values())
