"""Keyed values without a full assignment grammar: short keyword-paired values (``token: a8Kx2mQ9``, ``PSWD:=Kp9#x2Lm``)
with an entropy floor per length, Kubernetes ``Secret`` manifests whose base64 ``data:`` values are decoded and
checked, and YAML block scalars of one line (``password: |`` with the value indented on the next line)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span, shannon_entropy
from .code_values import in_code
from .filters import (
    IDENT_CHARS,
    NEXT_FIELD,
    char_classes,
    escape_end,
    in_arn,
    in_variable_expansion,
    is_float_literal,
    is_word,
)
from .format_base import (
    _TRAILING,
    KEY_KEYWORDS,
    Check,
    PatternDetector,
    _basic_ok,
    _close,
    key_kind,
    min_entropy,
    value_ok,
)
from .hard_negatives import (
    PROSE,
    WORDY,
    is_code_identifier,
    is_public_key_name,
    is_unpacked_target,
    key_words,
    pair_value_start,
)

_SHORT_VALUE = re.compile(
    r"""["']?\]?[ \t]{0,3}(?:::=|:=|=>|=|:)[ \t]{0,3}(?:!!str[ \t]{1,3})?"""  # cfg["secret"] = ; YAML's string tag
    r"""(?P<v>"[^"\n]{4,15}"|'[^'\n]{4,15}'|[^\s"'`<;,(){}\[\]]{4,15})"""
    r"""(?![^\s"'`<;,(){}\[\]&]|&(?![A-Za-z_][\w.-]{0,40}=))"""  # "&name=" ends it: ?api_key=V&format=json
)
# after a keyword: the rest of its identifier (at most 64 characters of IDENT_CHARS), then
# _SHORT_VALUE (an identifier character cannot start an operator: no other split can match)
_SHORT_AFTER = re.compile("(?P<rest>[A-Za-z0-9_.-]{0,64})" + _SHORT_VALUE.pattern)


