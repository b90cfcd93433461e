"""Credentials in real-world formats: connection strings (ADO.NET, ODBC, JDBC, libpq), ``curl -u``, HTTP
``Authorization`` headers, assignment syntaxes (``::=``, ``:::=``, Go ``:=``, ``System.setProperty``, ``#define``,
multi-line XML, PHP ``define``, R ``<-``, PowerShell ``ConvertTo-SecureString``), ``.netrc``, ``.pgpass``, docker
``auths``. :data:`DETECTORS` also gathers the positional formats (:mod:`.positional`: name/value pairs,
credential-API arguments, signing keys, Go MySQL DSNs), the keyed values (:mod:`.keyed_values`: Kubernetes
``Secret`` data, short keyword-paired values with an entropy floor, YAML block scalars ``password: |``), the
credential columns of tables (:mod:`.tables`: CSV/TSV/Markdown, SQL ``INSERT``), passwords and secret stores on
command lines (:mod:`.commands`), SQL and operator scripts (:mod:`.scripts`: ``IDENTIFIED BY``, ``CREATE LOGIN``,
``DECLARE @pwd``, ``vault login``, expect/send, ``sp_addlogin``...) and keys in other languages (:mod:`.languages`).

Each detector has a stable ``secret_type`` (``password`` or ``generic_secret``) and yields the span of the secret
only (never the username or the quotes). Patterns use bounded quantifiers on disjoint character classes, so each is
linear in its window. Hard negatives: :mod:`.hard_negatives`; service configuration files: :mod:`.config_files`.
"""

from __future__ import annotations

import re

from .base import Detector
from .code_uses import DETECTORS as CODE_USES
from .code_values import is_passed_name
from .commands import COMMAND_PASSWORD, PIPED_PASSWORD, SECRET_STORE_COMMAND
from .config_files import DETECTORS as CONFIG_FILES
from .dialogue import DETECTORS as DIALOGUE
from .filters import NEXT_FIELD, char_classes
from .format_base import (
    _KEY,
    _V,
    _VQ,
    KEY_KEYWORDS,
    PASSWORD_WORDS,
    SECRET_WORDS,
    PatternDetector,
    _basic_ok,
    _i,
    key_kind,
    min_entropy,
    value_ok,
)
from .hard_negatives import WORDY, is_code_identifier
from .keyed_values import (
    K8S_SECRET_DATA,
    K8S_SECRET_PASSWORD,
    LOGIN_PAIRS,
    NPM_AUTH,
    SESSION_COOKIE,
    SHORT_PASSWORD,
    SHORT_SECRET,
    TERRAFORM_DEFAULTS,
    YAML_BINARY_PASSWORD,
    YAML_BINARY_SECRET,
    YAML_BLOCK_PASSWORD,
    YAML_BLOCK_SECRET,
)
from .languages import DETECTORS as LANGUAGES
from .positional import DETECTORS as POSITIONAL
from .rich_text import RICH_TEXT_PASSWORD
from .scripts import DETECTORS as SCRIPTS
from .scripts import SQL_PASSWORD
from .seed_phrases import SEED_PHRASE
from .tables import DUMP_PASSWORD, DUMP_SECRET, TABLE_PASSWORD, TABLE_SECRET
from .user_maps import USER_MAP_PASSWORD

_CONN_CONTEXT = re.compile(
    r"(?i:jdbc:|odbc|\b(?:server|data source|host|hostaddr|hostname|uid|user id|user|username|database|"
    r"initial catalog|dbname|driver|provider|port|sslmode|dsn|integrated security)[ \t]{0,2}=)"
)


def _conn_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """``password= sslmode=require``: an empty password, not ``sslmode=require``; ``login(user=u, password=pw)``:
    keyword arguments of a call, a variable passed on."""
    return quoted or not (NEXT_FIELD.match(value) or is_passed_name(m.string, m.start(), value))


_HTTP_CLIENT = re.compile(r"(?<![\w./-])(?:curl|https?)(?=[ \t])")  # curl, HTTPie's http/https (not http://)


def _curl_command(m: re.Match[str], value: str, quoted: bool) -> bool:
    """``-u user:pass`` belongs to a ``curl`` command, ``-a``/``--auth user:pass`` to HTTPie's ``http``/``https``,
    on the same (backslash-continued) line."""
    text = m.string
    lo = max(0, m.start() - 400)
    line = text[lo : m.start()].replace("\\\r\n", " ").replace("\\\n", " ")
    line = line[line.rfind("\n") + 1 :]
    commands = _HTTP_CLIENT.findall(line)
    httpie = m.group("flag") in ("-a", "--auth")
    return bool(commands) and (commands[-1] != "curl") == httpie and value != m.group("user")


def _bearer_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    if not value.isascii() or (value.isalpha() and value.islower()):
        return False  # "the bearer of this letter", "Bearer tokens"
    return len(value) >= 16 or char_classes(value) >= 2


