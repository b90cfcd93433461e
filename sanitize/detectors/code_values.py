"""Pure predicates for values and keys that sit in code or prose rather than hold a secret, read off
installed libraries (``benchmarks/scan.py --tree``): a value cut short for an example (``"eyJhbGciOi..."``),
a template with fields (``"unknown_%d" % n``, ``"__f2py_cb_#name#"``), a string padded with blanks
(``token_str=' happiness'``), a regular expression, a style spec (``"italic #A3AAB2"``), a C constant or type
name (``XXH3_kSecret``, ``int8_t``), an operand of an expression (``kXxh3Secrets + AlgNum``, ``_dir or self.x``),
a key inside a placeholder slot (``<password>``), a subscript (``row[x - pw] = c``) or a docstring field
(``:param is_password: Show ...``), and "pass" after a word that makes it a compiler's pass.

Each returns a bool and never logs or raises with the value. Every pattern is bounded (linear time).
"""

from __future__ import annotations

import re

from .filters import COLOUR, line_start

_ELLIPSIS = ("...", "…")
# a template's fields, each set off from letters and digits (a generated password holds "30%Xlh", "y#omB4N6E#4"):
# printf conversions (not %20, a URL escape), #name# (f2py); around them only name characters
_TEMPLATE_FIELD = re.compile(
    r"(?<![A-Za-z0-9])(?:%[-+ #0-9.]{0,6}[sdifxXr]|#[a-z_][a-z0-9_]{1,30}#)(?![A-Za-z0-9])"
)
_TEMPLATE_REST = re.compile(r"[\w .:/,=-]*")
_REGEX = re.compile(r"\(\?[:=!<iPm]|\\[dswbDSW][*+?{)\]|]|\[\^|\]\{[0-9]")  # (?:, \d+, [^, [0-9a-f]{64}
_STYLE_WORD = re.compile(r"(?:bold|italic|underline|nobold|noitalic|nounderline|bg:|border:)\S{0,12}")
_COLOUR = re.compile(r"(?:bg:|border:)?" + COLOUR.pattern)  # a colour, as a style's background or border too
# C/C++ names: UPPER_SNAKE constants (PYBIND11_MODULE_LOCAL_ID), kCamel constants, XXH3_kSecret, types
# int8_t/size_t/pthread_mutex_t and OpenSSL's structs (pkcs8_priv_key_info_st)
_C_NAME = re.compile(
    r"[A-Z][A-Z0-9]{1,30}(?:_[A-Z][A-Z0-9]{0,30}){1,8}|k(?:[A-Z][a-z]{2,20}[0-9]{0,2}){1,8}"
    r"|[A-Z][A-Z0-9]{1,12}_k[A-Z]\w{0,40}|u?int(?:8|16|32|64)_t|(?:[a-z][a-z0-9]{0,20}_){1,7}s?t"
)
# what follows an operand: an operator and a name (not "-" or "/": prose says "V - change it", "admin / V"),
# or `or`/`and` and an attribute or a call (`_secrets_dir or self.x`); inside a value, a subscript read on
_OPERATOR_AFTER = re.compile(
    r"[ \t]{1,3}(?:[+*|&^%][ \t]{1,3}[A-Za-z_(]|(?:or|and)[ \t]{1,3}[A-Za-z_]\w{0,40}[.(\[])"
)
_SUBSCRIPT_READ = re.compile(r"[A-Za-z_]\w{0,40}\[[^\]\s]{0,20}\][.\[]")  # snodes[0].group, sizes[0][0:i]
_LITERAL_AFTER = re.compile(
    r"""[ \t]{0,3}(?:\+[ \t]{0,3}[A-Za-z_]|%[ \t]{0,3}[(A-Za-z_])"""
)  # "x" + name, "%d" % n
_DOC_FIELD = re.compile(
    r":(?:param|parameter|arg|argument|key|keyword|kwarg|ivar|cvar|var|type|vartype)(?:[ \t]{1,3}[\w.\[\], |]{1,60}?)?"
    r"[ \t]{1,3}\Z"
)
# "pass" beside one of these in an identifier (hard_negatives) is a compiler's or a filter's pass, not a password
PASS_SENSES = frozenset(
    {"forward", "backward", "grad", "custom", "dict", "dicts", "timing", "zero", "arg", "args", "attrs", "through",
     "thru", "filter", "band", "low", "high", "first", "second", "third", "final", "pre", "post", "render",
     "shader", "compile", "graph", "fx", "autocast", "fsm", "assertion", "stage", "pipeline", "kernel",
     "lowering", "scaling", "multi", "single", "fail", "fails", "failed", "rate"}
)  # fmt: skip
# and in prose, before "pass": "the backwards pass is", "First pass:", "the transformation pass"
_PASS_MODIFIERS = PASS_SENSES | frozenset(
    {"forwards", "backwards", "last", "next", "previous", "one", "two", "each", "every", "another", "this", "that",
     "transformation", "optimization", "optimisation", "compiler", "compilation", "analysis", "rewrite", "inference",
     "training", "rendering", "shadow", "extra", "separate", "multiple"}
)  # fmt: skip
# after a CLI flag: a usage line's metavariable (`--password PASSWORD`) or prose ("the --password options", "requires")
_METAVAR = re.compile(r"[A-Z][A-Z_]{1,31}")
_FLAG_PROSE = frozenset(
    {"option", "options", "flag", "flags", "argument", "arguments", "parameter", "parameters", "switch", "requires",
     "required", "is", "are", "was", "must", "should", "can", "may", "will", "and", "or", "to", "for", "with",
     "instead", "value", "field", "only", "also", "not"}
)  # fmt: skip
_KWARG = re.compile(
    r"[A-Za-z_]\w{0,40}=(?:True|False|None|[0-9]{1,6})"
)  # signature(strip_view_copy_name=True)
# SASL and HTTP authentication mechanisms: `AUTH=CRAM-MD5` names how, not with what
_MECHANISMS = frozenset({"CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "GSSAPI",
                         "NTLM", "PLAIN", "LOGIN", "NEGOTIATE", "KERBEROS"})  # fmt: skip
_ARGUMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z_]{2,40}")  # a variable passed on: password=getpass_unicode
_CLASS_HEAD = re.compile(
    r"[ \t]{0,40}(?:(?:export|abstract|public|final|data|sealed)[ \t]{1,3}){0,2}class[ \t]{1,3}"
)
# where a key or certificate is kept, named by its file: key='param:secp384r1.pem', keyfile=server.key
_KEY_FILE = re.compile(
    r"[\w.:@+/-]{0,200}[\w-]\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|pub|csr|gpg|asc|ppk|kdbx)"
)
_SELF_REF = re.compile(r"(?:^|[^\w])(?:self|this)\.")  # (self.expect_number_(), this.token, min=-self.x
_PHP_EXPR = re.compile(
    r"\$(?:_[A-Z]{3,10}|[a-z]\w{0,40})(?:\[|->|::|\()"
)  # $_POST['pw'], $this->input, $row[
_NAME_LIST = re.compile(
    r"[a-z][a-z0-9_]{1,30}(?:\|[a-z][a-z0-9_]{1,30}){1,20}"
)  # signature="float64|complex64"
_SQL_VARIABLE = re.compile(r"@@?[A-Za-z_][A-Za-z_]{1,63}")  # SET @password = @new_password (bare, no digits)
_WORD_BEFORE = re.compile(r"([A-Za-z]{2,20})[ \t]{1,3}\Z")


def is_flag_word(value: str) -> bool:
    """What follows ``--password`` in a usage line or prose: ``PASSWORD``, "options", "requires"."""
    return _METAVAR.fullmatch(value) is not None or value.lower() in _FLAG_PROSE


def is_elided(value: str) -> bool:
    """``"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."``, ``"hf_jwt_…"``: an example cut short, not a value."""
    return len(value) > 3 and value.endswith(_ELLIPSIS)


def is_template(value: str) -> bool:
    """``"unknown_12_%d"``, ``"__f2py_cb_#name#"``: a string with fields filled in later, name characters around them."""
    return (
        _TEMPLATE_FIELD.search(value) is not None
        and _TEMPLATE_REST.fullmatch(_TEMPLATE_FIELD.sub("", value)) is not None
    )


def is_padded(value: str) -> bool:
    """``' happiness'``, ``"class "``: a blank at either end -- a word piece or a prefix, not a credential."""
    return value != value.strip()


def is_key_file(value: str) -> bool:
    """``param:secp384r1.pem``, ``certs/server.key``: a key's or a certificate's file name, not its content."""
    return _KEY_FILE.fullmatch(value) is not None


def is_regex(value: str) -> bool:
    """``)|(?:passphrase``, ``^(?=.*\\d)``: a regular expression's syntax."""
    return _REGEX.search(value) is not None


def is_style_spec(value: str) -> bool:
    """``"italic #A3AAB2"``, ``"bold bg:#ffffff"``: a highlighter's style, words and colours."""
    parts = value.split()
    return (
        len(parts) >= 2
        and any(_COLOUR.fullmatch(p) for p in parts)
        and all(_COLOUR.fullmatch(p) or _STYLE_WORD.fullmatch(p) for p in parts)
    )


def is_c_name(value: str) -> bool:
    """An unquoted ``PYBIND11_MODULE_LOCAL_ID``, ``kXxh3Secrets``, ``XXH3_kSecret``, ``int8_t``: a constant or a type."""
    return _C_NAME.fullmatch(value) is not None


