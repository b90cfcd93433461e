"""Passwords given as the answer to a question about one, in chat logs and tickets::

    User: what's the wifi password?
    Assistant: It's Tx5wQ8nLm2Vz, case sensitive.

    Q: What is the root password for db01?
    A: Hk3nW8qZr5Tb

The question is a line of prose (words, no code punctuation) asking for a password and ending with ``?``; the
answer is one of the next two lines (or follows ``A:`` on the question's line), after an optional speaker (``A:``, ``[10:42] bob:``) and lead-in words
(``it's``, ``sure,``, ``here you go:``). A bare answer needs 6 characters of two classes and not letters only, so
"Click Forgot password" or "Yes, in Settings" are prose; an answer followed by ``=`` or ``:`` is code.
"""

from __future__ import annotations

import re

from .filters import char_classes
from .format_base import PatternDetector

_WORDS = ("password", "passwd", "passcode", "passphrase", "pwd", "pw")
_PROSE = r"[A-Za-z0-9' ,/-]"  # a question's characters besides the password word
_SAME_LINE = r"(?=(?:A|Answer|Reply):[ \t])"  # a FAQ's answer on the question's line: `Q: ...? A: V`
_QUESTION = (
    r"(?i:\b(?:what|whats|what's|where|which|got|have|do|does|did|can|could|is|any|and|so|remind|tell|know)\b"
    + _PROSE + r"{0,80}?\b(?:" + "|".join(_WORDS) + r")\b" + _PROSE + r"{0,40}\?)[ \t]{0,8}(?:\r?\n|" + _SAME_LINE + ")"
)  # fmt: skip
_SPEAKER = r"(?:\[[^\]\n]{1,24}\][ \t]{0,3})?(?:[A-Za-z][\w.-]{0,30}[ \t]?:[ \t]{1,3})?"
_LEAD_IN = (
    r"(?:(?i:it'?s|it is|that'?s|sure|yes|yeah|yep|ok|okay|here you go|here it is|here|try|use|the password is)"
    r"[,:!.]?[ \t]{1,3}){0,2}"
)
_ANSWER = (  # a bare value runs to a blank (its trailing punctuation is dropped after the match)
    r"""(?P<v>"[^"\n]{1,128}"|'[^'\n]{1,128}'|`[^`\n]{1,128}`|[^\s"'`]{1,128})"""
    r"(?=\s|\Z)(?![ \t]{0,3}[=:{\[])"
)
_DIALOGUE = re.compile(_QUESTION + r"(?:[ \t]{0,8}\r?\n)?[ \t]{0,8}" + _SPEAKER + _LEAD_IN + _ANSWER)


def _answer_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A bare answer needs 6 characters of two classes and not letters only: "Click here" is prose."""
    return quoted or (len(value) >= 6 and char_classes(value) >= 2 and not value.isalpha())


DIALOGUE_PASSWORD = PatternDetector(
    "dialogue-password",
    "password",
    keywords=_WORDS,
    follow=re.compile(
        _PROSE + r"{0,40}\?[ \t]{0,8}(?:\r?\n|" + _SAME_LINE + ")"
    ),  # the question ends the line
    before=120,  # back to the question's first word
    after=320,
    priority=20,
    kind="password",
    code=False,  # an answer is data: `v.Y0WWbJqLS8OU` there is no attribute access
    check=_answer_ok,
    patterns=(_DIALOGUE,),
)
DETECTORS = (DIALOGUE_PASSWORD,)
