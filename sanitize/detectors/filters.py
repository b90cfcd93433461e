"""Pure ``is_*`` predicates for the hard negatives: values that look like secrets but are not.

Each takes the candidate value (and, where context matters, the text and span) and returns a bool;
detectors call them from their validators. None of them logs or raises with the value.
"""

from __future__ import annotations

import base64
import binascii
import re

_PLACEHOLDER_WORDS = frozenset(
    [
        "changeme",
        "change_me",
        "changeit",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "secrets",
        "token",
        "apikey",
        "api_key",
        "key",
        "redacted",
        "removed",
        "hidden",
        "masked",
        "null",
        "none",
        "nil",
        "undefined",
        "true",
        "false",
        "yes",
        "no",
        "todo",
        "tbd",
        "fixme",
        "xxx",
        "example",
        "examples",
        "sample",
        "placeholder",
        "dummy",
        "test",
        "testing",
        "foo",
        "bar",
        "baz",
        "string",
        "str",
        "bytes",
        "int",
        "bool",
        "required",
        "optional",
        "empty",
        "blank",
        "env",
        "environ",
        "variable",
        "value",
        "values",
        "default",
        "your_password",
        "yourpassword",
        "mypassword",
        "my_password",
        "password123",
        "secret123",
        "letmein123",
        "notasecret",
        "notsecret",
        "unknown",
        "n/a",
        "na",
        "nan",
        "here",
        "there",
        "this",
        "that",
        "same",
    ]
)
_PLACEHOLDER_SUBSTRINGS = (
    "example", "placeholder", "redacted", "changeme", "change_me", "your_", "your-", "yourpass",
    "{{", "}}", "${", "$(", "xxxx", "****", "....", "____", "----", "process.env",
    "os.environ", "getenv", "env[", "env(", "secrets.", "vault:", "%(", "insert", "dummy",
    "*sensitive*",  # Windows' *SENSITIVE*DATA*DELETED* in unattend files
    "***removed",  # BFG Repo-Cleaner's ***REMOVED***
)  # fmt: skip
_ANGLE_SLOT = re.compile(r"<[^<>]{0,64}>")
_FORMAT_ONLY = re.compile(
    r"(?:%[-+ #0-9.]{0,6}[sdrifxX]|%\([A-Za-z_]\w{0,30}\)[sdr]|\{[^{}\s]{0,20}\}|[:@/._-]){2,}"
)
_SPECIAL_TOKEN = re.compile(r"\[[A-Z][A-Z0-9_]{0,30}\]|\|[A-Za-z][A-Za-z0-9_]{0,30}\|")
_BRACE_FIELD = re.compile(
    r"\{[A-Za-z_][\w.]{0,60}(?:\(\))?(?:![rsa])?(?::[^{}\s]{0,20})?\}"
)  # {prefix}, {ArnGenerator.get_partition_name()}, {password!r}, {n:>8}
# "{target_lang" once the closing brace is trimmed; f"password={password!r}" read up to the brace
_OPEN_FIELD = re.compile(r"\{[A-Za-z_]\w{0,30}(?:![rsa]?)?")
# "unknown_%d": a name around printf conversions; "#976806": a colour
_PRINTF = re.compile(r"%[-+ #0-9.]{0,6}[sdifxX]")
_URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")  # a%20secret: URL-encoded, %20s is no conversion
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}(?:[0-9a-fA-F]{2})?")  # #fff, #a3aab2, #a3aab2ff
_FIELD_WORDS = frozenset(
    {"user", "username", "pass", "passwd", "password", "pwd", "login", "name", "secret", "token"}
)


def _field_words_only(low: str) -> bool:
    """``user:passwd``, ``username/password``: two or more field names joined by punctuation."""
    parts = re.split(r"[^a-z0-9]+", low)
    return len(parts) >= 2 and all(p in _FIELD_WORDS for p in parts)


# "password_here", "put your unique phrase here" (wp-config-sample.php), "ENTER-KEY-HERE"
_PLACEHOLDER_SUFFIXES = ("_here", "-here", " here")
# $VAR ${VAR} %VAR% {{ var }} {var} <var>; str.format's {0} / {} / {0:>8}; __VAR__ and @VAR@ / @@VAR@@ markers
# (build-time substitution: Maven, autoconf, deployment templates); Ruby's #{var}; an SQL bind variable :name
_TEMPLATE = re.compile(
    r"^(?:\$[A-Za-z_]\w*|\$\{[^}]*\}|%[A-Za-z_]\w*%|\{\{.*\}\}|\{[A-Za-z_]\w*\}|<[^>]*>|\{\d{0,2}(?::[^{}]{0,20})?\}"
    r"|__[A-Za-z][A-Za-z0-9_]{0,62}__|@@?[A-Za-z_][\w.]{0,62}@@?|#\{[^}]{1,64}\}|:[A-Za-z_]\w{0,63})$"
)
# a fixture's value spelled from words: fake_password, mock-token, wrong_password, test.secret
_FIXTURE_WORDS = frozenset({"fake", "mock", "dummy", "test", "testing", "example", "sample", "placeholder",
                            "invalid", "wrong", "bad", "incorrect", "default", "my", "your", "some"})  # fmt: skip