def _xml_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    # the element closes as it opened; a dotted name ending with a credential word names a setting: config.password
    if "." in value and key_kind(value.rsplit(".", 1)[-1]) is not None:
        return False
    return "close" not in m.re.groupindex or m.group("key") == m.group("close")


def _xml_secret_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Not a property list's ``<key>Name</key>``: there the element holds a key's name, its value follows."""
    return _xml_ok(m, value, quoted) and m.group("key") != "key"


CONNECTION_STRING_PASSWORD = PatternDetector(
    "connection-string-password",
    "password",
    keywords=("pwd", "password"),
    before=8,
    after=160,
    priority=30,
    kind=None,
    context=_CONN_CONTEXT,
    check=_conn_ok,
    delimited=True,
    anchors=(("pwd", "password"),),
    follow=re.compile(r"[ \t]{0,2}="),
    patterns=(
        _i(
            r"(?<![\w.-])(?:pwd|password)[ \t]{0,2}=[ \t]{0,2}"
            r"""(?P<v>"[^"\n]{1,128}"|'[^'\n]{1,128}'|\{[^}\n]{1,128}\}|(?:[^;'"\s&{,]|,(?![A-Za-z_][\w.-]{0,40}=)){1,128})"""
        ),
    ),
)
CURL_USER_PASSWORD = PatternDetector(
    "curl-user-password",
    "password",
    keywords=("curl", "http -a", "https -a", "http --auth", "https --auth"),
    before=0,
    after=480,
    priority=35,
    kind=None,
    literal=True,
    check=_curl_command,
    anchors=(("-u", "--user", "-U", "--proxy-user", "-a", "--auth"),),
    # -u, --user, -U, --proxy-user, -a, --auth in reach (HTTPie's keywords end with their flag)
    follow=re.compile(r"(?s:.{0,480}?)-[uUpa]|(?<=-a)[ \t]|(?<=--auth)[ \t=]"),
    patterns=(
        re.compile(
            r"""(?<![\w-])(?P<flag>-[uUa]|--(?:proxy-)?user|--auth)(?:[ \t]{1,3}|=|(?=[^\s-]))(?P<q>["']?)(?P<user>[^\s:"']{1,64}):"""
            r"""(?P<v>[^\s"']{1,128})"""
        ),
    ),
)
BASIC_AUTH = PatternDetector(
    "basic-auth",
    "password",
    keywords=("basic",),
    before=0,
    after=540,
    priority=40,
    kind=None,
    check=_basic_ok,
    anchors=(("basic",),),
    follow=re.compile(r"[ \t]{1,3}[A-Za-z0-9+/]{4}"),
    patterns=(_i(r"\bbasic[ \t]{1,3}(?P<v>[A-Za-z0-9+/]{4,512}={0,2})(?![A-Za-z0-9+/=])"),),
)
BEARER_TOKEN = PatternDetector(
    "bearer-token",
    "generic_secret",
    keywords=("bearer", "authorization"),
    before=0,
    after=2100,
    priority=30,
    kind="secret",
    check=_bearer_ok,
    anchors=(("bearer",), ("authorization",)),
    follow=_i(
        r"[ \t]{1,3}[A-Za-z0-9._~+/=-]{8}|[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?:token|api-?key|ssws|splunk|bot)[ \t]"
    ),
    patterns=(
        _i(r"\bbearer[ \t]{1,3}(?P<v>[A-Za-z0-9._~+/=-]{8,2048})"),
        _i(
            r"authorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?(?:token|api-?key|ssws|splunk|bot)[ \t]{1,3}"
            r"(?P<v>[A-Za-z0-9._~+/=-]{8,2048})"
        ),
    ),
)
_ASSIGNMENT_PATTERNS = (
    re.compile(_KEY + r"[\"']?[ \t]{0,3}:{2,3}=[ \t]{0,3}" + _V),  # make ::= / :::=, BNF-ish configs
    re.compile(_KEY + r"[ \t]{0,3}:=[ \t]{0,3}" + _VQ),  # Go
    re.compile(
        r"\b(?:setProperty|Setenv|setenv|putenv|SetEnvironmentVariable|set_var|setdefault|define|put|set)\([ \t]{0,3}"
        r"(?:[\"'][\w. -]{0,64}[\"'][ \t]{0,3},[ \t]{0,3})?[\"'](?P<key>[\w.-]{1,64})[\"'][ \t]{0,3},[ \t]{0,3}"
        + _VQ
    ),  # also PHP's define('DB_PASSWORD', '...') (wp-config.php), ConfigParser's set("section", "password", "...")
    re.compile(
        r"(?:\\n|[\"'])(?P<key>[A-Za-z_][\w.]{0,63})=(?P<v>(?:[^\\\s\"'&]|&(?![A-Za-z_][\w.]{0,63}=)){1,200})"
        r"(?:\\n|[\"'])"
    ),  # "A=1\nB=2"; not a query string 'key1=value1&key2=value2x' (the generic detector reads those)
    re.compile(_KEY + r"[ \t]{0,3}<<?-[ \t]{0,3}" + _VQ),  # R: password <- "..."
    re.compile(_KEY + r"[ \t]{0,3}\{[ \t]{0,3}" + _VQ + r"[ \t]{0,3}\}"),  # C++: std::string password{"..."}
)
_ASSIGNMENT_GUARDS = (
    ("::",),
    (":=",),
    (
        "setProperty",
        "Setenv",
        "setenv",
        "putenv",
        "SetEnvironmentVariable",
        "set_var",
        "setdefault",
        "define",
        "put(",
        "set(",
    ),
    ("\\n",),
    ("<-",),
    ('{"', "{'", '{ "'),  # a brace and a quote: "{" alone is in every block of code
)  # what each pattern needs in the window
# what follows the keyword inside the key of every assignment pattern: the rest of the key, then
# ::=, :=, "KEY", (setProperty), = ("A=1\nB=2"), <- (R) or {"..."} (C++); JSON-escaped strings (\"KEY\": \"V\") are
# read with their quotes by the scanner's decoded view (sanitize.scanner.markup)
_ANY_V = _V.replace("(?P<v>", "(?:")
_ANY_VQ = _VQ.replace("(?P<v>", "(?:")
_ASSIGNMENT_FOLLOW = re.compile(
    r"[\w.-]{0,64}(?:"
    + r"[\"']?[ \t]{0,3}:{2,3}=[ \t]{0,3}"
    + _ANY_V  # ::= / :::=
    + r"|[ \t]{0,3}:=[ \t]{0,3}"
    + _ANY_VQ  # Go
    + r"|[\"'][ \t]{0,3},[ \t]{0,3}"
    + _ANY_VQ  # setProperty("KEY", "...")
    + r"|=[^\\\s\"']"  # "A=1\nB=2" (its closing \n or quote is left to find: a failing search is slow)
    + r"|[ \t]{0,3}<<?-[ \t]{0,3}"
    + _ANY_VQ  # R
    + r"|[ \t]{0,3}\{[ \t]{0,3}"
    + _ANY_VQ  # C++ brace initialisation
    + ")"
)
_DEFINE = re.compile(r"#[ \t]{0,3}define[ \t]{1,5}(?P<key>[A-Za-z_]\w{0,63})[ \t]{1,5}L?" + _V)
_XML_FOLLOW = re.compile(
    r"[\w.:-]{0,63}(?:[ \t][^<>\n]{0,200})?>"
)  # the rest of the tag name: <dbPassword ...>
_XML = re.compile(
    r"<(?P<key>[A-Za-z_][\w.:-]{0,63})(?:[ \t][^<>\n]{0,200})?>[ \t\r\n]{0,200}(?P<v>[^<>\s]{1,200})"
    r"[ \t\r\n]{0,200}</(?P<close>[A-Za-z_][\w.:-]{0,63})>"
)

