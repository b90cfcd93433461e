"""``generic_secret``: a secret-ish key (``secret``, ``token``, ``api_key``, ``client_secret``,
``Bearer`` ...) assigned a value that looks random (length, character mix, Shannon entropy)."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator

from .base import Detector, Span, shannon_entropy
from .code_values import in_code, is_class_statement
from .filters import (
    ASCII_DIGITS,
    char_classes,
    escape_end,
    in_variable_expansion,
    is_code_reference,
    is_example_key,
    is_placeholder,
    is_spaced_assignment,
    is_timestamp,
    is_uuid,
    is_version,
    is_word,
    query_value_end,
)
from .format_base import value_ok
from .hard_negatives import (
    is_code_identifier,
    is_public_key_name,
    is_type_annotation,
    is_weak_value,
    pair_value_start,
)
from .passwords import _AFTER_KEY, _COMPONENTS, _TRAILING, IDENT_REACH, identifier_bounds

KEYWORDS = ("secret", "token", "key", "credential", "auth", "bearer", "signature", "salt")
_KEYWORD = re.compile("(?i:" + "|".join(KEYWORDS) + ")")
# On lower-cased ASCII the case-sensitive pattern finds the same matches several times faster
# ((?i) alternatives with different first letters defeat re's prefix scan).
_KEYWORD_LOWER = re.compile("|".join(KEYWORDS))
SECRET_WORDS = frozenset(
    {"secret", "secrets", "token", "apikey", "key", "credential", "credentials", "auth", "bearer",
     "signature", "salt", "privatekey", "accesskey", "secretkey", "authtoken", "accesstoken"}
)  # fmt: skip
_NOT_SECRET_WORDS = frozenset(
    {
        "tokens",
        "tokenizer",
        "keys",
        "keyboard",
        "keyword",
        "keywords",
        "monkey",
        "author",
        # ML code: AutoModelForTokenClassification.from_pretrained(...), token_type_ids, key_states
        "classification",
        "classifier",
        "embeddings",
        "embedding",
        "ids",
        "type",
        "types",
        "pretrained",
        "states",
        "mask",
        "logits",
        "indices",
        "count",
        "length",
        "len",
    }
)
# code inside a value: a keyword argument given an expression (n=model.config.x; self./this. is code_values')
_CODE_IN_VALUE = re.compile(r"^[A-Za-z_]\w{0,40}=-?[A-Za-z_][\w]{0,40}\.")
_SNAKE_NAME = re.compile(r"_?[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){1,8}")  # a snake_case name in code
_C_CALL = re.compile(_SNAKE_NAME.pattern + r"[ \t]{1,12}\(")  # a snake_case function called
_NEARBY = re.compile(
    r"[^\n]{0,80}?(?:\n[^\n]{0,80}?){0,2}?\b(?:is|are)\b:?[ \t]{0,3}\n{0,2}[ \t]{0,3}"
    r"(?P<dq>(?!))?(?P<sq>(?!))?(?P<bq>(?!))?(?P<bare>[A-Za-z0-9+/=_\-.~]{16,256})"
)
_VALUE_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~:!@#$%^*]{16,256}$")
# inside quotes a value may also hold & ( ) ? [ ] { } | , ; (Django's generated SECRET_KEY does)
_QUOTED_VALUE_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~:!@#$%^*&()?\[\]{}|,;]{16,256}$")
MIN_ENTROPY = 3.0
# farthest a value can end from its keyword's start: the identifier walk, _NEARBY's three lines
# of prose and its 256-character value (with room to spare)
_REACH = IDENT_REACH + 1024
_MEMO = 4096  # at most this many rejected values remembered per window
_MIN_DISTINCT = 8  # 2 ** MIN_ENTROPY: fewer distinct characters cannot reach MIN_ENTROPY bits


@functools.lru_cache(maxsize=4096)  # a flood repeats one identifier: judge it once
def is_secret_key(identifier: str) -> bool:
    parts = {c.lower() for c in _COMPONENTS.findall(identifier)}
    secretish = parts.isdisjoint(_NOT_SECRET_WORDS) and not parts.isdisjoint(SECRET_WORDS)
    return secretish and not is_public_key_name(identifier)  # primaryKey, publicToken, csrf-token...


def generic_value_ok(value: str, quoted: bool = False) -> bool:
    """Long, one token, random-looking, and none of the hard negatives."""
    # Cheapest first (all must hold): fewer than 8 distinct characters means an entropy below
    # log2(7) < MIN_ENTROPY, decided in C; a flood of one assignment ("key=key=...") stops here.
    if len(set(value)) < _MIN_DISTINCT or not (_QUOTED_VALUE_CHARS if quoted else _VALUE_CHARS).match(value):
        return False
    if is_placeholder(value) or is_example_key(value) or is_weak_value(value):  # 0123456789abcdef, ENC(...)
        return False
    if is_uuid(value) or is_version(value) or is_timestamp(value) or is_code_reference(value):
        return False
    if is_code_identifier(value) or _CODE_IN_VALUE.match(value):  # HTTPPasswordMgrWithDefaultRealm, n=model.x
        return False
    if value.startswith(("/", "./", "~/", "../")) or "://" in value or value.isdigit():
        return False
    entropy = shannon_entropy(value)
    if entropy < MIN_ENTROPY:
        return False
    # _VALUE_CHARS admits ASCII only, so a digit is one of 0-9
    return char_classes(value) >= 2 and (not ASCII_DIGITS.isdisjoint(value) or entropy >= 4.0)


# the only non-ASCII characters that (?i) matches to an ASCII letter: U+0130 and U+0131 (i),
# U+017F LONG S (s), U+212A KELVIN SIGN (k); tests/detectors/test_entropy.py checks every code point
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def keyword_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of :data:`KEYWORDS` (any case) in ``text[start:end]``, as ``_KEYWORD.finditer`` finds them."""
    window = text[start:end]
    if window.isascii():
        low = window.lower()
    elif any(c in window for c in _FOLDS_TO_ASCII):
        for m in _KEYWORD.finditer(text, start, end):
            yield m.span()
        return
    else:  # lower-case the ASCII letters only: every character keeps its offset
        low = window.encode("utf-8").lower().decode("utf-8")
    for m in _KEYWORD_LOWER.finditer(low):
        yield start + m.start(), start + m.end()


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GenericSecretDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start
        rejected: set[str] = set()  # values already judged in this window (a flood repeats them)
        dull_from = dull_to = -1  # keywords starting here have values inside a low-diversity run
        for ks, ke in keyword_spans(text, start, end):
            if ks < pos or dull_from <= ks < dull_to:
                continue
            i, j = identifier_bounds(text, ks, ke)
            ident = text[i:j]
            pos = j  # one look per identifier, however many keywords it holds
            if not is_secret_key(ident) or in_variable_expansion(text, i):  # `${API_KEY:-v}`: env-default's
                continue
            m = _AFTER_KEY.match(text, j, end)
            if m is None or (
                m.group("space") is not None
                and ident.lower() != "bearer"
                and not ident.startswith("-")
                and not is_spaced_assignment(text, i)
            ):
                # prose keyword, value later: "the API secret is:\n\nVALUE", "... here it is VALUE"
                m = _NEARBY.match(text, j, end) if ident.isalpha() else None
                if m is None:
                    continue
            name = m.lastgroup  # the value groups close the pattern
            if name == "bare" and m.groupdict().get("op") in ("==", "!=", "===", "!=="):
                continue  # endrec[_ECD_SIGNATURE] == stringEndArchive64: code compares with a name
            named = m.group(name).rstrip(_TRAILING) if name == "bare" else m.group(name)  # (a list goes on)
            if (
                name == "bare"
                and m.groupdict().get("op") == "("
                and (is_code_identifier(named, words_needed=2) or is_class_statement(text, i))
            ):
                continue  # class KeyPair(TaggedEC2Resource), class HTTPPasswordMgr(HTTPPasswordMgrBase): base classes
            if named == ident.rsplit(".", 1)[-1]:
                continue  # f(auth=auth), s3_disable_express_session_auth=s3_disable_express_session_auth, _token=_token,
            if (
                name == "bare"
                and _SNAKE_NAME.fullmatch(named)
                and named.rsplit("_", 1)[-1] == ident.rsplit("_", 1)[-1]
            ):
                continue  # correlate1d_signature = convolve1d_signature: another name of the same kind
            if name == "bare" and _C_CALL.match(text, m.start(name)):
                continue  # key_vec = _mm512_loadu_si512   (secret): a C function called, not a value
            if name == "bare" and m.groupdict().get("op") == ":" and is_type_annotation(text, *m.span(name)):
                continue  # key: PositionalIndexer2D) -> Self: a parameter's type
            s, e = m.span(name)
            e = escape_end(text, s, e)  # a JSON-escaped line break ends the value
            if name == "bare":  # a URL query or fragment, a form body `access_token=VALUE&expires_in=3600`
                e = query_value_end(text, i, s, e)
            while name == "bare" and e > s and text[e - 1] in _TRAILING:
                e -= 1
            value = text[s:e]
            if value in rejected:
                continue
            pair = pair_value_start(text, i, value, ident)  # credentials: bob:VALUE -- the user is no secret
            paired = (
                pair and value_ok(value[pair:], kind="password", quoted=True) and not is_word(value[pair:])
            )
            if paired or generic_value_ok(value, quoted=name != "bare"):
                if in_code(text, i, j, s, e, name != "bare"):  # last, for a value that would be reported
                    continue  # XXH3_kSecret, `<token>`, a + b (the context, not the value: never memoised)
                pos = e
                yield s + (pair if paired else 0), e, 0.75
                continue
            if len(rejected) < _MEMO:
                rejected.add(value)
            chars = set(value)
            if chars and len(chars) < _MIN_DISTINCT:  # an empty value (`key=);`) is no run
                # every value within the run of these characters from s has as few distinct ones,
                # hence too little entropy: skip the keywords whose values cannot leave the run
                # ("key=key=key=..." is one look, not one per keyword)
                run = re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]*").match(text, s, end)
                dull_from, dull_to = s, run.end() - _REACH if run is not None else -1


GENERIC_SECRET = GenericSecretDetector(
    "generic-secret", "generic_secret",
    keywords=KEYWORDS,
    before=64, after=400, priority=10,
)  # fmt: skip

DETECTORS = (GENERIC_SECRET,)