# the words that name a secret in a key or a fixture's value (hard_negatives judges key names with them)
SECRET_NAME_WORDS = frozenset({"key", "token", "secret", "password", "passwd", "pwd", "pass", "credential",
                               "credentials", "auth", "apikey", "pswd", "psw"})  # fmt: skip
_WORD_SPLIT = re.compile(r"[_.\- ]+")
_SAME_CHAR = re.compile(r"^(.)\1*$")
_PADDED_B64 = re.compile(r"^[A-Za-z0-9+/]{4,96}={1,2}$")
# `password= sslmode=require`: the next key=value field of a connection string, not a value
NEXT_FIELD = re.compile(r"[A-Za-z_]{3,30}=[A-Za-z0-9_.-]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX_HASH = re.compile(r"^(?:[0-9a-f]{7,128}|[0-9A-F]{7,128})$")
_VERSION = re.compile(r"^v?\d{1,4}(?:\.\d{1,4}){1,3}(?:[-+.][0-9A-Za-z.]{1,20})?$")
_TIMESTAMP = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?|1\d{9}(?:\d{3})?)$"
)
_IDENTIFIER_CALL = re.compile(r"^[A-Za-z_][\w.]*(?:\(.*\)?|\[.*\]?)$")
_DOTTED_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*(?:(?:\.|::)[A-Za-z_]\w*)+$")  # a.b, Kind::Default (C++, Rust)
_CMDLET = re.compile(r"^[A-Z][a-z]+[A-Za-z]*-[A-Z][A-Za-z]+$")  # PowerShell Verb-Noun: ConvertTo-SecureString
_EXAMPLE_KEYS = frozenset(
    {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAI44QH8DHBEXAMPLE",
     "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
     "8a477f597d28d172789f06886806bc55"}  # CACHEDIR.TAG's fixed signature (Cache Directory Tagging Spec)
)  # fmt: skip


def is_placeholder(value: str) -> bool:
    """``<password>``, ``********``, ``changeme``, ``${VAR}``, ``{{ var }}``, ``%VAR%``, ``$VAR`` ...,
    and padded base64 of one (``c2VjcmV0Cg==`` is ``secret``: a sample manifest's value)."""
    v = value.strip("'\"`")
    if _plain_placeholder(v):
        return True
    if v.endswith("=") and _PADDED_B64.match(v):
        try:
            decoded = base64.b64decode(v, validate=True).decode("utf-8").strip()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return False
        return _plain_placeholder(decoded)
    return False


def _plain_placeholder(v: str) -> bool:
    low = v.lower()
    if not v or low in _PLACEHOLDER_WORDS or _SAME_CHAR.match(v) or _TEMPLATE.match(v):
        return True
    if len(v) <= 64 and _is_fixture_name(low):
        return True
    if _FORMAT_ONLY.fullmatch(v) or _field_words_only(low):
        return True  # '%s:%s', '{}:{}', 'user:passwd': a template of a credential, not one
    if _SPECIAL_TOKEN.fullmatch(v) or _BRACE_FIELD.search(v) or _OPEN_FIELD.fullmatch(v):
        return True  # a tokenizer's [MASK] or |SPEAKER|, an f-string's f"{prefix}embed_tokens."
    if COLOUR.fullmatch(v) or (
        "%" in v and not _URL_ESCAPE.search(v) and _PRINTF.search(v) and _named_format(v)
    ):
        return True
    if v.startswith("<") or v.endswith(">") or _ANGLE_SLOT.search(v):
        return True  # <password>, pass<word>, <your token: an angle-bracket slot, not a "<" inside a random value
    return any(s in low for s in _PLACEHOLDER_SUBSTRINGS) or low.endswith(_PLACEHOLDER_SUFFIXES)


def _named_format(v: str) -> bool:
    """``unknown_%d``, ``%s-token``: what is left once the conversions are gone is a name (or nothing)."""
    rest = _PRINTF.sub("", v).strip("_.:/ -")
    return not rest or re.fullmatch(r"[A-Za-z]+(?:[_.:/ -][A-Za-z]+)*", rest) is not None


