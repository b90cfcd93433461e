"""Passwords keyed by their username in a YAML map under a credentials heading::

    credentials:
      bob: Zq8Xw6Ec4R
      ann: "Pm3#Ln5Kb7"

(``credentials``, ``creds``, ``passwords``; not ``users``, whose maps hold roles, uids and chat ids as often). The key is a username, so nothing in the key says
"password": the heading does, and the value must look random (two character classes, the entropy floor of its
length, not a word, a name of words and numbers, an e-mail address or any other hard negative). A child whose
key is a field name (``username``, ``type``, ``file``...) or a credential name (``password``, ``token``: the
assignment detectors' case) is skipped; a child that opens a nested map or a list ends nothing but reports
nothing. Each heading's block is read once, line by line, with anchored matches: linear in the window.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span, shannon_entropy
from .filters import char_classes, is_word
from .format_base import key_kind, min_entropy, value_ok
from .hard_negatives import is_public_key_name

_HEADER = re.compile(
    r"""(?<![^\n])([ \t]{0,40})["']?(?i:(credentials|creds)|passwords)["']?[ \t]{0,3}:[ \t]{0,3}(?=\r?\n)"""
)
_CHILD = re.compile(
    r"""\r?\n([ \t]{1,60})(["']?)(?P<user>[A-Za-z0-9_][\w.@$-]{0,63})\2[ \t]{0,3}:[ \t]{1,3}"""
    r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'#&*!|>{\[][^\s]{0,199})[ \t]{0,8}(?:#[^\n]{0,200})?(?=\r?\n|\Z)"""
)
# keys of a credentials map that are fields, not usernames
_FIELDS = frozenset(
    {"username", "user", "name", "login", "email", "type", "kind", "provider", "source", "file", "path", "profile",
     "region", "id", "url", "uri", "host", "hostname", "port", "enabled", "scope", "role", "roles", "group", "groups",
     "domain", "realm", "description", "mode", "method", "format", "store", "helper", "default", "account", "project",
     "tenant", "client", "audience", "issuer", "endpoint", "server", "database", "db", "schema", "version", "expire",
     "expires", "shell", "home", "uid", "gid", "comment", "state", "status", "hash", "algorithm", "salt"}
)  # fmt: skip
# a word (lower, upper, Capitalised or camelCase) or a number; `aSuiR`, `pOBQOf` are no words
_NAME_PIECE = re.compile(r"[A-Za-z][a-z]*(?:[A-Z][a-z]+)*|[A-Z]+|[0-9]+")
_EMAIL = re.compile(r"[^\s@]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_DIGEST = re.compile(r"[0-9a-fA-F]{16,128}")  # a hash or an id in hex, not a password someone chose
_MAX_CHILDREN = 64


def _random_value(value: str) -> bool:
    if len(value) < 6 or is_word(value) or _EMAIL.fullmatch(value) or _DIGEST.fullmatch(value):
        return False
    if all(_NAME_PIECE.fullmatch(p) for p in re.split(r"[-_.]", value)):
        return False  # a name of words and numbers: prod-eu-1, Summer2024 is kept (one piece, mixed)
    return char_classes(value) >= 2 and shannon_entropy(value) >= min_entropy(len(value))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class UserMapDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start
        while (m := _HEADER.search(text, pos, end)) is not None:
            indent, pos, fields = (
                len(m.group(1)),
                m.end(),
                m.group(2) is not None,
            )  # under passwords: db, cache...
            child_indent = None
            for _ in range(_MAX_CHILDREN):  # each next line while it is a child `user: value` of this heading
                line = _CHILD.match(text, pos, end)
                if line is None or len(line.group(1)) <= indent:
                    break
                if child_indent is None:
                    child_indent = len(line.group(1))
                elif len(line.group(1)) != child_indent:
                    break
                pos = line.end()
                user = line.group("user")
                s, e = line.span("v")
                quoted = text[s] in "\"'"
                if quoted:
                    s, e = s + 1, e - 1
                value = text[s:e]
                if (
                    (fields and user.lower() in _FIELDS)
                    or key_kind(user) is not None
                    or is_public_key_name(user)
                ):
                    continue
                if _random_value(value) and value_ok(value, kind="password", quoted=True):
                    yield s, e, 0.75


USER_MAP_PASSWORD = UserMapDetector(
    "user-map-password", "password", keywords=("credentials:", "creds:", "passwords:"), before=48,
    after=4000, priority=25, follow=re.compile(r"[ \t]{0,3}\r?\n"),
)  # fmt: skip