def _short_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A short value must look random: two character classes, entropy above the length's floor, not
    an identifier, not a function being called (``get_password()``)."""
    after = m.string[m.end("v") : m.end("v") + 1]
    return (
        char_classes(value) >= 2
        and shannon_entropy(value) >= min_entropy(len(value))
        and not value.replace("_", "").isdigit()  # 12_048: a number
        and value[0] not in "=<>~!"  # tokenizers==0.9.4: a version constraint
        and not is_float_literal(value)  # firstPass = 0.95: a setting
        and WORDY.fullmatch(value) is None
        and PROSE.fullmatch(value) is None  # "end of template"
        and not is_code_identifier(value)  # Sam2VideoInferenceSession(, vision_feats
        and after != "("
        and not NEXT_FIELD.match(value)
    )


# a name and a number (acct_001, svc-2024, media/2024, v2): an identifier, not a random token (a password may
# well look like this: admin123 -- only the secret kind drops it)
_NAME = (
    r"(?:[a-z]{1,12}|[A-Z]{1,12}|[A-Z][a-z]{1,11})"  # one case or capitalised: a word (KLYQhWfq88 is no name)
)
_NAME_AND_NUMBER = re.compile(rf"{_NAME}[_./-]?[0-9]{{1,6}}|[0-9]{{1,6}}[_./-]?{_NAME}")
# "key" alone names many things (a cache entry, a sort order, a map's key): a short value under a key
# name counts only where a word makes it a secret key (encryption_key, hmacKey, MASTER_KEY, access_key)
_KEY_QUALIFIERS = frozenset(
    {"encryption", "encrypt", "decryption", "crypt", "crypto", "cipher", "signing", "sign", "hmac", "aes", "master",
     "private", "priv", "api", "access", "client", "app", "session", "jwt", "license", "licence", "shared", "psk",
     "totp", "otp", "webhook", "admin", "root", "storage", "account", "service", "subscription", "consumer"}
)  # fmt: skip


def _qualified_key(identifier: str) -> bool:
    words = key_words(identifier)
    return "key" in words and not _KEY_QUALIFIERS.isdisjoint(words)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ShortKeyedDetector(PatternDetector):
    """``token: a8Kx2mQ9``, ``PSWD:=Kp9#x2Lm``: the identifier around each keyword, then one
    anchored match of an operator and a 4-15 character value (no scan of the whole window)."""

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        window = text[start:end]  # ASCII letters lower-cased, every offset kept (str.lower() may lengthen)
        low = window.lower() if window.isascii() else window.encode("utf-8").lower().decode("utf-8")
        done: set[int] = set()  # identifiers (by end) already looked at
        rejected: set[tuple[str, bool, str]] = set()  # values judged no secret (a flood repeats one)
        for kw in self.keywords:
            at = low.find(kw)
            while at >= 0:
                ks = start + at
                at = low.find(kw, at + 1)
                # the rest of the identifier, the operator and the value in one anchored match
                # (cheapest test first: most keywords have no value)
                m = _SHORT_AFTER.match(text, ks + len(kw), end)
                if m is None:
                    continue
                j = m.end("rest")
                if j in done:
                    continue
                done.add(j)
                s, e = m.span("v")
                quoted = text[s] in "\"'" and text[e - 1] == text[s]
                if quoted:
                    s, e = s + 1, e - 1
                e = escape_end(text, s, e)  # a JSON-escaped line break ends the value
                while not quoted and e > s and text[e - 1] in _TRAILING:  # '"{password}"' keeps its '}'
                    e -= 1
                head = text[max(0, ks - 64) : ks]  # the identifier's start: at most 64 IDENT_CHARS back
                i = ks - len(head) + len(head.rstrip(IDENT_CHARS))
                # `${DB_PASSWORD:-v}`: env-default's; `user, pwd = 'bob', 'V'`: 'bob' is not the password's value
                if in_variable_expansion(text, i) or in_arn(text, i) or is_unpacked_target(text, i, quoted):
                    continue
                # user/pass: bob/VALUE, credentials: bob:VALUE -- the username is no part of the secret
                s += pair_value_start(text, i, text[s:e], text[i:j])
                value = text[s:e]
                judged = (value, quoted, text[m.end("v") : m.end("v") + 1])
                if judged in rejected:
                    continue
                if (
                    len(value) < (6 if self.kind == "secret" else 4)
                    or (self.kind == "secret" and value[-1] in "_-")  # a prefix: "ghp_" + "..."
                    or (self.kind == "secret" and _NAME_AND_NUMBER.fullmatch(value))  # acct_001, svc-2024
                    or value == text[i:j]  # _token=_token, _secrets_dir=_secrets_dir: a name passed on
                    or not _short_ok(m, value, quoted)
                    or not value_ok(value, kind="password", quoted=quoted)
                ):
                    rejected.add(judged)
                    continue
                keyed = key_kind(text[i:j]) == self.kind and (kw != "key" or _qualified_key(text[i:j]))
                if keyed and not in_code(text, i, j, s, e, quoted):  # last: `<token>`, XXH3_kSecret, a + b
                    yield s, e, self.confidence


# what _SHORT_AFTER asks for, without its groups (the scanner's test before opening a window)
_SHORT_FOLLOW = re.compile("[A-Za-z0-9_.-]{0,64}" + _SHORT_VALUE.pattern.replace("(?P<v>", "(?:"))
SHORT_PASSWORD = ShortKeyedDetector(
    "short-password", "password", keywords=("pswd", "psw", "pwd", "passwd", "pass", "authtok"), before=64, after=96,
    priority=25, confidence=0.8, follow=_SHORT_FOLLOW,
)  # fmt: skip
SHORT_SECRET = ShortKeyedDetector(
    "short-secret", "generic_secret", keywords=("token", "secret", "apikey", "api_key", "api-key", "credential", "key"),
    before=64, after=96, priority=25, kind="secret", confidence=0.75, follow=_SHORT_FOLLOW,
)  # fmt: skip
_K8S_KIND = re.compile(r"""\bkind:[ \t]{0,3}["']?Secret\b""")
_K8S_ENTRY = re.compile(
    r"""(?m:^)(?P<indent>[ \t]{1,16})(?P<key>[\w.-]{1,253}):[ \t]{1,3}["']?(?P<v>[A-Za-z0-9+/]{4,8192}={0,2})["']?[ \t]{0,8}\r?(?m:$)"""
)
_K8S_PUBLIC_KEYS = frozenset({"username", "user", "host", "hostname", "port", "database", "db", "url", "endpoint",
                              "namespace", "region", "ca.crt", "tls.crt", "email"})  # fmt: skip
_LINE = 80  # the most characters around `data:` on its line (indentation, trailing blanks)
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
            # a `data:` line is short: look for its ends nearby only (a long line is not linear otherwise)
            line_start = text.rfind("\n", max(0, at - _LINE), at) + 1
            line_end = text.find("\n", at, at + _LINE)
            line_end = len(text) if line_end < 0 and len(text) - at <= _LINE else line_end
            if (line_start == 0 and at > _LINE) or line_end < 0:
                at = text.find("data:", at + 5, end)
                continue
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

# YAML block scalars holding one line: `password: |` (or `>-`, `|2+`, ...) then the value indented below
_BLOCK_HEADER = r"[ \t]{0,3}:[ \t]{1,3}[|>][+-]?[1-9]?[+-]?[ \t]{0,8}\r?\n"
_YAML_BLOCK = re.compile(
    r"(?<![\w.-])(?P<key>[A-Za-z_][\w.-]{0,63})"
    + _BLOCK_HEADER
    + r"(?P<ind>[ \t]{1,64})(?P<v>\S{1,200})[ \t]{0,8}(?![^\r\n])"
)