def _is_fixture_name(low: str) -> bool:
    """``fake_password``, ``mock-token``: letters only, a fixture word and a secret's name."""
    words = _WORD_SPLIT.split(low)
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return False
    return not _FIXTURE_WORDS.isdisjoint(words) and not SECRET_NAME_WORDS.isdisjoint(words)


def is_example_key(value: str) -> bool:
    """A key copied from vendor documentation (AWS's ``...EXAMPLE`` keys and the like)."""
    return value in _EXAMPLE_KEYS or "EXAMPLE" in value


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def is_hex_hash(value: str) -> bool:
    """A git SHA or checksum: hex digits only, of one case."""
    return bool(_HEX_HASH.match(value)) and not value.isdigit()


def is_version(value: str) -> bool:
    return bool(_VERSION.match(value))


def is_timestamp(value: str) -> bool:
    return bool(_TIMESTAMP.match(value))


# the characters of an identifier (DB_PASSWORD, db.password, --password): what detectors walk over
IDENT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


# a token may follow a literal escape (`"...\\nghp_..."` in a log line) or a percent-encoded character
# (`token%3Dghp_...` in an access log): the letters and digits of `\\n` / `%3D` do not join it to a word
ESCAPE_EDGE = r"(?<=\\[nrt])|(?<=%[0-9A-Fa-f]{2})"
_AFTER_ESCAPE = re.compile(r"(?:\\[nrt]|%[0-9A-Fa-f]{2})\Z")


def after_escape(text: str, start: int) -> bool:
    """Whether ``text[start]`` follows a literal ``\\n``/``\\r``/``\\t`` escape or a ``%XX`` encoding."""
    return _AFTER_ESCAPE.search(text, max(0, start - 3), start) is not None


def escape_end(text: str, start: int, end: int) -> int:
    """Where a value in ``text[start:end]`` ends before a literal escape ``\\n``, ``\\r`` or ``\\t`` (JSON or a
    log line escaping a newline: ``"user=bob\\npassword=VALUE\\nhost=db"``), else ``end``. One C search
    per backslash, linear."""
    i = text.find("\\", start, end)
    while i >= 0:
        if i + 1 < len(text) and text[i + 1] in "nrt":
            while i > start and text[i - 1] == "\\":  # 'secret\\n' in source: the escape's backslash escaped
                i -= 1
            return i
        i = text.find("\\", i + 1, end)
    return end


_SPACED_ASSIGNMENT = re.compile(
    r"[ \t]{0,8}(?:(?:ENV|setx|SETX|setenv|set[ \t]{1,3}-[gxUl]{1,3}|aws[ \t]{1,3}configure[ \t]{1,3}set)[ \t]{1,4}"
    r"|(?:npm|yarn|pnpm)[ \t]{1,3}config[ \t]{1,3}set[ \t]{1,4}(?://[^\s:]{1,80}/:)?)"
)  # the npm form's key may follow a registry: `npm config set //registry.test/:_authToken V`


def line_start(text: str, i: int, reach: int) -> int:
    """Where the line holding ``i`` starts, looking at most ``reach`` characters back (a flood has no line breaks)."""
    lo = max(0, i - reach)
    nl = text.rfind("\n", lo, i)
    return nl + 1 if nl >= 0 else lo


def is_spaced_assignment(text: str, key_start: int) -> bool:
    """Whether the key at ``key_start`` is assigned by a space: a Dockerfile ``ENV KEY VALUE``, a Windows
    ``setx KEY VALUE``, csh ``setenv KEY VALUE``, fish ``set -gx KEY VALUE``, ``aws configure set KEY VALUE`` or
    ``npm config set [//registry/:]KEY VALUE`` (the instruction opens the line). Looks at most 128 characters back."""
    lo = max(0, key_start - 128)
    nl = text.rfind("\n", lo, key_start)
    if nl < 0 and lo > 0:
        return False  # more than 128 characters of this line before the key
    return _SPACED_ASSIGNMENT.fullmatch(text, nl + 1 if nl >= 0 else 0, key_start) is not None


# a Clojure/EDN keyword key `{:password "V"}` or a Lisp binding `(setq smtp-password "V")`, `(def token "V")`
_LISP_KEY = re.compile(
    r"(?:[{(\[,\s]|^):\Z|\((?:setq|setq-default|setf|defvar|defconst|defparameter|def|define)[ \t]{1,4}\Z"
)


def is_lisp_key(text: str, key_start: int) -> bool:
    """Whether the key at ``key_start`` is a Clojure/EDN keyword (``{:password "V"}``) or the name a Lisp form
    binds (``(setq x-password "V")``): a key whose value follows after a space. Looks at most 20 characters back."""
    lo = max(0, key_start - 20)
    return _LISP_KEY.search(text[lo:key_start]) is not None


