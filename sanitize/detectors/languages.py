"""Passwords under a key in another language: ``contraseña: ...``, ``senha: ...``, ``Пароль: ...``,
``密码：...``, ``パスワード: ...``, ``비밀번호: ...`` (chat logs and tickets are not all in English).

The trigger is the word and its operator (``:``, the full-width ``：`` or ``=``), one RE2 pattern that
folds case in every script (the scanner's keyword automaton lower-cases ASCII only, so ``Пароль`` would
not match ``пароль`` there); the value is quoted or one bare token, and a bare value of letters only is prose.
"""

from __future__ import annotations

import re

from .format_base import PatternDetector, _offset_lower
from .hard_negatives import PASSWORD_TRANSLATIONS

WORDS = PASSWORD_TRANSLATIONS  # "password" in 24 other languages (:mod:`.hard_negatives`: a value that is one is a label)
_WORD = "(?i:" + "|".join(sorted(WORDS, key=len, reverse=True)) + ")"
_OPERATOR = r"[ \t]{0,3}[:：=][ \t]{0,3}"


def _not_prose(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A bare value of letters only, in any script (``obrigatória``, ``请输入``), is prose."""
    return quoted or not value.isalpha()


# each word as written, capitalised and upper-case, lower-cased as the anchor search lower-cases the window
_ANCHORS = tuple(sorted({_offset_lower(v) or v for w in WORDS for v in (w, w.capitalize(), w.upper())}))
FOREIGN_PASSWORD = PatternDetector(
    "foreign-password",
    "password",
    # a run of triggers close together is one match (as the scanner does for keywords): a flood is one window
    trigger=f"{_WORD}{_OPERATOR}(?:.{{0,24}}{_WORD}{_OPERATOR})*",
    before=0,
    after=260,
    priority=20,
    kind=None,
    check=_not_prose,
    literal=True,  # a value here is data, not code: `Пароль: cnNoAEskb6L5uq.P` is no attribute access
    anchors=(_ANCHORS,),
    patterns=(
        re.compile(
            r"(?<!\w)" + _WORD + _OPERATOR
            + r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|「[^」\n]{1,200}」|[^\s"'`<;,，。、]{1,200})"""
        ),
    ),
)  # fmt: skip
DETECTORS = (FOREIGN_PASSWORD,)
