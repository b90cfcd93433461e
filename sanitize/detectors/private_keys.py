"""Private keys: the whole armoured block, ``-----BEGIN ... PRIVATE KEY-----`` to its ``-----END``, PuTTY
``.ppk`` files (``PuTTY-User-Key-File-2/3`` to the ``Private-MAC`` line), and the private members of keys written
as JSON Web Keys (``"d"``, ``"p"``, ``"q"``, ``"dp"``, ``"dq"``, ``"qi"``; ``"k"`` of a symmetric ``oct`` key) or
as .NET ``<RSAKeyValue>`` XML (``<D>``, ``<P>``, ``<Q>``, ``<DP>``, ``<DQ>``, ``<InverseQ>``): a public JWK has
none. A key encrypted under a passphrase is not reported (``ENCRYPTED PRIVATE KEY``, ``Proc-Type: 4,ENCRYPTED``,
an OpenSSH key whose cipher is not ``none``, a ``.ppk`` whose ``Encryption`` is not ``none``): without the
passphrase it is not the secret."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span
from .hard_negatives import is_encrypted

_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?)-----")
_BODY_CHARS = re.compile(r"[A-Za-z0-9+/=]{16,}")
MAX_BLOCK = 64 * 1024  # longest block looked for (a 16384-bit RSA key is ~12 KB)
_OPENSSH_MAGIC = b"openssh-key-v1\x00"


def is_encrypted_key(marker: str, body: str) -> bool:
    """Whether the armoured block ``marker`` (``RSA PRIVATE KEY``...) with ``body`` is passphrase-encrypted."""
    # ENCRYPTED PRIVATE KEY; Proc-Type: 4,ENCRYPTED (the body starts after the marker's line break, so none of
    # is_encrypted's anchored forms, e.g. sealed-secrets' AgA..., can match a key's first base64 line)
    if "ENCRYPTED" in marker or is_encrypted(body[:200]):
        return True
    if marker != "OPENSSH PRIVATE KEY":
        return False
    head = "".join(body.split())[:64]  # the magic, then the cipher name as a length-prefixed string
    try:
        raw = base64.b64decode(head[: len(head) // 4 * 4], validate=True)
    except (binascii.Error, ValueError):
        return False
    if not raw.startswith(_OPENSSH_MAGIC) or len(raw) < len(_OPENSSH_MAGIC) + 4:
        return False
    n = int.from_bytes(raw[len(_OPENSSH_MAGIC) : len(_OPENSSH_MAGIC) + 4], "big")
    cipher = raw[len(_OPENSSH_MAGIC) + 4 : len(_OPENSSH_MAGIC) + 4 + n]
    return len(cipher) == n and cipher != b"none"


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
            if sum(len(b) for b in _BODY_CHARS.findall(body)) >= 64 and not is_encrypted_key(
                m.group(1), body
            ):
                yield m.start(), stop + len(marker), 1.0
            pos = stop + len(marker)


PRIVATE_KEY = PrivateKeyDetector(
    "private-key", "private_key", trigger=r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY", before=0,
    after=MAX_BLOCK + 64, priority=100,
)  # fmt: skip

# PuTTY .ppk: header, key type, Encryption, Comment, Public-Lines n + n lines, Private-Lines m + m lines, MAC
_PPK = re.compile(
    r"PuTTY-User-Key-File-[23]: [\w.@-]{1,64}\r?\nEncryption: (?P<enc>[\w-]{1,32})\r?\n"
    r"(?:[A-Za-z-]{1,32}: [^\r\n]{0,512}\r?\n){0,8}?Public-Lines: \d{1,4}\r?\n(?:[A-Za-z0-9+/=]{1,128}\r?\n){1,200}"
    r"Private-Lines: \d{1,4}\r?\n(?:[A-Za-z0-9+/=]{1,128}\r?\n){1,200}"
    r"Private-MAC: [0-9a-fA-F]{40,64}"
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PuttyKeyDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _PPK.finditer(text, start, end):
            if m.group("enc") == "none":
                yield m.start(), m.end(), 1.0


PUTTY_KEY = PuttyKeyDetector(
    "putty-private-key",
    "private_key",
    keywords=("PuTTY-User-Key-File-",),
    before=0,
    after=40_000,
    priority=100,
)

# JSON Web Key: an object with "kty", its private members' base64url values (JSON-escaped quotes allowed)
_Q = r'\\?"'
_JWK_TYPE = re.compile(_Q + r"kty" + _Q + r"[ \t]{0,3}:[ \t]{0,3}" + _Q + r"(?:RSA|EC|OKP|oct)" + _Q)
_JWK_PRIVATE = re.compile(
    _Q
    + r"(?P<m>d|p|q|dp|dq|qi|k)"
    + _Q
    + r"[ \t]{0,3}:[ \t]{0,3}"
    + _Q
    + r"(?P<v>[A-Za-z0-9_-]{16,8192})"
    + _Q
)
_JWK_REACH = 12_000  # an RSA-4096 JWK is ~3.5 KB; a JWK object holds no nested object


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class JwkDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        # every character is looked at a bounded number of times, however many "kty" a flood holds: the
        # braces before a kty are searched from the previous kty on, the "}" after it from where the last
        # search found one
        done, seen, opened, closed, close = start, start, -1, -1, -1
        for t in _JWK_TYPE.finditer(text, start, end):
            opened = max(opened, text.rfind("{", seen, t.start()))  # the last "{" and "}" before this kty
            closed = max(closed, text.rfind("}", seen, t.start()))
            seen = t.end()
            if close < t.end():
                close = text.find("}", t.end(), end)
                if close < 0:
                    return
            if (
                opened < done
                or closed > opened
                or t.start() - opened > _JWK_REACH
                or close - t.end() > _JWK_REACH
            ):
                continue  # read already, kty outside an object, or too far apart
            done = close
            for m in _JWK_PRIVATE.finditer(text, opened, close):
                yield m.start("v"), m.end("v"), 1.0


JWK_PRIVATE_KEY = JwkDetector(
    "jwk-private-key", "private_key", keywords=("kty",), before=_JWK_REACH, after=_JWK_REACH, priority=100
)

# .NET RSA key XML (RSA.ToXmlString(true)): the private parameters inside <RSAKeyValue>
_XML_MEMBER = re.compile(
    r"<(D|P|Q|DP|DQ|InverseQ)>[ \t\r\n]{0,8}([A-Za-z0-9+/=]{16,8192})[ \t\r\n]{0,8}</(D|P|Q|DP|DQ|InverseQ)>"
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RsaXmlKeyDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start
        while (lo := text.find("<RSAKeyValue>", pos, end)) >= 0:
            hi = text.find("</RSAKeyValue>", lo, min(end, lo + _JWK_REACH))
            if hi < 0:
                return
            for m in _XML_MEMBER.finditer(text, lo, hi):
                if m.group(1) == m.group(3):
                    yield m.start(2), m.end(2), 1.0
            pos = hi


RSA_XML_KEY = RsaXmlKeyDetector(
    "rsa-xml-private-key",
    "private_key",
    keywords=("<rsakeyvalue>",),
    before=0,
    after=_JWK_REACH,
    priority=100,
)

DETECTORS = (PRIVATE_KEY, PUTTY_KEY, JWK_PRIVATE_KEY, RSA_XML_KEY)
