"""The shared parts of the format detectors (:mod:`.formats`, :mod:`.positional`, :mod:`.keyed_values`): which key
names are credentials (:func:`key_kind`), the entropy floor per length (:func:`min_entropy`), what
makes a value a secret (:func:`value_ok`), and :class:`PatternDetector` (regexes with a value group,
keyword guards and an optional context, quotes stripped from the span)."""

from __future__ import annotations

import base64
import binascii
import bisect
import dataclasses
import functools
import math
import re
from collections.abc import Callable, Iterator

from .base import Detector, Span, shannon_entropy
from .filters import (
    char_classes,
    escape_end,
    is_code_reference,
    is_entry_point,
    is_example_key,
    is_placeholder,
)
from .hard_negatives import is_code_identifier, is_public_key_name, is_weak_value, key_words

PASSWORD_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "pw", "pswd", "psw", "passphrase", "passcode", "authtok"}
)  # authtok: sssd's ldap_default_authtok
SECRET_WORDS = frozenset({"token", "secret", "apikey", "key", "credential", "credentials", "auth", "bearer",
                          "accesskey", "secretkey", "authtoken", "accesstoken"})  # fmt: skip
# the keywords that open a window for a key of each kind (key_kind then judges the whole key)
KEY_KEYWORDS = {
    "password": ("pass", "pwd", "psw", "pw", "authtok"),
    "secret": ("token", "secret", "key", "auth", "credential"),
}
_V = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n]{1,200}`|[^\s"'`<;,]{1,200})"""  # quoted or bare
_VQ = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n]{1,200}`)"""  # quoted only
_KEY = r"(?<![\w.-])(?P<key>[A-Za-z_$][\w.-]{0,63})"
_TRAILING = ".,;:)]}'\""
Check = Callable[["re.Match[str]", str, bool], bool]  # (match, value, quoted) -> keep?


@functools.lru_cache(maxsize=4096)  # pure; a flood repeats one identifier
def key_kind(identifier: str) -> str | None:
    """``password`` (DB_PASSWORD, PSWD, dbPass), ``secret`` (API_TOKEN, xToken, client_secret) or
    None (not a credential name, or one that is public by design: primaryKey, csrf-token...)."""
    if not identifier or is_public_key_name(identifier):
        return None
    words = key_words(identifier)
    low = identifier.lower()
    if not PASSWORD_WORDS.isdisjoint(words) or "password" in low or "passwd" in low:
        return "password"
    if not SECRET_WORDS.isdisjoint(words) or any(w in low for w in ("token", "secret", "apikey")):
        return "secret"
    return None


def min_entropy(n: int) -> float:
    """Entropy floor for an ``n``-character value: 80% of the most ``n`` distinct characters can
    have (log2 n), capped at 3.0 bits: 6 -> 2.07, 8 -> 2.4, 12 -> 2.87, 16+ -> 3.0."""
    return min(3.0, 0.8 * math.log2(max(n, 2)))