# Windows unattend.xml / sysprep: <AdministratorPassword><Value>V</Value><PlainText>true</PlainText>
_XML_VALUE = re.compile(
    r"<(?P<key>[A-Za-z_][\w.:-]{0,63})(?:[ \t][^<>\n]{0,200})?>[ \t\r\n]{0,200}<Value>[ \t\r\n]{0,20}"
    r"(?P<v>[^<>\s]{1,200})[ \t\r\n]{0,20}</Value>"
)


def _assignment(kind: str, secret_type: str, keywords: tuple[str, ...]) -> PatternDetector:
    return PatternDetector(
        f"assignment-{kind}",
        secret_type,
        keywords=keywords,
        before=96,
        after=320,
        priority=30,
        kind=kind,
        patterns=_ASSIGNMENT_PATTERNS,
        guards=_ASSIGNMENT_GUARDS,
        follow=_ASSIGNMENT_FOLLOW,
    )


_C_NAME = re.compile(r"[A-Za-z_]\w*")


def _define_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """Not another macro (``#define kSecret XXH3_kSecret``) nor a quoted key name (``"ARROW:max_value:exact"``)."""
    if not quoted:
        return not (_C_NAME.fullmatch(value) and ("_" in value or is_code_identifier(value, 2)))
    parts = value.split(":")
    return len(parts) < 2 or not all(WORDY.fullmatch(p) for p in parts)


def _define(kind: str, secret_type: str) -> PatternDetector:
    """``#define PASSWORD "..."``: triggered by the directive (rare), not by the key's keywords."""
    return PatternDetector(
        f"define-{kind}",
        secret_type,
        trigger=r"#[ \t]{0,3}define[ \t]",
        before=0,
        after=300,
        priority=30,
        kind=kind,
        check=_define_ok,
        patterns=(_DEFINE,),
    )


