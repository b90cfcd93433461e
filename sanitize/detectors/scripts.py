"""Credentials in operator scripts: SQL (``IDENTIFIED BY``, ``WITH PASSWORD``, ``CREATE LOGIN``:
:data:`SQL_PASSWORD`), ``vault login TOKEN``, PowerShell ``Set-Variable -Name password
-Value "..."`` / ``New-Variable``, Tcl/expect ``expect "*assword:"`` then ``send "...\r"``, and T-SQL's
``sp_addlogin 'user', '...'`` / ``sp_password 'old', '...'``, SQL*Plus ``CONNECT user/...@db`` on a line of its own,
and cloud-init's ``chpasswd: list:`` lines ``user:...``; and protocol transcripts in logs: SMTP ``AUTH PLAIN <base64>``
(decoded: ``[authzid]\0user\0password``), IMAP ``a1 LOGIN user ...``, FTP/POP3 ``PASS ...`` after a ``USER`` line.

Each pattern starts with a literal (``vault``, ``-variable``, ``expect``, ``sp_``) or at a line start (SQL*Plus)
and uses bounded quantifiers on disjoint character classes, so it is linear in its window; the chpasswd reader
reads each block of a window once. The span is the value without its quotes or backticks, and values go through
the hard negatives (:func:`~.format_base.value_ok`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from .base import Detector, Span
from .filters import char_classes, is_word
from .format_base import _KEY, _V, _VQ, PatternDetector, _i, decoded_base64, is_placeholder, value_ok

# -- SQL: IDENTIFIED BY / WITH PASSWORD / CREATE LOGIN (kept first in formats.DETECTORS, not in DETECTORS) --
# what precedes IDENTIFIED BY in SQL (CREATE/ALTER USER, GRANT ... TO, CONNECT TO ... of a database link);
# prose ("the stack frame identified by `frameId`") has none of them in its statement
_SQL_IDENTIFIED = re.compile(r"(?i)\b(?:user|role|grant|connect[ \t]+to)\b")


def _sql_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    if m.group(0)[:10].lower() == "identified":
        if m.group("v").startswith("`"):
            return False  # a backquoted name
        lo = max(0, m.start() - 160)  # the statement: back to its ";" (bounded, so linear in a flood)
        semi = m.string.rfind(";", lo, m.start())
        if _SQL_IDENTIFIED.search(m.string, semi + 1 if semi >= 0 else lo, m.start()) is None:
            return False  # no statement it belongs to
    return quoted or char_classes(value) >= 2  # Oracle's bare IDENTIFIED BY pw, not prose "by its"


SQL_PASSWORD = PatternDetector(
    "sql-password",
    "password",
    keywords=("identified", "password"),
    before=160,
    after=260,
    priority=30,
    kind=None,
    check=_sql_ok,
    follow=_i(
        r"[ \t\r\n]{1,5}(?:by|with)|[ \t]{0,3}=?[ \t]{0,3}N?[\"'`]"
    ),  # IDENTIFIED BY / WITH / PASSWORD 'x'
    guards=(("identified",), ("with", "create", "alter")),
    anchors=(("identified",), ()),
    patterns=(
        _i(
            r"\bidentified[ \t\r\n]{1,5}(?:with[ \t]{1,5}\w{1,40}[ \t]{1,5})?by(?:[ \t]{1,5}password)?[ \t\r\n]{1,5}N?"
            + _V
        ),  # MySQL: IDENTIFIED WITH mysql_native_password BY 'pw'
        _i(
            r"\b(?:with[ \t\r\n]{1,5}(?:encrypted[ \t]{1,5}|unencrypted[ \t]{1,5})?password|"
            r"(?:create|alter)[ \t]{1,5}(?:login|user|role)\b[^;\n]{0,120}?\bpassword)[ \t]{0,3}=?[ \t]{0,3}N?"
            + _VQ
        ),
    ),
)


def _sql_variable(kind: str, secret_type: str) -> PatternDetector:
    """T-SQL/MySQL variables: ``DECLARE @pwd NVARCHAR(50) = N'V'``, ``SET @api_key = 'V'`` (N: a Unicode literal)."""
    return PatternDetector(
        f"sql-variable-{kind}",
        secret_type,
        keywords=("declare @", "set @"),
        before=0,
        after=300,
        priority=31,
        kind=kind,
        anchors=(("declare", "set"),),
        patterns=(
            _i(
                r"\b(?:declare|set)[ \t]{1,3}@(?P<key>[A-Za-z_]\w{0,63})(?:[ \t]{1,3}(?:as[ \t]{1,3})?\w{1,20}"
                r"(?:[ \t]{0,3}\([ \t]{0,3}(?:\d{1,5}|max)[ \t]{0,3}\))?)?[ \t]{0,3}=[ \t]{0,3}N?" + _VQ
            ),
        ),
    )


SQL_VARIABLE_PASSWORD = _sql_variable("password", "password")
SQL_VARIABLE_SECRET = _sql_variable("secret", "generic_secret")

# vault login [-flag[=x]]... TOKEN: the first word that is no flag and no key=value (-method=userpass
# username=bob password=... is an assignment, found as one); hvs./hvb./s. tokens or legacy UUIDs
VAULT_LOGIN = PatternDetector(
    "vault-login",
    "generic_secret",
    keywords=("vault login",),
    before=0,
    after=400,
    priority=30,
    kind="secret",
    literal=True,  # a command line: hvs.CAES... is no attribute access
    anchors=(("vault",),),
    patterns=(
        re.compile(
            r"\bvault[ \t]{1,3}login(?:[ \t]{1,3}-{1,2}[\w-]{1,40}(?:=[^\s]{0,200})?){0,6}[ \t]{1,3}"
            r"(?P<v>[A-Za-z0-9][A-Za-z0-9._-]{7,200})(?![^\s;|&])"
        ),
    ),
)


# quoted, or bare and not an expression ($var, (Read-Host ...), @{...}) or the next parameter (-Value)
_PS_VALUE = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'`<;,(){}$@|-][^\s"'`<;,(){}$@|]{0,199})"""


