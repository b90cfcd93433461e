"""Passwords under a key in another language: ``contraseña: ...``, ``senha: ...``, ``Пароль: ...``,
``密码：...``, ``パスワード: ...``, ``비밀번호: ...`` (chat logs and tickets are not all in English), and in a
sentence, the word then its language's "is": ``la contraseña es ...``, ``das Passwort ist ...``, ``le mot de passe
est ...``, ``lösenordet är ...``, ``hasło jest ...``, ``密码是...``, ``パスワードは ...`` (a value there needs a
digit or a symbol and 6 characters: ``das Passwort ist z.B. ...`` is prose).

The trigger is the word and its operator (``:``, the full-width ``：`` or ``=``), one RE2 pattern that
folds case in every script (the scanner's keyword automaton lower-cases ASCII only, so ``Пароль`` would
not match ``пароль`` there); the value is quoted or one bare token, and a bare value of letters only is prose.
"""

from __future__ import annotations

import re

from .filters import char_classes
from .format_base import PatternDetector, _offset_lower
from .hard_negatives import PASSWORD_TRANSLATIONS

WORDS = PASSWORD_TRANSLATIONS  # "password" in 24 other languages (:mod:`.hard_negatives`: a value that is one is a label)
_WORD = "(?i:" + "|".join(sorted(WORDS, key=len, reverse=True)) + ")"
_OPERATOR = r"[ \t]{0,3}[:：=][ \t]{0,3}"
# "is" after the word (a definite suffix first: lösenordet, passordet, adgangskoden); English's "is" is
# passwords.py's, so English "password" is here only with the other languages' (Italian "la password è")
_SENTENCE_WORDS = (*WORDS, "passwort", "mot de passe", "password")
_COPULA_WORD = "(?i:" + "|".join(sorted(_SENTENCE_WORDS, key=len, reverse=True)) + ")"
_COPULA = (
    r"(?:et|en|a)?(?:[ \t]{1,3}(?i:es|est|ist|è|é|är|er|jest|je|este|on|adalah|là|is)[ \t]{1,3}|"
    r"(?:是|は|는|은)[ \t]{0,3})"
)


def _not_prose(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A bare value of letters only, in any script (``obrigatória``, ``请输入``), is prose."""
    return quoted or not value.isalpha()


def _sentence_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """After an "is" a bare value needs 6 characters of two classes, not letters only; English "password is" is
    passwords.py's."""
    if m.group(0)[:8].lower() == "password" and m.group("copula").strip().lower() == "is":
        return False
    return quoted or (len(value) >= 6 and char_classes(value) >= 2 and not value.isalpha())


# each word as written, capitalised and upper-case, lower-cased as the anchor search lower-cases the window
_ANCHORS = tuple(sorted({_offset_lower(v) or v for w in WORDS for v in (w, w.capitalize(), w.upper())}))
_COPULA_ANCHORS = tuple(sorted({_offset_lower(w) or w for w in _SENTENCE_WORDS}))
_SENTENCE = re.compile(  # no Latin letter before the word (CJK writes 新的密码是 without blanks)
    r"(?<![A-Za-z\u00c0-\u024f])"
    + _COPULA_WORD
    + r"(?P<copula>"
    + _COPULA
    + r")"
    + r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|「[^」\n]{1,200}」|[^\s"'`<;,，。、]{1,200})"""
)
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
# the sentence form is opened by the keyword automaton where a word is followed by an "is" (an RE2 trigger for it
# cost the shape pass a quarter more DFA states); its window starts at the word
FOREIGN_SENTENCE_PASSWORD = PatternDetector(
    "foreign-sentence-password",
    "password",
    keywords=_COPULA_ANCHORS,
    follow=re.compile(_COPULA),
    before=0,
    after=240,
    priority=20,
    kind=None,
    check=_sentence_ok,
    literal=True,
    anchors=(_COPULA_ANCHORS,),
    patterns=(_SENTENCE,),
)
DETECTORS = (FOREIGN_PASSWORD, FOREIGN_SENTENCE_PASSWORD)