def percent_value_end(text: str, start: int, end: int) -> int:
    """Where a bare value after a percent-encoded ``=`` (``password%3DV%26user%3Dbob``) ends: at the next
    encoded or plain ``&``, else ``end``."""
    for sep in ("%26", "&"):
        k = text.find(sep, start, end)
        if k >= 0:
            end = k
    return end


_FORM_FIELD = re.compile(r"[&,][A-Za-z_][A-Za-z0-9_.\-]{0,40}=")


def query_value_end(text: str, key_start: int, start: int, end: int) -> int:
    """Where a bare value in ``text[start:end]`` ends: at the next ``&`` when its key opens a URL query or
    fragment field (``?token=V&x``), else before the next field of a form-encoded body or an option list
    (``access_token=VALUE&expires_in=3600``, a POST body or an OAuth response; ``mount -o
    password=VALUE,vers=3.0``), else ``end``."""
    if key_start > 0 and text[key_start - 1] in "?&#":
        amp = text.find("&", start, end)
        return amp if amp >= 0 else end
    m = _FORM_FIELD.search(text, start, end)
    return m.start() if m is not None else end


def in_variable_expansion(text: str, key_start: int) -> bool:
    """Whether the key at ``key_start`` is the variable of a shell expansion ``${KEY...}`` (its default,
    ``${DB_PASSWORD:-v}``, is the env-default detectors' business)."""
    return key_start >= 2 and text.startswith("${", key_start - 2)


_TOKEN_ENDS = " \t\r\n\"'`=,;("


def in_arn(text: str, key_start: int) -> bool:
    """Whether the key at ``key_start`` is a resource type inside an AWS ARN (``arn:aws:secretsmanager:...:
    secret:prod/db-AbCdEf``): the name after it is an identifier, not a secret."""
    if key_start < 1 or text[key_start - 1] != ":":
        return False
    head = text[max(0, key_start - 200) : key_start]
    return head[max(head.rfind(c) for c in _TOKEN_ENDS) + 1 :].lower().startswith("arn:")


# module.path:object (entry points, uvicorn/gunicorn app strings): two dots at least before the colon
_ENTRY_POINT = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def is_entry_point(value: str) -> bool:
    """``IPython.core.magics.osm:OSMagics``: an object named by its module, not a secret."""
    return ":" in value and _ENTRY_POINT.fullmatch(value) is not None


def is_code_reference(value: str) -> bool:
    """``get_password()``, ``self.password``, ``config["db"]``: code that reads a secret, not one."""
    return bool(_IDENTIFIER_CALL.match(value) or _DOTTED_IDENTIFIER.match(value) or _CMDLET.match(value))


def is_url_userinfo(text: str, start: int) -> bool:
    """True when ``text[start]`` sits in the ``user:pass@`` part of a ``scheme://`` URL."""
    i = start
    lo = max(0, start - 256)
    while i > lo:
        ch = text[i - 1]
        if ch.isspace() or ch in "\"'<>(),;":
            return False
        if ch == "/" and i >= 3 and text[i - 3 : i] == "://":
            return True
        i -= 1
    return False


_FLOAT = re.compile(r"[+-]?[0-9]{0,15}(?:\.[0-9]{1,15}(?:[eE][+-]?[0-9]{1,3})?|[eE][+-]?[0-9]{1,3})")


def is_float_literal(value: str) -> bool:
    """``0.95``, ``-12.5``, ``1e-3``: a number with a point or an exponent (``maxPass = 0.95`` is a setting)."""
    return len(value) <= 40 and _FLOAT.fullmatch(value) is not None


def is_word(value: str) -> bool:
    """A plain lower-case word (prose after "password is ..." is usually a word, not a password)."""
    return value.isalpha() and value.islower()


_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ASCII_DIGITS = frozenset("0123456789")
_ASCII_ALNUM = _ASCII_LOWER | _ASCII_UPPER | ASCII_DIGITS


def char_classes(value: str) -> int:
    """How many of lower, upper, digit, other appear in ``value``."""
    chars = set(value)
    if value.isascii():  # set operations in C; for ASCII the same answer as the str predicates
        return (
            (not chars.isdisjoint(_ASCII_LOWER))
            + (not chars.isdisjoint(_ASCII_UPPER))
            + (not chars.isdisjoint(ASCII_DIGITS))
            + (not chars <= _ASCII_ALNUM)
        )
    return (
        any(c.islower() for c in chars)
        + any(c.isupper() for c in chars)
        + any(c.isdigit() for c in chars)
        + any(not c.isalnum() for c in chars)
    )
