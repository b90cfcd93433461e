"""Passwords in context: assignments in config/code/.env/YAML/JSON/XML, prose and chat
("my password is ..."), CLI flags (``--password=...``, ``mysql -p...``), connection strings
(``Password=...;``) and ``scheme://user:pass@host`` URLs. The span is the value only."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span
from .filters import is_code_reference, is_placeholder, is_word

# one identifier around a keyword hit, e.g. DB_PASSWORD, db.password, --password, dbPassword
_KEYWORD = re.compile(r"(?i:pass|pwd|pw)")
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_COMPONENTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
PASSWORD_WORDS = frozenset(
    {"password", "passwd", "passphrase", "pwd", "pass", "pw", "passcode", "passwort", "pword"}
)
_AFTER_KEY = re.compile(
    r"""["'`\]]{0,2}(?:
      [ \t]{0,3}(?::[ \t]{1,2}(?:str|bytes|Optional\[str\]|SecretStr|String|string)[ \t]{1,2}(?==))?(?P<op>=>|->|:=|==|=|:|>|\()[ \t]{0,3}
    | (?P<prose>(?:[ \t][^\n]{0,48}?)??(?:[ \t](?:is|was|to)\b(?:[ \t]?:)?|[ \t]?[:=]|[ \t]-))[ \t]{1,3}
    | (?P<space>[ \t]{1,3})
    )(?:"(?P<dq>[^"\n]{1,200})"|'(?P<sq>[^'\n]{1,200})'|`(?P<bq>[^`\n]{1,200})`|(?P<bare>[^\s"'`<;]{1,200}))""",
    re.VERBOSE,
)
_SHORT_FLAG = re.compile(
    r"(?<![\w-])-p(?:[ \t]{1,3}|(?=[^\s-]))(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|(?P<bare>[^\s\"'`;|&]{1,200}))"
)
_SHORT_FLAG_CONTEXT = re.compile(r"(?i:mysql|mysqladmin|mysqldump|mariadb|sshpass|smbclient|\s-u\s?\S)")
_URL_PASSWORD = re.compile(
    r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@?#\"'<>]{0,128}:([^\s@/?#\"'<>]{1,128})@(?=[\w.\[-])"
)
_STOPWORDS = frozenset(
    ["a", "an", "the", "is", "was", "are", "be", "been", "being", "it", "its", "this", "that", "these", "those", "to", "of", "for", "in", "on", "at", "by", "with", "and", "or", "not", "no", "yes", "your", "my", "our", "his", "her", "their", "you", "we", "they", "he", "she", "i", "me", "us", "must", "should", "will", "would", "can", "could", "may", "might", "has", "have", "had", "do", "does", "did", "set", "reset", "see", "use", "used", "using", "enter", "entered", "type", "typed", "same", "different", "below", "above", "here", "there", "field", "fields", "value", "prompt", "prompted", "changed", "updated", "incorrect", "wrong", "invalid", "expired", "missing", "required", "optional", "protected", "hidden", "masked", "stored", "hashed", "encrypted", "manager", "policy", "length", "characters", "chars", "strong", "weak", "secure", "insecure", "login", "authentication", "username", "user", "email", "again", "instead", "too", "also", "only", "just", "still", "now", "then", "when", "if", "because", "forgotten", "forgot", "lost", "sent", "sharing", "shared"]
)  # fmt: skip
_TRAILING = ".,;:)]}'\""


_SEPARATORS = re.compile(r"[_.\-]+")
_LONG_WORDS = ("password", "passwd", "passphrase", "passcode", "passwort")
SHORT_PASSWORD_WORDS = frozenset({"pass", "pw", "pwd"})


def is_password_key(identifier: str) -> bool:
    """DB_PASSWORD, PGPASSWORD, db.password, --password, dbPassword, pass: a component is (or, for
    the long words, contains) a password word; "compass" or "passport" are not keys."""
    low = identifier.lower()
    if any(w in low for w in _LONG_WORDS):
        return True
    return any(part in SHORT_PASSWORD_WORDS for part in _SEPARATORS.split(low))


def password_value_ok(value: str, *, quoted: bool, prose: bool) -> bool:
    """Whether ``value`` (what follows a password key) is a password rather than a placeholder,
    a code reference, an English word or nothing."""
    if not 3 <= len(value) <= 128 or is_placeholder(value) or "://" in value:
        return False
    if quoted:
        return True
    low = value.lower()
    if low in _STOPWORDS or (is_code_reference(value) and not any(c.isdigit() for c in value)):
        return False
    return not (prose and is_word(value))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PasswordDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        yield from self._keyed(text, start, end)
        yield from self._urls(text, start, end)
        yield from self._short_flags(text, start, end)

    def _keyed(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start  # end of the last value found: keys inside it are not looked at
        for kw in _KEYWORD.finditer(text, start, end):
            if kw.start() < pos:
                continue
            i, j = kw.start(), kw.end()
            while i > 0 and kw.start() - i < 64 and text[i - 1] in _IDENT_CHARS:
                i -= 1
            while j < len(text) and j - kw.end() < 64 and text[j] in _IDENT_CHARS:
                j += 1
            ident = text[i:j]
            if not is_password_key(ident):
                continue
            m = _AFTER_KEY.match(text, j, end)
            if m is None:
                continue
            short = ident.lower() in SHORT_PASSWORD_WORDS
            if m.group("space") is not None and not (ident.startswith("-") or short):
                continue  # "password VALUE" only for CLI flags (--password VALUE) and "pass VALUE"
            if m.group("op") == "(" and m.group("bare") is not None:
                continue  # check_password(user_input): a call, not a literal
            name = next(g for g in ("dq", "sq", "bq", "bare") if m.group(g) is not None)
            s, e = m.span(name)
            if name == "bare":
                if i > 0 and text[i - 1] in "?&":
                    amp = text.find("&", s, e)
                    e = amp if amp >= 0 else e
                while e > s and text[e - 1] in _TRAILING:
                    e -= 1
            value = text[s:e]
            prose = m.group("prose") is not None or (short and m.group("space") is not None)
            if password_value_ok(value, quoted=name != "bare", prose=prose):
                pos = e
                yield s, e, 0.9

    def _urls(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _URL_PASSWORD.finditer(text, start, end):
            s, e = m.span(1)
            if not is_placeholder(text[s:e]) and text[s:e].lower() not in PASSWORD_WORDS:
                yield s, e, 0.95

    def _short_flags(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _SHORT_FLAG.finditer(text, start, end):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if not _SHORT_FLAG_CONTEXT.search(text, line_start, m.start()):
                continue
            name = next(g for g in ("dq", "sq", "bare") if m.group(g) is not None)
            s, e = m.span(name)
            if password_value_ok(text[s:e], quoted=name != "bare", prose=False):
                yield s, e, 0.85


PASSWORD = PasswordDetector(
    "password", "password",
    keywords=("pass", "pwd", "pw", "-p"),
    trigger=r"://[^\s:/@]*:[^\s@/]+@",
    before=64, after=320, priority=20,
)  # fmt: skip

DETECTORS = (PASSWORD,)