_NEXT_LINE = re.compile(r"\r?\n([ \t]{0,64})(\S?)")  # the line after a block's first: its indent


def _indent(text: str, at: int) -> int:
    """Columns of blanks (and ``- `` list markers) before ``at`` on its line."""
    head = text[text.rfind("\n", 0, at) + 1 : at]
    return len(head.expandtabs()) if not head.replace("-", " ").strip() else -1


def _block_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """The value is indented under its key and is the block's only line (a multi-line block is a
    certificate or a script, left to the detectors of those)."""
    text, key_indent = m.string, _indent(m.string, m.start("key"))
    ind = len(m.group("ind").expandtabs())
    nxt = _NEXT_LINE.match(text, m.end(), m.end() + 66)
    more = nxt is not None and nxt.group(2) != "" and len(nxt.group(1).expandtabs()) >= ind
    return 0 <= key_indent < ind and not more


def _yaml_block(kind: str, secret_type: str, keywords: tuple[str, ...]) -> PatternDetector:
    return PatternDetector(
        f"yaml-block-{kind}", secret_type, keywords=keywords, before=64, after=300, priority=30, kind=kind,
        check=_block_ok, patterns=(_YAML_BLOCK,), guards=(("|", ">"),),
        literal=True,  # a block scalar is a string: `Bo3C.HaXT0x2U` there is no attribute access
        follow=re.compile(r"[\w.-]{0,64}" + _BLOCK_HEADER),
    )  # fmt: skip


YAML_BLOCK_PASSWORD = _yaml_block("password", "password", KEY_KEYWORDS["password"])
YAML_BLOCK_SECRET = _yaml_block("secret", "generic_secret", KEY_KEYWORDS["secret"])

# `password: !!binary S3E3...`: YAML's binary tag, the value base64; decoded, it must be a password (a secret).
# The block form `!!binary |` puts the base64 on the next, deeper-indented line (one line: 57 bytes decoded)
_YAML_BINARY = re.compile(
    r"(?<![\w.-])(?P<key>[A-Za-z_][\w.-]{0,63})[\"']?[ \t]{0,3}:[ \t]{1,3}!!binary"
    r"(?:[ \t]{1,3}|[ \t]{0,3}[|>][-+]?[ \t]{0,8}\r?\n[ \t]{1,16})"
    r"(?P<v>[A-Za-z0-9+/]{4,400}={0,2})(?![\w+/=])"
)


def _binary_ok(kind: str) -> Check:
    def ok(m: re.Match[str], value: str, quoted: bool) -> bool:
        decoded = _b64_text(value)
        return decoded is not None and value_ok(decoded.strip(), kind=kind, quoted=True)

    return ok


YAML_BINARY_PASSWORD, YAML_BINARY_SECRET = (
    PatternDetector(
        f"yaml-binary-{kind}", secret_type, keywords=("!!binary",), before=80, after=420, priority=30, kind=kind,
        check=_binary_ok(kind), patterns=(_YAML_BINARY,), literal=True,
    )
    for kind, secret_type in (("password", "password"), ("secret", "generic_secret"))
)  # fmt: skip


# -- session cookies (Cookie/Set-Cookie, curl -b, document.cookie): PHPSESSID, JSESSIONID, connect.sid -----
_SESSION_VALUE = r"[A-Za-z0-9%._:=-]{16,512}"  # cookie-safe characters; no '/' (a path is not an id)
# the cookie's name ends with the keyword (PHPSESSID, laravel_session); a value longer than 512 is cut there
_SESSION = re.compile(
    rf"(?i:sess(?:ion)?(?:[_.-]?id)?|\.sid)[ \t]{{0,2}}=[ \t]{{0,2}}(?P<v>\"{_SESSION_VALUE}\"|{_SESSION_VALUE})"
)


def _session_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Random-looking: two character classes, the entropy floor of its length, not a number or a name."""
    return (
        char_classes(value) >= 2
        and shannon_entropy(value) >= min_entropy(len(value))
        and not value.isdigit()
        and not is_float_literal(value)  # firstPass = 0.95: a setting
        and WORDY.fullmatch(value) is None
        and not is_code_identifier(value)  # Sam2VideoInferenceSession(, vision_feats
        and (quoted or not m.string.startswith("(", m.end("v")))  # not _onnx_backend_session(model): a call
    )


SESSION_COOKIE = PatternDetector(
    "session-cookie", "generic_secret", keywords=("sess", ".sid"), before=40, after=540, priority=25, kind=None,
    check=_session_ok, patterns=(_SESSION,), confidence=0.75,
    follow=re.compile(rf"(?i:ion)?(?i:[_.-]?id)?[ \t]{{0,2}}=[ \t]{{0,2}}\"?{_SESSION_VALUE}"),
)  # fmt: skip


_NAME_PIECE = re.compile(
    r"[a-z]+|(?:[A-Z][a-z]+)+|[A-Z]{1,5}(?:[A-Z][a-z]+)*|[0-9]+"
)  # prod, GitHub, SSO, 1: not UwRSXD


def _login_pair_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Not a word (`login: yes / no`, `sign in with SSO / SAML`), a short number (`Login: 2024 / 2025`) or a name
    of words and numbers (`account: acme / prod-eu-1`)."""
    bare = value.rstrip(".,;:!?)")
    if is_word(bare) or (bare.isdigit() and len(bare) < 6):
        return False
    return not all(_NAME_PIECE.fullmatch(p) for p in re.split(r"[-_.]", bare))


