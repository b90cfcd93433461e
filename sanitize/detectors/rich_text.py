"""Passwords in rich text, where formatting stands between the key and its value: HTML (``<b>Password:</b> V``,
``<td>Password</td><td>V</td>``, ``<dt>Password</dt><dd>V</dd>``, ``Password:<br>V``, ``password is <code>V</code>``)
and Markdown emphasis (``**Password:** V``, ``* __pwd__: V``) -- wiki pages, e-mails and tickets exported as HTML or
Markdown. Plain ``Password: V`` is the password detector's case; here at least one tag or emphasis marker must
stand between the two.

The value ends at a tag, an emphasis marker or the line's end (``<b>Password:</b> must be 8 characters`` is prose),
and goes through the password detector's value test (a word, a code reference or a placeholder is no password);
letters only is a table's label, not a password.
Bounded quantifiers on an anchored match at each keyword: linear in the window.
"""

from __future__ import annotations

import re

from .format_base import PatternDetector
from .passwords import password_value_ok

_TAG = r"</?(?:b|strong|em|i|u|span|th|td|dt|dd|label|p|div|code|br|font|small|mark|tt|kbd|samp|li)\b[^<>\n]{0,100}>"
_RICH = re.compile(
    r"(?<![\w-])(?i:password|passwd|passwort|passphrase|passcode|pwd|pw)"
    r"(?:[ \t]{0,3}:|[ \t]{1,3}(?:is|was))?[ \t]{0,3}"  # Password: / password is
    r"(?:(?:"
    + _TAG
    + r"|\*\*|__)[ \t]{0,3}(?::[ \t]{0,3})?){1,6}"  # the formatting, a colon inside or after it
    r"(?P<v>[^\s<>\"'`]{4,128}?)(?=[ \t]{0,3}(?:<|\*\*|__|\r?\n|\Z))"  # up to a tag, `**` or the line's end
)


def _rich_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Letters only is a label in a table (``<th>Password</th><th>Description</th>``), not a password."""
    return not value.isalpha() and password_value_ok(value, quoted=False, prose=True)


RICH_TEXT_PASSWORD = PatternDetector(
    "rich-text-password", "password", keywords=("pass", "pwd", "pw"), before=0, after=1000, priority=28, kind=None,
    literal=True, check=_rich_ok, patterns=(_RICH,), anchors=(("pass", "pwd", "pw"),),
    follow=re.compile(r"\w{0,8}(?:[ \t]{0,3}:|[ \t]{1,3}(?:is|was))?[ \t]{0,3}(?:<|\*\*|__)"),
)  # fmt: skip
