"""Private keys: the whole armoured block, ``-----BEGIN ... PRIVATE KEY-----`` to its ``-----END``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span

_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?)-----")
_BODY_CHARS = re.compile(r"[A-Za-z0-9+/=]{16,}")
MAX_BLOCK = 64 * 1024  # longest block looked for (a 16384-bit RSA key is ~12 KB)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PrivateKeyDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start
        next_end: dict[str, int] = {}  # marker -> its next occurrence (-1: none), so text is scanned once
        while True:
            m = _BEGIN.search(text, pos, end)
            if m is None:
                return
            marker = f"-----END {m.group(1)}-----"
            stop = next_end.get(marker, -2)
            if stop == -2 or 0 <= stop < m.end():
                stop = next_end[marker] = text.find(marker, m.end())
            if stop < 0 or stop - m.end() > MAX_BLOCK:
                pos = m.end()
                continue
            body = text[m.end() : stop]
            if sum(len(b) for b in _BODY_CHARS.findall(body)) >= 64:
                yield m.start(), stop + len(marker), 1.0
            pos = stop + len(marker)


PRIVATE_KEY = PrivateKeyDetector(
    "private-key", "private_key", trigger=r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY", before=0,
    after=MAX_BLOCK + 64, priority=100,
)  # fmt: skip

DETECTORS = (PRIVATE_KEY,)
