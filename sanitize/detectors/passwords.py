"""Passwords in context: assignments in config/code/.env/YAML/JSON/XML, prose and chat ("my password is ..."), CLI
flags (``--password=...``, ``mysql -p...``), connection strings and ``scheme://user:pass@host`` URLs; the value's span."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span
from .code_values import in_code, is_flag_word
from .filters import (
    IDENT_CHARS,
    NEXT_FIELD,
    escape_end,
    in_variable_expansion,
    is_code_reference,
    is_entry_point,
    is_float_literal,
    is_lisp_key,
    is_placeholder,
    is_spaced_assignment,
    is_word,
    line_start,
    percent_value_end,
    query_value_end,
)
from .hard_negatives import (
    LITERAL,
    TUPLE_ASSIGNMENT,
    is_public_key_name,
    is_title,
    is_type_annotation,
    is_unpacked_target,
    is_weak_value,
    pair_value_start,
)

# one identifier around a keyword hit, e.g. DB_PASSWORD, db.password, --password, dbPassword
_KEYWORD = re.compile(r"(?i:pass|pwd|pw|psk|masterauth|authtok)")
IDENT_REACH = 64  # how far an identifier may extend on each side of a keyword hit
_COMPONENTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
PASSWORD_WORDS = frozenset(
    {"password", "passwd", "passphrase", "pwd", "pass", "pw", "passcode", "passwort", "pword"}
)
_AFTER_KEY = re.compile(
    r"""(?:\[[0-9]{0,4}\])?["'`\]]{0,2}(?:      # a C array declarator: char password[] = "..."
      [ \t]{0,3}(?::[ \t]{1,2}(?:str|bytes|Optional\[str\]|SecretStr|String|string|Final|&(?:'static[ \t])?str)[ \t]{1,2}(?==))?(?P<op>=>|->|:=|===|!==|==|!=|=|:|>|\(|value[ \t]?=|%3[Dd])[ \t]{0,3}
        (?:(?:new[ \t]{1,3})?(?:String|SecretStr|SecretString|str|bytes)[ \t]{0,2}\([ \t]{0,2}(?=["'`])
          | \([ \t]{0,2}(?:\r?\n[ \t]{0,16}(?=(?:"[^"\n]{1,200}"|'[^'\n]{1,200}')\r?\n[ \t]{0,16}\)))?(?=["'])  # (\n"V"\n)
          | (?:[bBrRuUfF]{1,2}|@)(?=["'])   # b"..." r'...' u"..." f"..." C# @"..."
          | ""(?=")|''(?=')                 # a triple-quoted string's first two quotes
          | &[\w-]{1,40}[ \t]{1,3}          # a YAML anchor: password: &pw VALUE
          | !!str[ \t]{1,3}                 # a YAML tag: password: !!str VALUE
        )?
    | (?P<prose>(?:[ \t][^\n]{0,48}?)??(?:[ \t](?:is|was|to|be|now)\b(?:[ \t]?:)?|[ \t]?[:=]|[ \t][-–—]|['’]s\b))[ \t]{1,3}
        (?![a-z]{1,40}[.,;:!?]{0,3}(?!\S))  # prose reads on past a word ("was changed to V", "will be V")
    | (?P<space>[ \t]{1,3})
    )(?:"(?P<dq>(?:[^"\\\n]|\\[^\n]){1,200})"|'(?P<sq>(?:[^'\\\n]|\\[^\n]){1,200})'|`(?P<bq>[^`\n]{1,200})`|(?P<bare>[^\s"'`<;]{1,200}))""",
    re.VERBOSE,
)
# `Password (new): V`, `root password (initial) = V`: a parenthetical qualifier between the key and its operator
_QUALIFIER = re.compile(r"[ \t]{1,2}\([^()\n]{1,30}\)(?=[ \t]{0,2}[:=])")
_DOC_TYPE = re.compile(r"\b(?:str|bool|int|float|bytes|list|dict|tuple|optional|callable|None|Any|object)\b")
# "Just use VALUE as the password", "try VALUE for the wifi password"
_VALUE_FIRST = re.compile(
    r"(?i:\b(?:use|try|it's|its|is)[ \t]{1,3})"
    r"(?:\"(?P<dq>[^\"\n]{1,128})\"|'(?P<sq>[^'\n]{1,128})'|(?P<bare>[^\s\"'`<;]{3,128}))"
    r"[ \t]{1,3}(?i:as|for)[ \t]{1,3}(?i:(?:the|my|your|our|a)[ \t]{1,3})?(?:[A-Za-z-]{1,20}[ \t]{1,3})?"
    r"(?i:password|passcode|passphrase|pw)\b"
)
# -p VALUE, -pVALUE, and Windows' -p:VALUE (winrs -u:admin -p:V): the colon is no part of the password
_SHORT_FLAG = re.compile(
    r"(?<![\w-])-p(?::(?=\S)|[ \t]{1,3}|(?=[^\s-]))(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|(?P<bare>[^\s\"'`;|&]{1,200}))"
)
_SHORT_FLAG_COMMANDS = ("mysql", "mariadb", "sshpass", "smbclient")  # commands whose -p takes a password
_SHORT_FLAG_USER = re.compile(r"\s-u\s?\S")
_URL_PASSWORD = re.compile(
    r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@?#\"'<>]{0,128}:([^\s@/?#\"'<>]{1,128})@(?=[\w.\[-])"
)
_STOPWORDS = frozenset(
    ["a", "an", "the", "is", "was", "are", "be", "been", "being", "it", "its", "this", "that", "these", "those", "to", "of", "for", "in", "on", "at", "by", "with", "and", "or", "not", "no", "yes", "your", "my", "our", "his", "her", "their", "you", "we", "they", "he", "she", "i", "me", "us", "must", "should", "will", "would", "can", "could", "may", "might", "has", "have", "had", "do", "does", "did", "set", "reset", "see", "use", "used", "using", "enter", "entered", "type", "typed", "same", "different", "below", "above", "here", "there", "field", "fields", "value", "prompt", "prompted", "changed", "updated", "incorrect", "wrong", "invalid", "expired", "missing", "required", "optional", "protected", "hidden", "masked", "stored", "hashed", "encrypted", "manager", "policy", "length", "characters", "chars", "strong", "weak", "secure", "insecure", "login", "authentication", "username", "user", "email", "again", "instead", "too", "also", "only", "just", "still", "now", "then", "when", "if", "because", "forgotten", "forgot", "lost", "sent", "sharing", "shared"]
)  # fmt: skip
_TRAILING = ".,;:)]}'\""
# bare words of code after `password:` (`if not password: raise ...`, `password = new ...`)
_CODE_WORDS = frozenset(
    {"raise", "return", "throw", "new", "await", "yield", "lambda", "self", "this", "function", "def", "var",
     "let", "const", "continue", "break", "print", "echo", "assert", "except", "try", "catch", "else", "elif",
     "import", "from", "class", "static", "void", "final"}
)  # fmt: skip
# a short key (pass, pw) with a spaced value counts right after a user and its name: `user bob pass V` (not
# "the user attempts to pass `inputs_embeds`")
_USER_BEFORE = re.compile(
    r"(?i:(?<![\w-])(?:user(?:name)?|login|account|uid|wi-?fi|ssid))(?:[ \t]{1,3}is)?[ \t]{0,3}[:=]?[ \t]{0,3}\S{1,64}"
    r"(?:[ \t]{1,3}(?:[/,|]|and))?[ \t]{1,3}\Z"
)
_LOWER_SNAKE = re.compile(r"[a-z]{1,20}(?:_[a-z]{1,20}){1,9}")  # ph_up, rem_w: a name (not Quartz_9762)
# an object's attribute in code: self.password, this.pwd (not a dotted config key: db.password, config.password)
_CODE_OBJECT = re.compile(r"(?:self|this|cls)\.")
# a bare value that is an expression: a parenthesis or bracket first, a whole subscript (auth[2], pw[:-1]), or the
# next target of a spaced chain (`userid = passwd = acct = ''`)
_CODE_VALUE = re.compile(
    r"[(\[]|[A-Za-z_][\w.]{0,63}\[[^\]\s]{0,40}\](?![^\s;,)])|[A-Za-z_]\w{0,63}[ \t]{1,3}=(?!=)"
)


def _short_spaced_ok(text: str, i: int) -> bool:
    """``pass V`` alone on its line (a directive) or after a user or network on it: ``user bob pass V``, ``user: ops
    and pass V``, ``wifi: HomeNet / pw V``."""
    # this line, at most 160 characters of it: not the whole text before i where a flood has no line break
    return _directive_line(text, i) or _USER_BEFORE.search(text, line_start(text, i, 160), i) is not None


_NEXT_ARGUMENT = re.compile(r"[ \t]{0,3},")  # after a closing quote: more arguments follow
_KEYRING_CALL = re.compile(
    r"(?:^|\.)(?:set_password|delete_password)\Z"
)  # keyring's (service, username, ...)
# models.CharField(max_length=128, SQLAlchemy Column(String(128: a call (three letters at least before the parenthesis)
_CALL = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\(|[A-Za-z_]\w{2,}\(")
# the code between a prompt's closing quote and the next literal's opening one: `) or `, `) + `, `), `
_BETWEEN_LITERALS = re.compile(
    r"[)\]]{1,3}[ \t]{0,3}(?:or|and|\|\||&&|\?\?|\?:|\+|,|\.)?[ \t]{0,3}\Z"
    r"|[ \t]{1,3}[%+][ \t]{0,3}\(?[^\n]{0,80}\Z"  # "... for %s: " % (USER, host or "...": formatting code
)
# a call that looks a password up or reads one, whose arguments name it: get_password("svc", "user"), find_user_pass(...)
_LOOKUP = re.compile(r"(?i:get|find|fetch|load|read|lookup|query|has|is)(?![a-z])")


def identifier_bounds(text: str, start: int, end: int, reach: int = IDENT_REACH) -> tuple[int, int]:
    """``(i, j)``: ``text[start:end]`` widened by up to ``reach`` identifier characters
    (``[A-Za-z0-9_.-]``) on each side, e.g. the keyword ``pass`` in ``DB_PASSWORD=`` -> ``DB_PASSWORD``.
    ``str.rstrip``/``lstrip`` do the walk in C (a per-character Python loop was the hot spot)."""
    head = text[max(0, start - reach) : start]
    tail = text[end : end + reach]
    return start - len(head) + len(head.rstrip(IDENT_CHARS)), end + len(tail) - len(tail.lstrip(IDENT_CHARS))


_SEPARATORS = re.compile(r"[_.\-]+")
_LONG_WORDS = ("password", "passwd", "passphrase", "passcode", "passwort")
_LONG_WORD = re.compile("|".join(_LONG_WORDS))  # one C search instead of five `in` tests
# passe: French "mot de passe"; psk: WPA; authtok: sssd's ldap_default_authtok
SHORT_PASSWORD_WORDS = frozenset({"pass", "pw", "pwd", "passe", "psk", "authtok"})


_ELEMENT = re.compile(LITERAL)


def unpacked_literals(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """``(name, value start, value end)`` of each quoted literal a tuple assignment unpacks into a name:
    ``host, user, pwd = "db", "bob", "V"`` -> ("host", ...), ("user", ...), ("pwd", ...) (inside the quotes)."""
    for m in TUPLE_ASSIGNMENT.finditer(text, start, end):
        names = [n.strip() for n in m.group("names").split(",")]
        values = list(_ELEMENT.finditer(text, m.start("values"), m.end("values")))
        if len(names) != len(values):
            continue
        for name, v in zip(names, values):
            if v.group()[0] in "\"'":
                yield name, v.start() + 1, v.end() - 1


_NEXT_WORD = re.compile(r"[ \t]{1,3}[a-z]{2,}\b")  # a sentence goes on after the value


def is_password_key(identifier: str) -> bool:
    """DB_PASSWORD, PGPASSWORD, db.password, --password, dbPassword, pass, mot_de_passe: a component is (or,
    for the long words, contains) a password word; "compass", "passport" or "passenger" are not keys."""
    low = identifier.lower()
    if _LONG_WORD.search(low) or low in _PASSWORD_DIRECTIVES:
        return True
    words = _SEPARATORS.split(low)
    if not SHORT_PASSWORD_WORDS.isdisjoint(words):
        return _PASS_VERB.isdisjoint(words)  # pass_fds, should_pass, fds_to_pass: "pass" the verb
    camel = _CAMEL_SUFFIX.search(identifier)  # keystorePass, dbPwd (not passThrough, bypass, shouldPass)
    return camel is not None and _PASS_VERB.isdisjoint(w.lower() for w in _COMPONENTS.findall(identifier))


# words that make "pass" a verb or a count in an identifier (Python's subprocess pass_fds, unittest's should_pass)
_PASS_VERB = frozenset({"fds", "through", "thru", "should", "must", "to", "can", "will", "did", "fail", "failed", "rate",
                        "count", "first", "second", "next", "single", "multi", "two", "one", "bypass"})  # fmt: skip
_PASSWORD_DIRECTIVES = frozenset(
    {"requirepass", "masterauth", "bindpw", "rootpw", "masterpass"}
)  # redis, nslcd, slapd
_CAMEL_SUFFIX = re.compile(r"[a-z0-9](?:Pass|Pwd|PWD|Pw|PW)\Z")
# a directive line, key and value separated by a space: the key opens the line, one value ends it --
# Java .properties `db.password V`, Gradle/Groovy `storePassword 'V'`, redis `requirepass V`, keepalived
# `auth_pass V`, slapd `rootpw V`
_DIRECTIVE_LINE = re.compile(
    r"""[ \t]{0,16}[A-Za-z_][\w.-]{0,80}[ \t]{1,4}(?:"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"']{1,200})"""
    r"[ \t]*(?:\r?\n|\Z)"
)


def _directive_line(text: str, key_start: int) -> bool:
    line = text.rfind("\n", max(0, key_start - 16), key_start) + 1
    if line == 0 and key_start > 16:
        return False
    return text[line:key_start].strip(" \t") == "" and _DIRECTIVE_LINE.match(text, line) is not None


_VARIABLE = re.compile(r"[A-Za-z_]+")


def is_password_variable(value: str) -> bool:
    """``confirm_password``, ``newPassword``, ``old_pwd``: an identifier of two or more words, no digit,
    one of them a password word -- a variable holding the password, not one (``mypassword1`` is one)."""
    if not _VARIABLE.fullmatch(value):
        return False
    words = [w.lower() for w in _COMPONENTS.findall(value)]
    return len(words) >= 2 and not PASSWORD_WORDS.isdisjoint(words)


def password_value_ok(value: str, *, quoted: bool, prose: bool) -> bool:
    """Whether ``value`` (what follows a password key) is a password rather than a placeholder,
    a code reference, an English word or nothing; quoted or not, never one of the hard negatives
    (sequential or filler, symbols only, markup or an operator, encrypted material such as SOPS ``ENC[...]``)."""
    if not 3 <= len(value) <= 128 or is_placeholder(value) or "://" in value or is_weak_value(value):
        return False
    if is_entry_point(value):  # "IPython.core.magics.osm:OSMagics"
        return False
    if quoted:
        return True
    low = value.lower()
    if low in _STOPWORDS or low in _CODE_WORDS or _CALL.match(value):  # `raise`, `hashlib.sha256(b"x")`
        return False
    if is_code_reference(value) and not any(c.isdigit() for c in value):
        return False
    if NEXT_FIELD.match(value):  # `password= sslmode=require`
        return False
    if is_password_variable(value):  # `if password == confirm_password:`, `pwd=newPwd`
        return False
    if prose and len(value) < 5 and not value.isalnum():  # "passwords are now required to be 12+ chars"
        return False
    if prose and all(p.isalpha() and p.islower() for p in value.split("-")):  # "must be bytes-like"
        return False
    if prose and _LOWER_SNAKE.fullmatch(value):  # "k_pass is passed to kv_b_proj": a name (not Quartz_9762)
        return False
    return not (prose and is_word(value))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PasswordDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        yield from self._keyed(text, start, end)
        yield from self._tuples(text, start, end)
        yield from self._value_first(text, start, end)
        yield from self._urls(text, start, end)
        yield from self._short_flags(text, start, end)

    def _keyed(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start  # end of the last value found: keys inside it are not looked at
        for kw in _KEYWORD.finditer(text, start, end):
            if kw.start() < pos:
                continue
            i, j = identifier_bounds(text, kw.start(), kw.end())
            if i > 0 and text[i - 1] == "%" and j - i > 2:  # `%26pwd%3DV`: the 26 is an encoded '&'
                i += 2
            ident = text[i:j]
            pos = j  # one look per identifier, however many keywords it holds
            # passwordPolicy, PASSWORD_RESET_TIMEOUT: about a password; `${DB_PASSWORD:-v}`: env-default's
            if not is_password_key(ident) or is_public_key_name(ident) or in_variable_expansion(text, i):
                continue
            qualified = _QUALIFIER.match(text, j, end)
            if qualified and _DOC_TYPE.search(qualified.group()):
                continue  # `password (bool, optional): Enable ...`: a docstring's parameter, not a value
            m = _AFTER_KEY.match(text, qualified.end() if qualified else j, end)
            if m is None:
                continue
            short = (
                ident.lower().rstrip(".-") in SHORT_PASSWORD_WORDS
            )  # "the forward pass. Takes": a sentence's end
            spaced = m.group("space") is not None
            # "password VALUE" only for CLI flags (--password VALUE), "pass VALUE", ENV/setx/setenv lines,
            # `{:password "V"}`, and directive lines (`db.password V`, `storePassword 'V'`; a bare value there
            # must not be letters only)
            directive = False
            if spaced and not (
                ident.startswith("-")
                or short
                or is_spaced_assignment(text, i)
                or (m.group("bare") is None and is_lisp_key(text, i))
            ):
                directive = _directive_line(text, i)
                if not directive:
                    continue
            elif spaced and short and not ident.startswith("-") and not _short_spaced_ok(text, i):
                continue  # "pass it to TextIOWrapper", "options to pass to SWIG": the verb, not a key
            said = m.group("prose")  # the words between key and value in prose ("is", "was changed to")
            if short and said is not None and said.strip().rstrip(":=").strip() not in ("", "is", "was", "-"):
                continue  # `pass  # status changed to READ-ONLY`, "# Pass 1: Merge", "pass #FIXME:": not "pass is V"
            op, bare = m.group("op"), m.group("bare")
            arrow = op == "->" or (ident.endswith("-") and op == ">")
            if short and (arrow or (spaced and m.group("bq") is not None)):
                continue  # einsum's "pw->ncop"; "users pass `embeds`": code named in prose
            if short and op == ":" and bare and is_word(bare.lower()) and _NEXT_WORD.match(text, m.end()):
                continue  # "# First pass: Create dict of ...": a heading and its sentence
            if short and op == ":" and (m.group("dq") or m.group("sq") or "").count(" ") >= 2:
                continue  # 'pass': 'The "pass" statement': a sentence under the word, not a password
            if op == "(" and (bare is not None or _LOOKUP.match(ident.rsplit(".", 1)[-1])):
                continue  # check_password(user_input): a call, not a literal; get_password("svc", "user"): a lookup
            if op == "(" and _KEYRING_CALL.search(ident) and _NEXT_ARGUMENT.match(text, m.end()):
                continue  # keyring.set_password("svc", "user", "V"): the first of several arguments names the service
            if op in ("==", "!=", "===", "!==") and bare is not None:
                continue  # password == password2: code compares a password with literals, not names
            if op == "(" and not is_password_key(ident.rsplit(".", 1)[-1]):
                continue  # password.encode('ascii'), pw.strip("x"): a method of the password, not its value
            if bare is not None and _CODE_OBJECT.match(ident):
                continue  # self.password = credentials: code assigns a name; only a literal is a value
            if bare is not None and op == ":" and is_type_annotation(text, *m.span("bare")):
                continue  # password: HiddenText | None = None, password: SecretStr: a type annotation
            if op == "=" and is_unpacked_target(text, i, quoted=bare is None):
                continue  # username, password = proxy_auth / 'bob', 'V': a tuple unpacked (_tuples' look)
            if bare is not None and _CODE_VALUE.match(text, m.start("bare")):
                continue  # pwd = (self.password..., = [x.fileno(), = auth[2], = acct = '': expressions
            name = m.lastgroup  # the value groups close the pattern
            s, e = m.span(name)
            e = escape_end(text, s, e)  # "...\\npassword=VALUE\\nhost=db" (JSON-escaped)
            if name == "bare":
                e = query_value_end(text, i, s, e)  # `?password=V&x`, a form body `password=V&user=bob`
                if op in ("%3D", "%3d"):  # percent-encoded: `password%3DV%26user%3Dbob`
                    e = percent_value_end(text, s, e)
                while e > s and text[e - 1] in _TRAILING:
                    e -= 1
            s += pair_value_start(text, i, text[s:e])
            value = text[s:e]
            if name in ("dq", "sq") and text[s - 2 : s - 1] in ("f", "F") and "{" in value:
                continue  # f"{user}:{pw}": an f-string interpolates code
            if name in ("dq", "sq") and _BETWEEN_LITERALS.match(value):
                continue  # input("Password: ") or "V": the code between two literals, not a value
            if _LOWER_SNAKE.fullmatch(value) and not SHORT_PASSWORD_WORDS.isdisjoint(value.split("_")):
                continue  # construct_pattern_matcher_pass("normalization_pass"): the name of a (compiler) pass
            # not a password: `log.pass Fail` (letters on a directive line), `firstPass = 0.95` (a number),
            # `pwd /home/bob`, `passwordfile ./pw` (a path after a spaced key)
            if (
                short
                and name == "bare"
                and (is_word(value) or _LOWER_SNAKE.fullmatch(value) or is_title(text, i, s, e))
            ):
                continue  # pw = side, pw_up: names in code; "[... Pass - Inplace View Ops]", `pw: Split,`: a title, a type
            path = spaced and value.startswith(("/", "./", "../", "~/"))
            if name == "bare" and ((directive and value.isalpha()) or is_float_literal(value) or path):
                continue
            flag = name == "bare" and spaced and ident.startswith("-")
            if flag and (is_flag_word(value) or (is_word(value) and _NEXT_WORD.match(text, e))):
                continue  # usage text `--password PASSWORD` (a metavariable); "the --password options instead"
            # "pass word" may be prose, and so may "password (the old one): word"
            prose = m.group("prose") is not None or (short and spaced) or qualified is not None
            # last, for a value that would be reported: <password>, `:param is_password:`, "backwards pass", a + b
            if password_value_ok(value, quoted=name != "bare", prose=prose) and not in_code(
                text, i, j, s, e, name != "bare"
            ):
                pos = e
                yield s, e, 0.9

    def _tuples(self, text: str, start: int, end: int) -> Iterator[Span]:
        for name, s, e in unpacked_literals(text, start, end):
            key = is_password_key(name) and not is_public_key_name(name)
            if key and password_value_ok(text[s:e], quoted=True, prose=False):
                yield s, e, 0.9

    def _value_first(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _VALUE_FIRST.finditer(text, start, end):
            s, e = m.span(m.lastgroup or "bare")
            if password_value_ok(text[s:e], quoted=m.lastgroup != "bare", prose=True):
                yield s, e, 0.85

    def _urls(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _URL_PASSWORD.finditer(text, start, end):
            s, e = m.span(1)
            value = text[s:e]
            if not (is_placeholder(value) or is_weak_value(value)) and value.lower() not in PASSWORD_WORDS:
                yield s, e, 0.95

    def _short_flags(self, text: str, start: int, end: int) -> Iterator[Span]:
        for m in _SHORT_FLAG.finditer(text, start, end):
            lo = max(0, m.start() - 160)  # the command's start: this line, at most 160 characters back
            line_start = max(lo, text.rfind("\n", lo, m.start()) + 1)
            before = text[line_start : m.start()].lower()
            if not any(w in before for w in _SHORT_FLAG_COMMANDS) and not _SHORT_FLAG_USER.search(before):
                continue
            if (
                m.group(0)[2] in " \t"
                and ("mysql" in before or "mariadb" in before)
                and "sshpass" not in before
            ):
                continue  # mysql's -p takes its password glued (-pV); `-p mydb` prompts, mydb is the database
            name = next(g for g in ("dq", "sq", "bare") if m.group(g) is not None)
            s, e = m.span(name)
            e = escape_end(text, s, e)
            if password_value_ok(text[s:e], quoted=name != "bare", prose=False):
                yield s, e, 0.85


PASSWORD = PasswordDetector(
    "password", "password",
    keywords=("pass", "pwd", "pw", "-p", "psk", "masterauth", "authtok"),
    trigger=r"://[^\s:/@]*:[^\s@/]+@",
    before=64, after=320, priority=20, nests=True,
)  # fmt: skip

DETECTORS = (PASSWORD,)