def _powershell_variable(kind: str, secret_type: str) -> PatternDetector:
    """``Set-Variable [-Name] password [-Value] "V"`` (and ``New-Variable``), PowerShell's any case."""
    return PatternDetector(
        f"powershell-variable-{kind}",
        secret_type,
        keywords=("set-variable", "new-variable"),
        before=0,
        after=400,
        priority=30,
        kind=kind,
        anchors=(("set-variable", "new-variable"),),
        patterns=(
            re.compile(
                r"\b(?:set|new)-variable[ \t]{1,3}(?:-name[ \t]{1,3})?[\"']?" + _KEY
                + r"[\"']?[ \t]{1,3}(?:-value[ \t]{1,3})?" + _PS_VALUE,
                re.IGNORECASE,
            ),
        ),
    )  # fmt: skip


# expect "*assword:" [{] send [--] "V\r": the answer to a password prompt; Tcl substitutes $var and [cmd] inside
# double quotes, so a value holding $, [ or \ (other than the closing \r) is no literal
EXPECT_SEND = PatternDetector(
    "expect-send-password",
    "password",
    keywords=("expect ",),
    before=0,
    after=400,
    priority=30,
    kind=None,
    literal=True,
    anchors=(("expect",),),
    patterns=(
        re.compile(
            r"""\bexpect[ \t]{1,3}(?:-(?:re|ex|gl)[ \t]{1,3})?["{][^"{}\n]{0,60}?(?i:assw|assphrase|pwd)[^"{}\n]{0,60}"""
            r"""["}](?:[ \t]{0,3}\{)?[ \t]{0,3}(?:\r?\n[ \t]{0,40})?send[ \t]{1,3}(?:--[ \t]{1,3})?"""
            r"(?P<v>\"[^\"\\$\[\n]{1,200}(?:\\r|\\n)?\")"  # quoted (its trailing dots kept); \r is cut off
        ),
    ),
)
# sp_addlogin [@loginame =] 'user', [@passwd =] 'V'; sp_password [@old =] 'old' | NULL, [@new =] 'V'
SQL_SERVER_PROCEDURE = PatternDetector(
    "sql-server-procedure-password",
    "password",
    keywords=("sp_addlogin", "sp_password"),
    before=0,
    after=400,
    priority=30,
    kind=None,
    literal=True,
    anchors=(("sp_addlogin", "sp_password"),),
    patterns=(
        re.compile(
            r"(?i:sp_addlogin|sp_password)[ \t]{1,3}(?:@\w{1,20}[ \t]{0,3}=[ \t]{0,3})?(?:N?'[^'\n]{0,128}'|NULL)"
            r"[ \t]{0,3},[ \t]{0,3}(?:@\w{1,20}[ \t]{0,3}=[ \t]{0,3})?N?(?P<v>'[^'\n]{1,128}')"
        ),
    ),
)
# SQL*Plus / SQLcl: CONNECT (or CONN) user/V[@db] [AS SYSDBA] alone on its line, in a script or after a SQL>
# prompt; V is double-quoted when it holds @ or /. &name is a substitution variable, `connect / as sysdba` has
# no password, and prose ("connect input/output streams") goes on after the logon
SQLPLUS_CONNECT = PatternDetector(
    "sqlplus-connect-password",
    "password",
    keywords=("connect ", "conn "),
    before=32,  # the line's start: the logon must open its line
    after=400,
    priority=30,
    kind=None,
    literal=True,
    patterns=(
        re.compile(
            r"(?<![^\n])[ \t]{0,20}(?:SQL>[ \t]{0,3})?(?i:conn(?:ect)?)[ \t]{1,3}[A-Za-z_][\w$#]{0,63}/"
            r"(?P<v>\"[^\"\n]{1,128}\"|[^@/\s\"'&;][^@/\s\"';]{0,127})(?:@[^\s;]{1,200})?"
            r"(?:[ \t]{1,3}(?i:as)[ \t]{1,3}(?i:sys\w{1,8}))?[ \t]{0,3};?[ \t]{0,3}(?![^\r\n])"
        ),
    ),
    check=lambda m, value, quoted: not is_word(value),  # `connect the/dots`: prose
)
POWERSHELL_VARIABLE_PASSWORD = _powershell_variable("password", "password")
POWERSHELL_VARIABLE_SECRET = _powershell_variable("secret", "generic_secret")
# cloud-init: chpasswd:\n  list: |\n    user:V (a block scalar) or list:\n    - user:V (a sequence); RANDOM/R asks
# cloud-init to generate one
_CHPASSWD_LIST = re.compile(r"(?<![^\n])([ \t]{0,40})list:[ \t]{0,3}(?:\|[-+]?)?[ \t]{0,3}(?=\r?\n)")
_CHPASSWD_LINE = re.compile(
    r"""\r?\n([ \t]{1,60})(?:-[ \t]{1,3})?(["']?)[A-Za-z_][\w.$-]{0,63}:(?P<v>[^\s"']{1,200})\2"""
    r"[ \t]{0,3}(?=\r?\n|\Z)"
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ChpasswdListDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        pos = start  # each `chpasswd:` of the window, its list within 3 lines; a block is read once
        while (at := text.find("chpasswd:", pos, end)) >= 0:
            pos = at + 9
            m = _CHPASSWD_LIST.search(text, pos, min(end, pos + 400))
            if m is None or text.count("\n", pos, m.start()) > 3:
                continue
            indent, pos = len(m.group(1)), m.end()
            # each next line while it is a deeper-indented user:password (else the block ended)
            while (line := _CHPASSWD_LINE.match(text, pos, end)) is not None and len(line.group(1)) > indent:
                s, e = line.span("v")
                if text[s:e] not in ("RANDOM", "R") and value_ok(text[s:e], kind="password", quoted=True):
                    yield s, e, 0.85
                pos = line.end()


CHPASSWD_LIST = ChpasswdListDetector(
    "chpasswd-list-password", "password", keywords=("chpasswd:",), before=0, after=1000, priority=30
)
# Cisco IOS-style device configuration, one command per line: `enable secret V`, `username bob [privilege 15]
# password 0 V`, `snmp-server community V RO`, `tacacs-server key V`, `key-string V`. Type 0 (plain) or 7 (reversible)
# only: a type 5/8/9 hash leaves a second word and matches nothing; the value must end the line (or the community's
# access words follow); a command starts after a blank or a line start
_IOS_TYPE = r"(?:[ \t]{1,3}[07])?[ \t]{1,3}(?P<v>[^\s]{1,200})[ \t]*\r?(?m:$)"
IOS_USERNAME = PatternDetector(
    "ios-username-password", "password", keywords=("username",), before=16, after=400, priority=30, kind=None,
    literal=True, anchors=(("username",),),
    follow=re.compile(r"[ \t]{1,3}[^\s]{1,64}[ \t]{1,3}(?:privilege[ \t]{1,3}[0-9]{1,2}[ \t]{1,3})?(?:password|secret)[ \t]"),
    patterns=(re.compile(
        r"(?<!\S)username[ \t]{1,3}[^\s]{1,64}[ \t]{1,3}(?:privilege[ \t]{1,3}[0-9]{1,2}[ \t]{1,3})?"
        r"(?:password|secret)" + _IOS_TYPE
    ),),
)  # fmt: skip
IOS_SECRET = PatternDetector(
    "ios-secret", "password",
    keywords=("enable secret", "enable password", "snmp-server community", "tacacs-server", "radius-server", "key-string"), before=40,
    after=400, priority=30, kind=None, literal=True,
    anchors=(("enable", "tacacs", "radius", "key-string"), ("snmp-server",)),
    check=lambda m, value, quoted: value.lower() not in ("public", "private"),  # SNMP's default communities
    patterns=(
        re.compile(
            r"(?<!\S)(?:enable[ \t]{1,3}(?:secret|password)(?:[ \t]{1,3}level[ \t]{1,3}[0-9]{1,2})?"
            r"|(?:tacacs|radius)-server[ \t]{1,3}(?:host[ \t]{1,3}[^\s]{1,64}[ \t]{1,3})?key|key-string)" + _IOS_TYPE
        ),
        re.compile(
            r"(?<!\S)snmp-server[ \t]{1,3}community[ \t]{1,3}(?P<v>[^\s]{1,128})"
            r"(?=[ \t]{1,3}(?:RO|RW|ro|rw|view)\b|[ \t]*\r?(?m:$))"
        ),
    ),
)  # fmt: skip


def _auth_plain_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """SASL PLAIN: base64 of ``[authzid] NUL user NUL password``, printable parts, a real password."""
    parts = (decoded_base64(value) or "").split("\0")
    return (
        len(parts) == 3
        and all(p.isprintable() for p in parts)
        and bool(parts[1])
        and not is_placeholder(parts[1])
        and value_ok(parts[2], kind="password", quoted=True)
    )


# SMTP/IMAP/POP3 `AUTH PLAIN <base64>` (the span is the base64: it decodes to the password), IMAP `a001 LOGIN user
# V`, FTP/POP3 `USER bob` then `PASS V` on the next line (a bare `PASS x` is a test runner's verdict)
AUTH_PLAIN = PatternDetector(
    "auth-plain", "password", keywords=("auth plain",), before=0, after=560, priority=35, kind=None, literal=True,
    check=_auth_plain_ok, anchors=(("auth",),),
    patterns=(re.compile(r"\bAUTH[ \t]{1,3}PLAIN[ \t]{1,3}(?P<v>[A-Za-z0-9+/]{8,512}={0,2})(?![\w+/=])", re.I),),
)  # fmt: skip
PROTOCOL_LOGIN = PatternDetector(
    "protocol-login", "password", keywords=("login ", "pass ", "ftp>"), before=80, after=260, priority=30, kind=None,
    literal=True,
    patterns=(
        re.compile(r"(?m:^)[ \t]{0,3}(?:C:[ \t]{0,3})?[A-Za-z.]{0,8}[0-9][A-Za-z0-9.]{0,8}[ \t]LOGIN[ \t]{1,3}"
                   r"(?:\"[^\"\n]{1,64}\"|[^\s\"]{1,64})[ \t]{1,3}(?P<v>\"[^\"\n]{1,200}\"|[^\s\"]{1,200})[ \t]*\r?(?m:$)"),
        re.compile(r"(?m:^)[ \t]{0,3}(?:C:[ \t]{0,3}|>{1,3}[ \t]{0,3})?USER[ \t]{1,3}[^\s]{1,64}[ \t]*\r?\n"
                   r"(?:[^\n]{0,120}\n)?[ \t]{0,3}(?:C:[ \t]{0,3}|>{1,3}[ \t]{0,3})?PASS[ \t]{1,3}(?P<v>[^\s]{1,200})[ \t]*\r?(?m:$)"),
        # the interactive ftp client: `ftp> pass V`, `ftp> quote PASS V`, `ftp> user NAME V`
        re.compile(r"(?m:^)[ \t]{0,3}ftp>[ \t]{1,3}(?:(?:quote[ \t]{1,3})?(?:pass|PASS)|user[ \t]{1,3}[^\s]{1,64})"
                   r"[ \t]{1,3}(?P<v>[^\s]{1,200})[ \t]*\r?(?m:$)"),
    ),
    guards=(("LOGIN",), ("PASS",), ("ftp>",)),
    check=lambda m, value, quoted: quoted or not is_word(value),  # `2 LOGIN failed attempts`: prose
)  # fmt: skip
DETECTORS = (
    SQL_VARIABLE_PASSWORD,
    SQL_VARIABLE_SECRET,
    AUTH_PLAIN,
    PROTOCOL_LOGIN,
    IOS_USERNAME,
    IOS_SECRET,
    VAULT_LOGIN,
    EXPECT_SEND,
    SQL_SERVER_PROCEDURE,
    SQLPLUS_CONNECT,
    CHPASSWD_LIST,
    POWERSHELL_VARIABLE_PASSWORD,
    POWERSHELL_VARIABLE_SECRET,
)
