"""Passwords that code *uses* rather than assigns: typed into a login form by a UI test (Selenium
``find_element(By.ID, "password").send_keys("V")``, Cypress ``cy.get('#password').type('V')``,
Playwright ``page.fill("#password", "V")``, Capybara ``fill_in "Password", with: "V"``, Testing Library
``user.type(screen.getByLabelText(/password/i), "V")``), and compared against a password in a check or a
test (``strcmp(password, "V")``, ``user.getPassword().equals("V")``, ``assertEquals("V", user.getPassword())``); and
key-value pairs written as two-element tuples or lists (Python ``data=[("password", "V")]``, Erlang
``{default_pass, <<"V">>}``, Elixir ``{:password, "V"}``).

Same contract as :mod:`.formats`: a stable ``secret_type``, the span of the secret only, bounded
quantifiers so each pattern is linear in its window. The value is a quoted literal in every pattern.
"""

from __future__ import annotations

import re

from .filters import char_classes
from .format_base import _VQ, KEY_KEYWORDS, PatternDetector
from .hard_negatives import WORDY, is_code_identifier

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

# a pair as a two-element tuple, list or initializer, the key quoted: ("password", "V"), ["api_key", "V"],
# C++ {{"password", "V"}}
_PAIR_QUOTED = re.compile(
    r"""[(\[{][ \t]{0,2}["'](?P<key>[A-Za-z_][\w.-]{0,63})["'][ \t]{0,2},[ \t]{0,2}"""
    + _VQ
    + r"[ \t]{0,2}[)\]}]"
)
# an Erlang or Elixir tuple, the key an atom: {password, "V"}, {default_pass, <<"V">>}, {:password, "V"}
_PAIR_ATOM = re.compile(
    r"""\{[ \t]{0,2}:?(?P<key>[a-z_]\w{0,63})[ \t]{0,2},[ \t]{0,2}(?:<<)?(?P<v>"[^"\n]{1,200}")(?:>>)?[ \t]{0,2}\}"""
)
_NAME_LIKE = re.compile(
    rf"_*(?:{WORDY.pattern})"  # confirm_password, SECRET_KEY, _GetToken
    r"|_*[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+"  # mlp.dense_4h_to_h, _offset_per_key: module and attribute names
    r"|[\w-]{1,60}\.[a-z]{2,5}"  # tokenizer.json: a file
)


_ESCAPES = re.compile(r"(?:\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[^\n]))+")


def _pair_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Both elements are strings, so a list of names (`["password", "confirm_password"]`) reads like a pair:
    the value must look made up (two character classes, no space, not a name, a constant, a file, escapes only or
    the key's own prefix)."""
    key = m.group("key").lower()
    return (
        char_classes(value) >= 2
        and not any(c.isspace() for c in value)  # namedtuple('TokenInfo', 'type string start end line')
        and _NAME_LIKE.fullmatch(value) is None
        and _ESCAPES.fullmatch(value) is None  # ('key', '\\u0141\\xE9'): a test's text, escaped
        and not is_code_identifier(value)
        and not (
            len(value) >= 4 and key.startswith(value[:4].lower())
        )  # ("qwen2_5_omni_token2wav", "qwen2_5_omni")
    )


# after a keyword: the rest of the key, its closing quote (none for an atom), the comma and the value's opening
_PAIR_FOLLOW = re.compile(r"""[\w.-]{0,63}["']?[ \t]{0,2},[ \t]{0,2}(?:<<)?["']""")
TUPLE_PAIRS = tuple(
    PatternDetector(
        f"tuple-pair-{kind}", secret_type, keywords=KEY_KEYWORDS[kind], before=70, after=280, priority=30,
        kind=kind, patterns=(_PAIR_QUOTED, _PAIR_ATOM), guards=(("(", "[", "{"), ("{",)), check=_pair_ok,
        follow=_PAIR_FOLLOW,
    )
    for kind, secret_type in (("password", "password"), ("secret", "generic_secret"))
)  # fmt: skip

DETECTORS = (FORM_FILL_PASSWORD, COMPARED_PASSWORD, *TUPLE_PAIRS)
