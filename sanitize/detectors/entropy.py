"""``generic_secret``: a secret-ish key (``secret``, ``token``, ``api_key``, ``client_secret``,
``Bearer`` ...) assigned a value that looks random (length, character mix, Shannon entropy)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span, shannon_entropy
from .filters import (
    char_classes,
    is_code_reference,
    is_example_key,
    is_placeholder,
    is_timestamp,
    is_uuid,
    is_version,
)
from .passwords import _AFTER_KEY, _COMPONENTS, _IDENT_CHARS

_KEYWORD = re.compile(r"(?i:secret|token|key|credential|auth|bearer|signature|salt)")
SECRET_WORDS = frozenset(
    {"secret", "secrets", "token", "apikey", "key", "credential", "credentials", "auth", "bearer",
     "signature", "salt", "privatekey", "accesskey", "secretkey", "authtoken", "accesstoken"}
)  # fmt: skip
_NOT_SECRET_WORDS = frozenset(
    {"tokens", "tokenizer", "keys", "keyboard", "keyword", "keywords", "monkey", "author"}
)
_NEARBY = re.compile(
    r"[^\n]{0,80}?(?:\n[^\n]{0,80}?){0,2}?\b(?:is|are)\b:?[ \t]{0,3}\n{0,2}[ \t]{0,3}"
    r"(?P<dq>(?!))?(?P<sq>(?!))?(?P<bq>(?!))?(?P<bare>[A-Za-z0-9+/=_\-.~]{16,256})"
)
_VALUE_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~:!@#$%^*]{16,256}$")
MIN_ENTROPY = 3.0


def is_secret_key(identifier: str) -> bool:
    parts = [c.lower() for c in _COMPONENTS.findall(identifier)]
    if any(p in _NOT_SECRET_WORDS for p in parts):
        return False
    return any(p in SECRET_WORDS for p in parts)


def generic_value_ok(value: str) -> bool:
    """Long, one token, random-looking, and none of the hard negatives."""
    if not _VALUE_CHARS.match(value) or is_placeholder(value) or is_example_key(value):
        return False
    if is_uuid(value) or is_version(value) or is_timestamp(value) or is_code_reference(value):
        return False
    if value.startswith(("/", "./", "~/", "../")) or "://" in value or value.isdigit():
        return False
    entropy = shannon_entropy(value)
    if entropy < MIN_ENTROPY:
        return False
    return char_classes(value) >= 2 and (any(c.isdigit() for c in value) or entropy >= 4.0)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class GenericSecretDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start
        for kw in _KEYWORD.finditer(text, start, end):
            if kw.start() < pos:
                continue
            i, j = kw.start(), kw.end()
            while i > 0 and kw.start() - i < 64 and text[i - 1] in _IDENT_CHARS:
                i -= 1
            while j < len(text) and j - kw.end() < 64 and text[j] in _IDENT_CHARS:
                j += 1
            ident = text[i:j]
            if not is_secret_key(ident):
                continue
            m = _AFTER_KEY.match(text, j, end)
            if m is None or (
                m.group("space") is not None and ident.lower() != "bearer" and not ident.startswith("-")
            ):
                m = _NEARBY.match(text, j, end)  # "the API secret is:\n\nVALUE", "... here it is VALUE"
                if m is None:
                    continue
            name = next(g for g in ("dq", "sq", "bq", "bare") if m.group(g) is not None)
            s, e = m.span(name)
            while name == "bare" and e > s and text[e - 1] in ".,;:)]}'\"":
                e -= 1
            if generic_value_ok(text[s:e]):
                pos = e
                yield s, e, 0.75


GENERIC_SECRET = GenericSecretDetector(
    "generic-secret", "generic_secret",
    keywords=("secret", "token", "key", "credential", "auth", "bearer", "signature", "salt"),
    before=64, after=400, priority=10,
)  # fmt: skip

DETECTORS = (GENERIC_SECRET,)
