"""Packed mode: a token alignment of each document onto the tokenisation of its sanitized twin.

Re-packing a sanitized corpus would shift every later block, so z̃ is built per block: each
document's slice of a block is mapped through :class:`Alignment` onto the sanitized document's
tokens (see :mod:`sanitize.pairs`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from .spans import Doc
from .tokenize import Encoding


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    return next((t for t, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


class Alignment:
    """Token boundaries of one document's original tokenisation -> boundaries of its sanitized one.

    Both token lists are cut at *sync* boundaries ``(k, j)``: original boundary ``k`` and sanitized
    boundary ``j`` sit at the same place of the text, i.e. a character ``c`` of the original that is
    not strictly inside a replaced span, where a token of each starts (``j``'s at ``map_char(c)``)
    and no token of either straddles it; plus the edges of the special tokens (BOS/EOS). Between
    two consecutive syncs the pieces are equal (same ids) or a re-tokenised run, trimmed of the
    tokens it starts and ends with in both lists. Equal pieces map token for token -- this also
    places a boundary inside a character of several byte tokens (``é`` = 2 byte-level tokens with
    one offset), which a character map cannot. A boundary strictly inside a run is placed by
    position: the first sanitized token of the run that starts at or after the mapped character
    (so a boundary that cuts a secret cuts its replacement at the same relative place). The map is
    monotone with ``0 -> 0`` and ``len(orig) -> len(new)``, so consecutive blocks' twins tile the
    sanitized tokens; it never matches tokens inside a run (a surrogate's digits may equal the
    secret's by chance).
    """

    def __init__(self, orig: Encoding, new: Encoding, doc: Doc) -> None:
        self.orig, self.new, self.doc = orig, new, doc
        # segments (i0, i1, j0, j1, equal): orig tokens [i0, i1) <-> sanitized tokens [j0, j1),
        # consecutive and covering both lists
        self.segments: list[tuple[int, int, int, int, bool]] = []
        syncs = self._syncs()
        for (i0, j0), (i1, j1) in itertools.pairwise(syncs):
            a, b = orig.ids[i0:i1], new.ids[j0:j1]
            if a == b:
                self._add(i0, i1, j0, j1, True)
                continue
            p = _common_prefix(a, b)
            q = _common_prefix(a[p:][::-1], b[p:][::-1])
            self._add(i0, i0 + p, j0, j0 + p, True)  # common first tokens
            self._add(i0 + p, i1 - q, j0 + p, j1 - q, False)  # the re-tokenised run
            self._add(i1 - q, i1, j1 - q, j1, True)  # common last tokens
        self._i0 = [seg[0] for seg in self.segments]

    def _add(self, i0: int, i1: int, j0: int, j1: int, equal: bool) -> None:
        if i0 < i1 or j0 < j1:
            self.segments.append((i0, i1, j0, j1, equal))

    def _syncs(self) -> list[tuple[int, int]]:
        """Sync boundaries (k, j), increasing in k and non-decreasing in j."""
        orig, new, doc = self.orig, self.new, self.doc
        o_end, n_end = len(orig) - orig.trail, len(new) - new.trail  # ends of the text tokens
        syncs = [(0, 0), (orig.lead, new.lead)]
        for t in range(1, len(orig.starts)):  # original boundary k = lead + t, before text token t
            c = orig.starts[t]
            if orig.ends[t - 1] > c or orig.starts[t - 1] == c or doc.inside(c):
                continue  # inside a multi-token character, after an empty token, or inside a secret
            c_new = doc.map_char(c)
            u = bisect.bisect_left(new.starts, c_new)  # first sanitized text token starting at/after
            if u == 0 or u >= len(new.starts) or new.starts[u] != c_new or new.ends[u - 1] > c_new:
                continue  # no sanitized token boundary at the same place
            syncs.append((orig.lead + t, new.lead + u))
        return [*syncs, (o_end, n_end), (len(orig), len(new))]

    def __call__(self, k: int) -> int:
        """Original boundary ``k`` (0..len(orig)) -> sanitized boundary (0..len(new))."""
        if k <= 0 or k >= len(self.orig):  # the document's ends (with any tokens inserted there)
            return 0 if k <= 0 else len(self.new)
        # the last segment starting at or before k: tokens inserted at k go to the block before k
        i0, i1, j0, j1, equal = self.segments[bisect.bisect_right(self._i0, k) - 1]
        if equal or k == i0:
            return j0 + (k - i0)
        t = k - self.orig.lead  # k is strictly inside a run: place it by position
        if not 0 <= t < len(self.orig.starts):  # a run of special tokens (an empty text): by count
            return j0 + (k - i0) * (j1 - j0) // (i1 - i0)
        lo, hi = max(j0 - self.new.lead, 0), max(j1 - self.new.lead, 0)
        c_new = self.doc.map_char(self.orig.starts[t])
        return self.new.lead + bisect.bisect_left(self.new.starts, c_new, lo, hi)
