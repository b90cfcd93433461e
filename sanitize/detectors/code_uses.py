"""Passwords that code *uses* rather than assigns: typed into a login form by a UI test (Selenium
``find_element(By.ID, "password").send_keys("V")``, Cypress ``cy.get('#password').type('V')``,
Playwright ``page.fill("#password", "V")``, Capybara ``fill_in "Password", with: "V"``, Testing Library
``user.type(screen.getByLabelText(/password/i), "V")``), and compared against a password in a check or a
test (``strcmp(password, "V")``, ``user.getPassword().equals("V")``, ``assertEquals("V", user.getPassword())``).

Same contract as :mod:`.formats`: a stable ``secret_type``, the span of the secret only, bounded
quantifiers so each pattern is linear in its window. The value is a quoted literal in every pattern.
"""

from __future__ import annotations

import re

from .format_base import _VQ, KEY_KEYWORDS, PatternDetector

_FIELD = r"(?i:pass(?:word|wd)?|pwd)"  # the password field's name or label
_FILL_NAMES = ("send_keys", "sendKeys", "type", "fill", "setValue", "set_value", "input_text")
_FILL_CALLS = "(?:" + "|".join((*_FILL_NAMES, "typeText")) + ")"
# the field's locator, then (on the same statement) the call that fills it: `...("password").send_keys("V")`
_FILL_AFTER = re.compile(
    _FIELD + r"""[\w-]{0,40}(?:["'/]i?)?[^\n;]{0,80}?\.""" + _FILL_CALLS + r"[ \t]{0,3}\([ \t]{0,3}" + _VQ
    + r"[ \t]{0,3}[,)]"
)  # fmt: skip
# the call with the locator as its first argument (bare or inside one locator call), the value second
_FILL_WITH = re.compile(
    r"\b(?:" + _FILL_CALLS + r"|fill_in|fillField|fillIn)[ \t]{0,3}\(?[ \t]{0,3}(?:[\w.$]{1,60}\([ \t]{0,3})?"
    + r"""["'/][^"'/\n]{0,40}""" + _FIELD + r"""[^"'/\n]{0,40}["'/]i?[ \t]{0,3}\)?[ \t]{0,3},[ \t]{0,3}"""
    + r"(?:with:[ \t]{0,3})?" + _VQ
)  # fmt: skip
FORM_FILL_PASSWORD = PatternDetector(
    "form-fill-password",
    "password",
    keywords=("pass", "pwd"),
    before=130,  # back to the fill call: user.type(screen.getByLabelText(/password/i)
    after=340,  # the rest of the locator, the call and a 200-character literal
    priority=34,
    kind=None,
    patterns=(_FILL_AFTER, _FILL_WITH),
    # "type" and "fill" also cover typeText, fill_in, fillField and fillIn
    guards=(tuple("." + n for n in _FILL_NAMES), _FILL_NAMES),
    anchors=(("pass", "pwd"), tuple(n.lower() for n in _FILL_NAMES)),
)

# a comparison with a password: the key group is judged by its kind (a password name)
_COMPARE_CALLS = (
    r"(?:strn?cmp|strn?casecmp|_?stricmp|wcscmp|memcmp|hash_equals|compare_digest|constant_time_compare|"
    r"equals(?:IgnoreCase)?|Equals|assertEquals?|assert_equal|assertThat)"
)
_NAME = r"(?P<key>[A-Za-z_$][\w.$>-]{0,63})(?:\(\))?"  # password, user.getPassword(), $this->password
_COMPARE_NAME_FIRST = re.compile(
    r"\b" + _COMPARE_CALLS + r"[ \t]{0,3}\([ \t]{0,3}" + _NAME + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
)
_COMPARE_VALUE_FIRST = re.compile(
    r"\b"
    + _COMPARE_CALLS
    + r"[ \t]{0,3}\([ \t]{0,3}"
    + _VQ
    + r"[ \t]{0,3},[ \t]{0,3}"
    + _NAME
    + r"[ \t]{0,3}[,)]"
)
_EQUALS_METHOD = re.compile(
    r"(?<![\w.$])"
    + _NAME
    + r"\.(?:equals|equalsIgnoreCase|Equals)[ \t]{0,3}\([ \t]{0,3}"
    + _VQ
    + r"[ \t]{0,3}\)"
)
_COMPARE_ANCHORS = (
    "strcmp", "strncmp", "strcasecmp", "strncasecmp", "stricmp", "_stricmp", "wcscmp", "memcmp", "hash_equals",
    "compare_digest", "constant_time_compare", "equals", "assertequal", "assert_equal", "assertthat",
)  # fmt: skip
COMPARED_PASSWORD = PatternDetector(
    "compared-password",
    "password",
    keywords=KEY_KEYWORDS["password"],
    before=260,  # back over a 200-character literal to the call: strcmp("V", password)
    after=300,
    priority=34,
    kind="password",
    patterns=(_COMPARE_NAME_FIRST, _COMPARE_VALUE_FIRST, _EQUALS_METHOD),
    guards=(("cmp", "equal", "Equal", "compare", "assertThat"),) * 2 + (("equals", "Equals"),),
    anchors=(_COMPARE_ANCHORS, _COMPARE_ANCHORS, ()),
)

DETECTORS = (FORM_FILL_PASSWORD, COMPARED_PASSWORD)
