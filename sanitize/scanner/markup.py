"""A decoded view of text escaped for HTML/XML: ``&quot;password&quot;:&quot;V&quot;`` (JSON in an HTML
attribute), ``&lt;password&gt;V&lt;/password&gt;`` (XML shown in a page) and ``<![CDATA[V]]>`` wrappers
read as what they stand for, so that every detector sees quotes and tags where the author wrote them; likewise
an escaped quote, ``\\"`` or ``\\'`` (code in a notebook's ``"source"`` lines, a JSON string inside a JSON log line:
``"password = \\"V\\"\\n"``), read as the quote it stands for (``\\\\`` is an escaped backslash, no quote).

The scanner scans the view and maps each span back to the original text (:class:`OffsetMap`): findings,
fingerprints and surrogates stay on the text as it is stored."""

from __future__ import annotations

import bisect
import re

# the entities that stand for a detector's delimiters, and CDATA's markers (which stand for nothing)
_REPLACEMENTS = {
    "&quot;": '"', "&#34;": '"', "&#x22;": '"', "&apos;": "'", "&#39;": "'", "&#x27;": "'",
    "&lt;": "<", "&#60;": "<", "&#x3c;": "<", "&gt;": ">", "&#62;": ">", "&#x3e;": ">", "&amp;": "&",
    "<![CDATA[": "", "]]>": "", '\\"': '"', "\\'": "'",
}  # fmt: skip
_ESCAPED_BACKSLASH = "\\\\"  # matched so that the quote after it (a string's end) is no escape
_MARKUP = re.compile(
    "|".join(re.escape(k) for k in sorted([*_REPLACEMENTS, _ESCAPED_BACKSLASH], key=len, reverse=True))
)


class OffsetMap:
    """Offsets in the decoded view -> offsets in the original text. Each replacement ``k`` put
    ``lengths[k]`` (0 or 1) characters at view offset ``view[k]`` for the ``spans[k]`` characters of the
    original at ``orig[k]``; between replacements the two texts agree character for character."""

    def __init__(self) -> None:
        self.view: list[int] = []
        self.orig: list[int] = []
        self.spans: list[int] = []
        self.lengths: list[int] = []
        self.escaped_quotes = False  # a \\" or \\' was read as a quote: it may have been one inside a string

    def start(self, x: int) -> int:
        """Original offset of the view's character ``x`` (a span's start)."""
        return self._char(x)[0]

    def end(self, y: int) -> int:
        """Original offset just after the view's character ``y - 1`` (a span's end)."""
        return self._char(y - 1)[1] if y > 0 else 0

    def _char(self, x: int) -> tuple[int, int]:
        """``(start, end)`` in the original of the view's character ``x``: a whole entity for a
        replacement character, the character after a removed marker, else the same character shifted."""
        k = bisect.bisect_right(self.view, x) - 1  # the last replacement at or before x
        if k < 0:
            return x, x + 1
        if x < self.view[k] + self.lengths[k]:  # the replacement character itself
            return self.orig[k], self.orig[k] + self.spans[k]
        at = self.orig[k] + self.spans[k] + (x - self.view[k] - self.lengths[k])
        return at, at + 1


def decoded_view(text: str) -> tuple[str, OffsetMap] | None:
    """``(view, offsets)`` when ``text`` holds HTML/XML escapes or CDATA markers, else None (nothing to do).
    One pass: an entity that a decoded ``&amp;`` would form (``&amp;quot;``) stays as written; ``]]>``
    is a marker only where a ``<![CDATA[`` is open."""
    # one-character searches first (a two-character one costs ~4x more on non-ASCII text)
    if "&" not in text and "\\" not in text and ("<" not in text or "<![CDATA[" not in text):
        return None  # what most documents cost: one-character searches (memchr) and rarely a longer one
    pieces: list[str] = []
    offsets = OffsetMap()
    at = size = 0  # original offset consumed, view length so far
    cdata = False  # inside <![CDATA[ ... ]]>: only there is ]]> a marker (a[b[i]]>0 is code)
    for m in _MARKUP.finditer(text):
        token = m.group()
        if token == _ESCAPED_BACKSLASH or (token == "]]>" and not cdata):
            continue
        cdata = token == "<![CDATA[" or (cdata and token != "]]>")
        s, e = m.span()
        pieces.append(text[at:s])
        size += s - at
        value = _REPLACEMENTS[token]
        offsets.escaped_quotes = offsets.escaped_quotes or token in ('\\"', "\\'")
        offsets.view.append(size)
        offsets.orig.append(s)
        offsets.spans.append(e - s)
        offsets.lengths.append(len(value))
        pieces.append(value)
        size += len(value)
        at = e
    if not offsets.view:
        return None
    pieces.append(text[at:])
    return "".join(pieces), offsets