ASSIGNMENT_PASSWORD = _assignment("password", "password", KEY_KEYWORDS["password"])
ASSIGNMENT_SECRET = _assignment("secret", "generic_secret", KEY_KEYWORDS["secret"])
DEFINE_PASSWORD = _define("password", "password")
DEFINE_SECRET = _define("secret", "generic_secret")
XML_PASSWORD = PatternDetector(
    "xml-password",
    "password",
    keywords=("pass", "pwd"),
    before=80,
    after=700,
    priority=30,
    check=_xml_ok,
    follow=_XML_FOLLOW,
    anchors=(("<",), ("<",)),
    patterns=(_XML, _XML_VALUE),
    code=False,  # element text is data: <Value>Fj8Wnd.Yfkdq7bR_</Value> is no attribute access
    guards=(("</",), ("<Value>",)),
)
XML_SECRET = PatternDetector(
    "xml-secret",
    "generic_secret",
    keywords=("token", "secret", "key"),
    before=80,
    after=700,
    priority=30,
    kind="secret",
    check=_xml_secret_ok,
    follow=_XML_FOLLOW,
    anchors=(("<",),),
    patterns=(_XML,),
    guards=(("</",),),
    code=False,
)
POWERSHELL_SECURESTRING = PatternDetector(
    "powershell-securestring",
    "password",
    keywords=("convertto-securestring",),
    before=80,
    after=260,
    priority=35,
    kind=None,
    anchors=(("convertto-securestring",),),
    # the string after any of its switches: -String, -AsPlainText, -Force in any order
    patterns=(_i(r"ConvertTo-SecureString(?:[ \t]{1,3}-(?:String|AsPlainText|Force)){0,3}[ \t]{1,3}" + _VQ),),
)
NETRC_PASSWORD = PatternDetector(
    "netrc-password",
    "password",
    keywords=("machine",),
    before=0,
    after=900,
    priority=35,
    kind=None,
    literal=True,
    anchors=(("machine",),),
    patterns=(
        re.compile(
            r"\bmachine[ \t\r\n]{1,10}[^\s]{1,253}(?:[ \t\r\n]{1,10}(?:login|account|port)[ \t\r\n]{1,10}"
            r"[^\s]{1,128}){1,3}[ \t\r\n]{1,10}password[ \t\r\n]{1,10}(?P<v>[^\s]{1,200})"
        ),
    ),
)
DOCKER_AUTH = PatternDetector(
    "docker-auth",
    "password",
    keywords=('"auth"',),
    before=0,
    after=1100,
    priority=40,
    kind=None,
    check=_basic_ok,
    anchors=(('"auth"',),),
    patterns=(re.compile(r"\"auth\"[ \t]{0,3}:[ \t]{0,3}\"(?P<v>[A-Za-z0-9+/]{4,1024}={0,2})\""),),
)
DETECTORS: tuple[Detector, ...] = (
    SQL_PASSWORD, CONNECTION_STRING_PASSWORD, CURL_USER_PASSWORD, BASIC_AUTH, BEARER_TOKEN, ASSIGNMENT_PASSWORD,
    ASSIGNMENT_SECRET, DEFINE_PASSWORD, DEFINE_SECRET, XML_PASSWORD, XML_SECRET, POWERSHELL_SECURESTRING,
    NETRC_PASSWORD, DOCKER_AUTH, NPM_AUTH, *TERRAFORM_DEFAULTS, *POSITIONAL, K8S_SECRET_PASSWORD, K8S_SECRET_DATA, SHORT_PASSWORD,
    SHORT_SECRET, YAML_BLOCK_PASSWORD, YAML_BLOCK_SECRET, YAML_BINARY_PASSWORD, YAML_BINARY_SECRET, TABLE_PASSWORD, TABLE_SECRET,
    DUMP_PASSWORD, DUMP_SECRET,
    COMMAND_PASSWORD, PIPED_PASSWORD, SECRET_STORE_COMMAND, SESSION_COOKIE, *LOGIN_PAIRS, USER_MAP_PASSWORD, SEED_PHRASE, RICH_TEXT_PASSWORD, *SCRIPTS, *LANGUAGES, *CODE_USES, *CONFIG_FILES,
    *DIALOGUE,
)  # fmt: skip


def all_detectors() -> list[Detector]:
    """Every format detector, for the registry."""
    return list(DETECTORS)


__all__ = [
    "K8S_SECRET_DATA", "K8S_SECRET_PASSWORD", "PASSWORD_WORDS", "SECRET_WORDS", "SHORT_PASSWORD", "SHORT_SECRET",
    "PatternDetector", "all_detectors", "key_kind", "min_entropy", "value_ok",
]  # fmt: skip