@functools.lru_cache(maxsize=4096)  # a flood repeats one value: judge it once
def value_ok(value: str, *, kind: str, quoted: bool, code: bool = True) -> bool:
    """A password (or, for ``kind="secret"``, a random-looking token) rather than a placeholder,
    an operator, markup, a code reference (unless ``code`` is False: a table cell is data, so
    ``Bo3C.HaXT0x2U`` there is no attribute access), a filler or encrypted material."""
    if not 3 <= len(value) <= 200 or is_placeholder(value) or is_example_key(value) or is_weak_value(value):
        return False
    if is_entry_point(value):
        return False  # "IPython.core.magics.osm:OSMagics": an object named by its module, quoted or not
    if not quoted and (
        (code and is_code_reference(value)) or value.lower() in ("true", "false", "null", "none")
    ):
        return False
    if kind == "secret":
        return (
            len(value) >= 8
            and char_classes(value) >= 2
            and shannon_entropy(value) >= min_entropy(len(value))
            and not is_code_identifier(
                value
            )  # PKCS8_PRIV_KEY_INFO = pkcs8_priv_key_info_st: a name, not a token
        )
    return True


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PatternDetector(Detector):
    """Patterns with a value group ``v`` (quotes included, stripped here) and optionally ``key``;
    ``kind`` says which keys count (``password``/``secret``; None: any), ``check`` adds a test."""

    patterns: tuple[re.Pattern[str], ...] = ()
    kind: str | None = "password"
    check: Check | None = None
    confidence: float = 0.9

    # per pattern: literals one of which must be in the window (lower-case when the pattern ignores
    # case: then they are looked for in the lower-cased window, otherwise in the text as it is)
    context: re.Pattern[str] | None = None  # required within context_reach of the match, if given
    context_reach: int = 200

    guards: tuple[tuple[str, ...], ...] = ()
    literal: bool = False  # never code (curl -u, .pgpass, .netrc, YAML blocks): no code-reference test
    # False: the value is data (XML element text), so `Fj8Wnd.Yfkdq7bR_` there is no attribute access
    code: bool = True
    delimited: bool = False  # a bare value ended by ";" keeps its trailing punctuation (connection strings)
    # per pattern: lower-case literals one of which every match starts with (() for none): the
    # pattern is then tried only where one is (str.find in C), not at every position of the window
    anchors: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def _any_guard(self) -> re.Pattern[str] | None:
        """One search for every pattern's guards, when each pattern has guards and heeds case."""
        if not self.patterns or len(self.guards) != len(self.patterns) or not all(self.guards):
            return None
        if any(p.flags & _IGNORECASE for p in self.patterns):
            return None
        return re.compile("|".join(re.escape(g) for guards in self.guards for g in guards))

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        if self._any_guard is not None and self._any_guard.search(text, start, end) is None:
            return  # no pattern can match: one C search instead of a test per guard
        reach = self.context_reach
        low: str | None = None  # the lower-cased window, made once when a guard needs it
        at: list[str | None] = []  # the window lower-cased with its offsets kept, made once if anchored
        for n, pattern in enumerate(self.patterns):
            guards = self.guards[n] if self.guards else ()
            if guards:  # C substring tests spare the regex on most windows
                if pattern.flags & _IGNORECASE:
                    low = text[start:end].lower() if low is None else low
                    if not any(g in low for g in guards):
                        continue
                elif not any(text.find(g, start, end) >= 0 for g in guards):
                    continue
            seen, searched = -1, 0  # the last context position found; where the search may resume
            anchors = self.anchors[n] if self.anchors else ()
            if anchors and not at:
                at.append(_offset_lower(text[start:end]))
            lowered = at[0] if anchors else None
            matches = (
                pattern.finditer(text, start, end)
                if lowered is None
                else _anchored(pattern, anchors, text, start, end, lowered)
            )
            for m in matches:
                if self.context is not None:
                    # around this match only, resuming after the last context found (a flood of
                    # matches searches each stretch of text about once, not the whole window)
                    lo, hi = max(0, m.start() - reach), min(len(text), m.start() + reach)
                    if not (lo <= seen <= hi):
                        c = self.context.search(text, max(lo, searched), hi)
                        searched = hi if c is None else c.start() + 1
                        seen = -1 if c is None else c.start()
                    if not lo <= seen <= hi:
                        continue
                s, e = m.span("v")
                quoted = e - s >= 2 and text[s] in "\"'`{" and text[e - 1] == _CLOSING.get(text[s], text[s])
                if quoted:
                    s, e = s + 1, e - 1
                # trailing punctuation stays in a quoted value and before ";" or "," in a delimited one ("Pwd=ab.;",
                # "password=ab.,vers=3.0": a delimited value ends at "," only where the next option starts)
                keep = quoted or (self.delimited and text.startswith((";", ","), e))
                e = escape_end(text, s, e)  # a JSON-escaped line break ends the value
                while not keep and e > s and text[e - 1] in _TRAILING:
                    e -= 1
                key = m.groupdict().get("key")
                kind = self.kind or "password"
                if key is not None and self.kind is not None and key_kind(key) != self.kind:
                    continue
                value = text[s:e]
                if quoted and text[s - 1] == "{" and _FIELD.fullmatch(value):
                    continue  # f"token={record.token}": a template's field, filled in later
                if value_ok(value, kind=kind, quoted=quoted or self.literal, code=self.code) and (
                    self.check is None or self.check(m, value, quoted)
                ):
                    yield s, e, self.confidence


_CLOSING = {"{": "}"}
# a template's field (an ODBC value in braces, Pwd={Xk9v.Q2mLp8}, has capitals or digits)
_FIELD = re.compile(
    r"[a-z_][a-z_]{0,40}(?:\.[a-z_][a-z0-9_]{0,40}){1,6}(?:\(\))?"
)  # record.token, self.cfg.pw()
# the only non-ASCII characters that (?i) matches to an ASCII letter (see entropy.keyword_spans)
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def _offset_lower(window: str) -> str | None:
    """``window`` with its ASCII letters lower-cased (every offset kept), or None when it holds a
    character that a case-insensitive pattern matches to an ASCII letter (then scan it whole)."""
    if window.isascii():
        return window.lower()
    if any(c in window for c in _FOLDS_TO_ASCII):
        return None
    return window.encode("utf-8").lower().decode("utf-8")


def _anchored(
    pattern: re.Pattern[str], anchors: tuple[str, ...], text: str, start: int, end: int, low: str
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)`` when every match starts with one of ``anchors``
    (found in ``low``, the lower-cased window): the same matches, tried at those places only."""
    places = set()
    for a in anchors:
        p = low.find(a)
        while p >= 0:
            places.add(p)
            p = low.find(a, p + 1)
    done = start  # non-overlapping, as finditer
    for p in sorted(places):
        if start + p < done:
            continue
        m = pattern.match(text, start + p, end)
        if m is not None:
            done = max(m.end(), start + p + 1)
            yield m


_IGNORECASE = int(re.IGNORECASE)  # an int: enum arithmetic per window is measurable


def _close(positions: list[int], at: int, reach: int) -> bool:
    i = bisect.bisect_left(positions, at - reach)
    return i < len(positions) and positions[i] <= at + reach


def decoded_base64(value: str) -> str | None:
    """The UTF-8 text base64 ``value`` encodes (its padding may be missing), or None."""
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _decoded_user_pass(value: str) -> tuple[str, str] | None:
    """``user:pass`` from base64 ``value`` (both parts printable, the password non-empty)."""
    raw = decoded_base64(value)
    if raw is None:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not password or not raw.isprintable() or len(user) > 128:
        return None
    return user, password


def _basic_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    pair = _decoded_user_pass(value)
    return (
        pair is not None and value_ok(pair[1], kind="password", quoted=True) and not is_placeholder(pair[0])
    )


def _i(p: str) -> re.Pattern[str]:
    return re.compile(p, re.IGNORECASE)
