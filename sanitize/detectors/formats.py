"""Credentials in real-world formats: SQL (``IDENTIFIED BY``, ``WITH PASSWORD``, ``CREATE LOGIN``),
connection strings (ADO.NET, ODBC, JDBC, libpq), ``curl -u``, HTTP ``Authorization`` headers,
assignment syntaxes (``::=``, ``:::=``, Go ``:=``, ``System.setProperty``, ``#define``, multi-line
XML, JSON-escaped strings, PowerShell ``ConvertTo-SecureString``), Kubernetes ``Secret`` data,
``.netrc``, ``.pgpass``, docker ``auths``, and short keyword-paired values with an entropy floor.

Each detector has a stable ``secret_type`` (``password`` or ``generic_secret``) and yields the span
of the secret only (never the username or the quotes). Patterns use bounded quantifiers on
disjoint character classes, so each is linear in its window. Hard negatives: :mod:`.hard_negatives`.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import dataclasses
import math
import re
from collections.abc import Callable, Iterator

from .base import Detector, Span, shannon_entropy
from .filters import char_classes, is_code_reference, is_example_key, is_placeholder
from .hard_negatives import is_public_key_name, is_weak_value, key_words

PASSWORD_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "pw", "pswd", "psw", "passphrase", "passcode"}
)
SECRET_WORDS = frozenset({"token", "secret", "apikey", "key", "credential", "credentials", "auth", "bearer",
                          "accesskey", "secretkey", "authtoken", "accesstoken"})  # fmt: skip
_V = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n]{1,200}`|[^\s"'`<;,]{1,200})"""  # quoted or bare
_VQ = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n]{1,200}`)"""  # quoted only
_KEY = r"(?<![\w.-])(?P<key>[A-Za-z_$][\w.-]{0,63})"
_TRAILING = ".,;:)]}'\""
Check = Callable[["re.Match[str]", str, bool], bool]  # (match, value, quoted) -> keep?


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


def value_ok(value: str, *, kind: str, quoted: bool) -> bool:
    """A password (or, for ``kind="secret"``, a random-looking token) rather than a placeholder,
    an operator, markup, a code reference, a filler or encrypted material."""
    if not 3 <= len(value) <= 200 or is_placeholder(value) or is_example_key(value) or is_weak_value(value):
        return False
    if not quoted and (is_code_reference(value) or value.lower() in ("true", "false", "null", "none")):
        return False
    if kind == "secret":
        return (
            len(value) >= 8 and char_classes(value) >= 2 and shannon_entropy(value) >= min_entropy(len(value))
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

    guards: tuple[tuple[str, ...], ...] = ()  # per pattern: lower-case literals, one must be in the window
    context: re.Pattern[str] | None = None  # required within context_reach of the match, if given
    context_reach: int = 200

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        near: list[int] | None = None  # context positions, searched once per window when needed
        low = text[start:end].lower() if self.guards else ""
        for n, pattern in enumerate(self.patterns):
            if self.guards and self.guards[n] and not any(g in low for g in self.guards[n]):
                continue  # C substring tests spare the regex on most windows
            for m in pattern.finditer(text, start, end):
                if self.context is not None:
                    if near is None:
                        lo, hi = max(0, start - self.context_reach), min(len(text), end + self.context_reach)
                        near = [c.start() for c in self.context.finditer(text, lo, hi)]
                    if not _close(near, m.start(), self.context_reach):
                        continue
                s, e = m.span("v")
                quoted = e - s >= 2 and text[s] in "\"'`{" and text[e - 1] == _CLOSING.get(text[s], text[s])
                if quoted:
                    s, e = s + 1, e - 1
                else:
                    while e > s and text[e - 1] in _TRAILING:
                        e -= 1
                key = m.groupdict().get("key")
                kind = self.kind or "password"
                if key is not None and self.kind is not None and key_kind(key) != self.kind:
                    continue
                value = text[s:e]
                if value_ok(value, kind=kind, quoted=quoted) and (
                    self.check is None or self.check(m, value, quoted)
                ):
                    yield s, e, self.confidence


_CLOSING = {"{": "}"}


def _close(positions: list[int], at: int, reach: int) -> bool:
    i = bisect.bisect_left(positions, at - reach)
    return i < len(positions) and positions[i] <= at + reach


def _decoded_user_pass(value: str) -> tuple[str, str] | None:
    """``user:pass`` from base64 ``value`` (both parts printable, the password non-empty)."""
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
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


_CONN_CONTEXT = re.compile(
    r"(?i:jdbc:|odbc|\b(?:server|data source|host|hostaddr|hostname|uid|user id|user|username|database|"
    r"initial catalog|dbname|driver|provider|port|sslmode|dsn|integrated security)[ \t]{0,2}=)"
)


def _curl_command(m: re.Match[str], value: str, quoted: bool) -> bool:
    """``-u user:pass`` belongs to a ``curl`` command on the same (backslash-continued) line."""
    text = m.string
    lo = max(0, m.start() - 400)
    at = text.rfind("curl", lo, m.start())
    if at < 0:
        return False
    between = text[at : m.start()].replace("\\\r\n", " ").replace("\\\n", " ")
    return "\n" not in between and value != m.group("user")


def _bearer_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    if not value.isascii() or (value.isalpha() and value.islower()):
        return False  # "the bearer of this letter", "Bearer tokens"
    return len(value) >= 16 or char_classes(value) >= 2


def _sql_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    return quoted or char_classes(value) >= 2  # Oracle's bare IDENTIFIED BY pw, not prose "by its"


def _xml_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    return m.group("key") == m.group("close")


def _pgpass_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    host = m.group("host")
    return host == "*" or any(c.isalpha() for c in host) or host.count(".") == 3


def _i(p: str) -> re.Pattern[str]:
    return re.compile(p, re.IGNORECASE)


SQL_PASSWORD = PatternDetector(
    "sql-password", "password", keywords=("identified", "password"), before=160, after=260, priority=30,
    kind=None, check=_sql_ok, guards=(("identified",), ("with", "create", "alter")), patterns=(
        _i(r"\bidentified[ \t\r\n]{1,5}by(?:[ \t]{1,5}password)?[ \t\r\n]{1,5}N?" + _V),
        _i(r"\b(?:with[ \t\r\n]{1,5}(?:encrypted[ \t]{1,5}|unencrypted[ \t]{1,5})?password|"
           r"(?:create|alter)[ \t]{1,5}(?:login|user|role)\b[^;\n]{0,120}?\bpassword)[ \t]{0,3}=?[ \t]{0,3}N?" + _VQ),
    ),
)  # fmt: skip
CONNECTION_STRING_PASSWORD = PatternDetector(
    "connection-string-password", "password", keywords=("pwd", "password"), before=8, after=160,
    priority=30, kind=None, context=_CONN_CONTEXT, patterns=(
        _i(r"(?<![\w.-])(?:pwd|password)[ \t]{0,2}=[ \t]{0,2}"
           r"""(?P<v>"[^"\n]{1,128}"|'[^'\n]{1,128}'|\{[^}\n]{1,128}\}|[^;'"\s&{]{1,128})"""),
    ),
)  # fmt: skip
CURL_USER_PASSWORD = PatternDetector(
    "curl-user-password", "password", keywords=("curl",), before=0, after=480, priority=35, kind=None,
    check=_curl_command, patterns=(
        re.compile(r"""(?<![\w-])(?:-u|--user)(?:[ \t]{1,3}|=|(?=[^\s-]))(?P<q>["']?)(?P<user>[^\s:"']{1,64}):"""
                   r"""(?P<v>[^\s"']{1,128})"""),
    ),
)  # fmt: skip
BASIC_AUTH = PatternDetector(
    "basic-auth", "password", keywords=("basic",), before=0, after=540, priority=40, kind=None,
    check=_basic_ok, patterns=(_i(r"\bbasic[ \t]{1,3}(?P<v>[A-Za-z0-9+/]{4,512}={0,2})(?![A-Za-z0-9+/=])"),),
)  # fmt: skip
BEARER_TOKEN = PatternDetector(
    "bearer-token", "generic_secret", keywords=("bearer", "authorization"), before=0, after=2100,
    priority=30, kind="secret", check=_bearer_ok, patterns=(
        _i(r"\bbearer[ \t]{1,3}(?P<v>[A-Za-z0-9._~+/=-]{8,2048})"),
        _i(r"authorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?token[ \t]{1,3}(?P<v>[A-Za-z0-9._~+/=-]{8,2048})"),
    ),
)  # fmt: skip
_ASSIGNMENT_PATTERNS = (
    re.compile(_KEY + r"[\"']?[ \t]{0,3}:{2,3}=[ \t]{0,3}" + _V),  # make ::= / :::=, BNF-ish configs
    re.compile(_KEY + r"[ \t]{0,3}:=[ \t]{0,3}" + _VQ),  # Go
    re.compile(
        r"\b(?:setProperty|Setenv|setenv|putenv|SetEnvironmentVariable|set_var|setdefault)\([ \t]{0,3}"
        r"[\"'](?P<key>[\w.-]{1,64})[\"'][ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    re.compile(r"#[ \t]{0,3}define[ \t]{1,5}(?P<key>[A-Za-z_]\w{0,63})[ \t]{1,5}L?" + _V),
    re.compile(
        r"\\\"(?P<key>[\w.-]{1,64})\\\"[ \t]{0,3}:[ \t]{0,3}\\\"(?P<v>[^\"\\\n]{1,200})\\\""
    ),  # {\"k\": \"v\"}
    re.compile(
        r"(?:\\n|[\"'])(?P<key>[A-Za-z_][\w.]{0,63})=(?P<v>[^\\\s\"']{1,200})(?:\\n|[\"'])"
    ),  # "A=1\nB=2"
)
_ASSIGNMENT_GUARDS = (
    ("::",),
    (":=",),
    ("setproperty", "setenv", "putenv", "setenvironmentvariable", "set_var", "setdefault"),
    ("define",),
    ('\\"',),
    ("\\n",),
)  # what each pattern needs in the window
_XML = re.compile(
    r"<(?P<key>[A-Za-z_][\w.:-]{0,63})(?:[ \t][^<>\n]{0,200})?>[ \t\r\n]{0,200}(?P<v>[^<>\s]{1,200})"
    r"[ \t\r\n]{0,200}</(?P<close>[A-Za-z_][\w.:-]{0,63})>"
)


def _assignment(kind: str, secret_type: str, keywords: tuple[str, ...]) -> PatternDetector:
    return PatternDetector(
        f"assignment-{kind}", secret_type, keywords=keywords, before=96, after=320, priority=30, kind=kind,
        patterns=_ASSIGNMENT_PATTERNS, guards=_ASSIGNMENT_GUARDS,
    )  # fmt: skip


ASSIGNMENT_PASSWORD = _assignment("password", "password", ("pass", "pwd", "psw", "pw"))
ASSIGNMENT_SECRET = _assignment("secret", "generic_secret", ("token", "secret", "key", "auth", "credential"))
XML_PASSWORD = PatternDetector(
    "xml-password", "password", keywords=("pass", "pwd"), before=80, after=700, priority=30,
    check=_xml_ok, patterns=(_XML,), guards=(("</",),),
)  # fmt: skip
XML_SECRET = PatternDetector(
    "xml-secret", "generic_secret", keywords=("token", "secret", "key"), before=80, after=700, priority=30,
    kind="secret", check=_xml_ok, patterns=(_XML,), guards=(("</",),),
)  # fmt: skip
POWERSHELL_SECURESTRING = PatternDetector(
    "powershell-securestring", "password", keywords=("convertto-securestring",), before=80, after=260,
    priority=35, kind=None, patterns=(
        _i(r"ConvertTo-SecureString[ \t]{1,3}(?:-String[ \t]{1,3})?" + _VQ),
    ),
)  # fmt: skip
NETRC_PASSWORD = PatternDetector(
    "netrc-password", "password", keywords=("machine",), before=0, after=900, priority=35, kind=None,
    patterns=(
        re.compile(r"\bmachine[ \t\r\n]{1,10}[^\s]{1,253}(?:[ \t\r\n]{1,10}(?:login|account|port)[ \t\r\n]{1,10}"
                   r"[^\s]{1,128}){0,3}[ \t\r\n]{1,10}password[ \t\r\n]{1,10}(?P<v>[^\s]{1,200})"),
    ),
)  # fmt: skip
PGPASS_PASSWORD = PatternDetector(
    "pgpass-password", "password", trigger=r":(?:[0-9]{2,5}|\*):[^:\s]{1,64}:[^:\s]{1,64}:[^\s]",
    before=256, after=300, priority=35, kind=None, check=_pgpass_ok, patterns=(
        re.compile(r"(?m:^)[ \t]{0,8}(?P<host>[A-Za-z0-9_.*\[\]-]{1,253}):(?:[0-9]{2,5}|\*):[^:\s]{1,128}:"
                   r"[^:\s]{1,128}:(?P<v>(?:\\:|[^\s:\\]){1,200})[ \t]{0,8}(?m:$)"),
    ),
)  # fmt: skip
DOCKER_AUTH = PatternDetector(
    "docker-auth", "password", keywords=('"auth"',), before=0, after=1100, priority=40, kind=None,
    check=_basic_ok, patterns=(re.compile(r"\"auth\"[ \t]{0,3}:[ \t]{0,3}\"(?P<v>[A-Za-z0-9+/]{4,1024}={0,2})\""),),
)  # fmt: skip
_SHORT_VALUE = re.compile(
    r"""["']?[ \t]{0,3}(?:::=|:=|=>|=|:)[ \t]{0,3}"""
    r"""(?P<v>"[^"\n]{4,15}"|'[^'\n]{4,15}'|[^\s"'`<;,(){}\[\]]{4,15})(?![^\s"'`<;,(){}\[\]])"""
)
_IDENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


def _short_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A short value must look random: two character classes, entropy above the length's floor."""
    return (
        char_classes(value) >= 2 and shannon_entropy(value) >= min_entropy(len(value)) and not value.isdigit()
    )


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ShortKeyedDetector(PatternDetector):
    """``token: a8Kx2mQ9``, ``PSWD:=Kp9#x2Lm``: the identifier around each keyword, then one
    anchored match of an operator and a 4-15 character value (no scan of the whole window)."""

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        low = text[start:end].lower()
        done: set[int] = set()  # identifiers (by start) already looked at
        for kw in self.keywords:
            at = low.find(kw)
            while at >= 0:
                i, j = _identifier(text, start + at, start + at + len(kw))
                at = low.find(kw, at + 1)
                if i in done:
                    continue
                done.add(i)
                m = _SHORT_VALUE.match(text, j, end)  # cheapest test first: most keywords have no value
                if m is None:
                    continue
                s, e = m.span("v")
                quoted = text[s] in "\"'" and text[e - 1] == text[s]
                if quoted:
                    s, e = s + 1, e - 1
                while e > s and text[e - 1] in _TRAILING:
                    e -= 1
                value = text[s:e]
                if len(value) < 4 or not _short_ok(m, value, quoted) or key_kind(text[i:j]) != self.kind:
                    continue
                if value_ok(value, kind="password", quoted=quoted):
                    yield s, e, self.confidence


def _identifier(text: str, s: int, e: int, reach: int = 64) -> tuple[int, int]:
    head, tail = text[max(0, s - reach) : s], text[e : e + reach]
    return s - len(head) + len(head.rstrip(_IDENT)), e + len(tail) - len(tail.lstrip(_IDENT))


SHORT_PASSWORD = ShortKeyedDetector(
    "short-password", "password", keywords=("pswd", "psw", "pwd", "passwd", "pass"), before=64, after=96,
    priority=25, confidence=0.8,
)  # fmt: skip
SHORT_SECRET = ShortKeyedDetector(
    "short-secret", "generic_secret", keywords=("token", "secret", "apikey", "api_key", "api-key"), before=64,
    after=96, priority=25, kind="secret", confidence=0.75,
)  # fmt: skip
_K8S_KIND = re.compile(r"""\bkind:[ \t]{0,3}["']?Secret\b""")
_K8S_ENTRY = re.compile(
    r"""(?m:^)(?P<indent>[ \t]{1,16})(?P<key>[\w.-]{1,253}):[ \t]{1,3}["']?(?P<v>[A-Za-z0-9+/]{4,8192}={0,2})["']?[ \t]{0,8}\r?(?m:$)"""
)
_K8S_PUBLIC_KEYS = frozenset({"username", "user", "host", "hostname", "port", "database", "db", "url", "endpoint",
                              "namespace", "region", "ca.crt", "tls.crt", "email"})  # fmt: skip
K8S_REACH = 4000  # how far from ``data:`` the ``kind: Secret`` line may be


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class KubernetesSecretDetector(Detector):
    """Base64 values under ``data:`` of a ``kind: Secret`` manifest, decoded and checked; the span
    is the base64 value. ``kind``: which keys this instance reports (password keys, or the rest)."""

    kind: str = "password"

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        at = text.find("data:", start, end)
        if at < 0:
            return
        kinds: list[int] | None = None  # `kind: Secret` positions, searched once, when first needed
        while at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            head, tail = text[line_start:at], text[at + 5 : line_end]
            if not head.strip() and not tail.strip():
                if kinds is None:
                    lo, hi = max(0, start - K8S_REACH), min(len(text), end + K8S_REACH)
                    kinds = [m.start() for m in _K8S_KIND.finditer(text, lo, hi)]
                if not _close(kinds, at, K8S_REACH):
                    at = text.find("data:", at + 5, end)
                    continue
                yield from self._entries(text, line_end + 1, len(head.expandtabs()))
            at = text.find("data:", at + 5, end)

    def _entries(self, text: str, pos: int, indent: int) -> Iterator[Span]:
        while pos < len(text):
            m = _K8S_ENTRY.match(text, pos)
            if m is None or len(m.group("indent").expandtabs()) <= indent:
                return
            pos = m.end() + 1
            key = m.group("key")
            if key.lower() in _K8S_PUBLIC_KEYS or is_public_key_name(key):
                continue
            if (key_kind(key) == "password") != (self.kind == "password"):
                continue
            decoded = _b64_text(m.group("v"))
            if decoded is not None and value_ok(decoded.strip(), kind="password", quoted=True):
                yield m.start("v"), m.end("v"), 0.9


def _b64_text(value: str) -> str | None:
    try:
        raw = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return raw if raw.strip().isprintable() or "-----BEGIN" in raw else None


K8S_SECRET_PASSWORD = KubernetesSecretDetector(
    "k8s-secret-password", "password", keywords=("data:",), before=0, after=8400, priority=40, kind="password"
)
K8S_SECRET_DATA = KubernetesSecretDetector(
    "k8s-secret-data", "generic_secret", keywords=("data:",), before=0, after=8400, priority=40, kind="secret"
)

DETECTORS: tuple[Detector, ...] = (
    SQL_PASSWORD, CONNECTION_STRING_PASSWORD, CURL_USER_PASSWORD, BASIC_AUTH, BEARER_TOKEN,
    ASSIGNMENT_PASSWORD, ASSIGNMENT_SECRET, XML_PASSWORD, XML_SECRET, POWERSHELL_SECURESTRING,
    NETRC_PASSWORD, PGPASS_PASSWORD, DOCKER_AUTH, K8S_SECRET_PASSWORD, K8S_SECRET_DATA, SHORT_PASSWORD,
    SHORT_SECRET,
)  # fmt: skip


def all_detectors() -> list[Detector]:
    """Every format detector, for the registry."""
    return list(DETECTORS)