def is_operand(text: str, s: int, e: int, quoted: bool) -> bool:
    """The value ``text[s:e]`` is one operand of an expression: ``kXxh3Secrets + AlgNum``, ``_dir or self.x``,
    ``snodes[0].group`` (unquoted), ``"mnemonic" + passphrase``, ``"unknown_%d" % n`` (quoted: a literal
    joined to a name or formatted; ``e`` is then after its closing quote)."""
    if quoted:
        return _LITERAL_AFTER.match(text, e) is not None
    return _OPERATOR_AFTER.match(text, e) is not None or _SUBSCRIPT_READ.search(text, s, e) is not None


def in_slot(text: str, i: int, j: int) -> bool:
    """The key ``text[i:j]`` is a placeholder's name in a URL's user part: ``//<user>:<password>@host``,
    ``{user}:{password}@``, ``[password]@`` (an XML element ``<password>V</password>`` is no slot)."""
    if not (i > 0 and j < len(text) and (text[i - 1], text[j]) in (("<", ">"), ("{", "}"), ("[", "]"))):
        return False
    return text[i - 2 : i - 1] in (":", "/", "@") or text[j + 1 : j + 2] == "@"  # not <password>V</password>


def in_subscript(text: str, i: int, j: int) -> bool:
    """The unquoted key ``text[i:j]`` ends a subscript's index, ``row[x + xpos - pw] = c``: a variable, not a key."""
    return text[j : j + 1] == "]" and text[i - 1 : i] not in ("'", '"')


def in_call(text: str, i: int) -> bool:
    """The key at ``i`` is a keyword argument: after ``(`` or ``,`` inside parentheses opened on its line or on
    the line above, which ends with ``(`` or ``,`` (``assertRaises(E, login,\n    user=u, password=pw)``)."""
    lo = line_start(text, i, 200)
    head = text[lo:i].rstrip()
    if head and head[-1] not in ("(", ","):
        return False
    if head.count("(") > head.count(")"):
        return True
    if lo == 0 or text[lo - 1] != "\n" or head.count("(") != head.count(")"):
        return False
    above = text[line_start(text, lo - 1, 200) : lo - 1].rstrip()  # the line above, at most 200 characters
    return above[-1:] in ("(", ",") and above.count("(") > above.count(")")


def is_passed_name(text: str, i: int, value: str) -> bool:
    """The unquoted ``value`` of the key at ``i`` is a variable passed as a keyword argument:
    ``login(user=baduser, password=badpw)``, ``load_cert_chain(CERTFILE, password=getpass_bytes)``."""
    return _ARGUMENT_NAME.fullmatch(value) is not None and in_call(text, i)


def is_class_statement(text: str, i: int) -> bool:
    """The identifier at ``i`` is the name of a class statement, ``class HTTPPasswordMgr(Base):``: what follows in
    parentheses are its base classes, not a value."""
    return _CLASS_HEAD.fullmatch(text, line_start(text, i, 80), i) is not None


def in_doc_field(text: str, i: int) -> bool:
    """The key follows ``:param``/``:arg str``/``:ivar`` on its line: a docstring field (``:param is_password: Show``)."""
    return _DOC_FIELD.search(text, max(0, i - 80), i) is not None


def is_pass_of_kind(text: str, i: int) -> bool:
    """ "pass" at ``i`` follows a word that makes it an algorithm's pass: "the backwards pass is", "First pass:"."""
    m = _WORD_BEFORE.search(text, max(0, i - 24), i)
    return m is not None and m.group(1).lower() in _PASS_MODIFIERS


def is_code_text(value: str) -> bool:
    """Every value-level test above that holds quoted or not."""
    return (
        is_elided(value)
        or is_template(value)
        or is_padded(value)
        or is_regex(value)
        or is_key_file(value)
        or is_style_spec(value)
        or _SELF_REF.search(value) is not None
        or _PHP_EXPR.match(value) is not None
        or _NAME_LIST.fullmatch(value) is not None
        or value.upper() in _MECHANISMS
    )


def in_code(text: str, i: int, j: int, s: int, e: int, quoted: bool) -> bool:
    """The key ``text[i:j]`` and its value ``text[s:e]`` (inside its quotes when ``quoted``) are code or prose:
    a slot, a docstring field, an algorithm's pass, and for a bare value a C name, an index or an operand."""
    if in_slot(text, i, j) or in_doc_field(text, i):
        return True
    if text[i:j].lower() in ("pass", "passes") and is_pass_of_kind(text, i):
        return True
    if quoted:
        return is_operand(text, s, e + 1, True)
    value = text[s:e]
    if is_passed_name(text, i, value):
        return True  # load_cert_chain(CERTFILE, password=getpass_bytes): a variable, not a literal
    return (
        is_c_name(value)
        or _KWARG.fullmatch(value) is not None
        or _SQL_VARIABLE.fullmatch(value) is not None
        or in_subscript(text, i, j)
        or is_operand(text, s, e, False)
    )