# `Login: admin / V`, `Credentials: bob / V`, `log in with admin / V`, `account: bob@x.test / V` (tickets, chat,
# notes): a user, a spaced slash, the password; `creds are bob:V`
_LOGIN_VALUE = r"(?P<v>[^\s\"'<>/]{3,200})(?!\S)"
_LOGIN_WORDS = ("login", "log in", "sign in", "credentials", "creds", "account", "wifi", "wi-fi")
LOGIN_PAIR = PatternDetector(
    "login-pair-password", "password", keywords=_LOGIN_WORDS, before=0, after=300, priority=30, kind=None, literal=True,
    anchors=(_LOGIN_WORDS, ("credentials", "creds")),
    patterns=(
        re.compile(
            r"(?i:login|log[ \t]in|sign[ \t]in|credentials|creds|account|wi-?fi)(?:[ \t]{0,3}[:=]|[ \t]{1,3}(?i:with|as|are|is))"
            r"[ \t]{0,3}[\w.@+-]{1,64}(?:[ \t]{1,3}/[ \t]{1,3}|/)" + _LOGIN_VALUE
        ),
        re.compile(r"(?i:credentials|creds)[ \t]{1,3}(?i:are|is)[ \t]{1,3}[\w.@+-]{1,64}:" + _LOGIN_VALUE),
    ),
    check=_login_pair_ok,
)  # fmt: skip
# `use admin/V to log in`: the pair first, the login after it
_USE_TO_LOGIN = re.compile(
    r"(?i:\buse|\btry)[ \t]{1,3}[\w.@+-]{1,64}/(?P<v>[^\s\"'<>/]{3,200})[ \t]{1,3}(?i:to|for)[ \t]{1,3}"
    r"(?i:log[ \t]?in|sign[ \t]?in)\b"
)
LOGIN_PAIR_FIRST = PatternDetector(
    "login-pair-first-password", "password", keywords=("log in", "login", "sign in", "signin"), before=300, after=12,
    priority=30, kind=None, literal=True, patterns=(_USE_TO_LOGIN,), check=_login_pair_ok,
)  # fmt: skip
LOGIN_PAIRS = (LOGIN_PAIR, LOGIN_PAIR_FIRST)
# npm's .npmrc: `_auth = base64(user:pass)`, also per registry (`//registry.example/:_auth=...`); not
# `_authToken` (a token: the assignment detectors), not `NEO4J_AUTH` or `basic_auth` (no word before `_auth`)
NPM_AUTH = PatternDetector(
    "npm-auth",
    "password",
    keywords=("_auth",),
    before=0,
    after=1100,
    priority=40,
    kind=None,
    literal=True,
    check=_basic_ok,
    anchors=(("_auth",),),
    follow=re.compile(r"[ \t]{0,3}="),
    patterns=(
        re.compile(
            r"""(?<![\w-])_auth[ \t]{0,3}=[ \t]{0,3}"""
            r"""(?P<v>"[A-Za-z0-9+/]{4,1024}={0,2}"|'[A-Za-z0-9+/]{4,1024}={0,2}'|[A-Za-z0-9+/]{4,1024}={0,2})(?![\w+/=])"""
        ),
    ),
)
# Terraform: `variable "db_password" { ... default = "V" }`, the variable's name is the key (no nested block before
# the default: a `validation { }` first is not looked into)
_TERRAFORM = re.compile(
    r"""\bvariable[ \t]{1,3}"(?P<key>[\w-]{1,64})"[ \t]{0,3}\{[^{}]{0,600}?\bdefault[ \t]{0,16}=[ \t]{0,3}"""
    r"""(?P<v>"[^"\n]{1,200}")"""
)
TERRAFORM_DEFAULTS = tuple(
    PatternDetector(
        f"terraform-default-{kind}", secret_type, trigger=r'\bvariable[ \t]{1,3}"', before=0, after=900,
        priority=30, kind=kind, patterns=(_TERRAFORM,),
    )
    for kind, secret_type in (("password", "password"), ("secret", "generic_secret"))
)  # fmt: skip
