"""Credentials found by position rather than by an assignment: name/value pairs whose name is a
credential (Kubernetes env, ECS/CloudFormation/Postman JSON, HCL, Hadoop XML properties), passwords passed
to credential APIs after a username (``HTTPBasicAuth``, ``auth=(u, p)``, ``.login``, JDBC
``getConnection``), Go MySQL DSNs (``user:pass@tcp(...)``), and secrets written as the default of an
environment lookup (``os.getenv("DB_PASSWORD", "...")``, ``env('API_KEY', '...')``,
``process.env.API_TOKEN || "..."``, ``${DB_PASSWORD:-...}``, Spring ``${db.password:...}``) or the fallback of a
password expression or settings lookup (``getpass() or "..."``, ``kwargs.get("password", "...")``).

Same contract as :mod:`.formats`: a stable ``secret_type``, the span of the secret only, bounded
quantifiers so each pattern is linear in its window.
"""

from __future__ import annotations

import re

from .format_base import _V, _VQ, KEY_KEYWORDS, PatternDetector, _i, key_kind

# A name/value pair whose name is a credential: Kubernetes/compose env entries (``- name: DB_PASSWORD``
# then ``value: ...``), ECS/CloudFormation/Postman JSON (``{"name"|"key": "API_TOKEN", "value": "..."}``),
# HCL blocks, Keycloak/1Password/Bitwarden exports (``{"type"|"designation"|"label": "password", "value": "..."}``)
# and Hadoop-style XML properties (``<name>fs.s3a.secret.key</name><value>...</value>``).
_NAME_VALUE = _i(
    r"""\b(?:name|key|type|designation|label)["']?[ \t]{0,3}[:=][ \t]{0,3}["']?(?P<key>[A-Za-z_][\w.-]{0,63})["']?[ \t]{0,3}[,;]?"""
    r"""(?:[ \t]{0,40}\r?\n){0,2}[ \t]{0,40}(?:-[ \t]{1,3})?["']?value["']?[ \t]{0,3}[:=][ \t]{0,3}""" + _V
)
_XML_PROPERTY = re.compile(
    r"<name>[ \t]{0,3}(?P<key>[A-Za-z_][\w.-]{0,127})[ \t]{0,3}</name>[ \t\r\n]{0,100}"
    r"<value>[ \t]{0,3}(?P<v>[^<>\s]{1,200})[ \t]{0,3}</value>"
)
# Apple property lists: <key>APIToken</key> then <string>...</string>
_PLIST = re.compile(
    r"<key>[ \t]{0,3}(?P<key>[A-Za-z_][\w.-]{0,127})[ \t]{0,3}</key>[ \t\r\n]{0,100}"
    r"<string>[ \t]{0,3}(?P<v>[^<>\s]{1,200})[ \t]{0,3}</string>"
)
# what follows the keyword (inside the name) in all three: the rest of the name, then the value's field
_NAME_VALUE_FOLLOW = re.compile(  # possessive: a flood of `password-stdin--password...` is not backtracked
    r"""[\w.-]{0,127}+(?:["']?[ \t]{0,3}[,;]?(?:[ \t]{0,40}\r?\n){0,2}[ \t]{0,40}(?:-[ \t]{1,3})?["']?"""
    r"""(?i:value)["']?[ \t]{0,3}[:=]|[ \t]{0,3}</(?:name|key)>)"""
)


def _name_value(kind: str, secret_type: str, keywords: tuple[str, ...]) -> PatternDetector:
    return PatternDetector(
        f"name-value-{kind}",
        secret_type,
        keywords=keywords,
        before=80,  # `"name": "` before a keyword inside the name
        after=440,  # the rest of the name, two line breaks (a plist's 100 blanks), the value field and a 200-character value
        priority=30,
        kind=kind,
        patterns=(_NAME_VALUE, _XML_PROPERTY, _PLIST),
        guards=(("value",), ("</name>",), ("<string>",)),
        follow=_NAME_VALUE_FOLLOW,
    )


NAME_VALUE_PASSWORD = _name_value("password", "password", KEY_KEYWORDS["password"])
NAME_VALUE_SECRET = _name_value("secret", "generic_secret", KEY_KEYWORDS["secret"])

# A password passed by position to a credential API, after a username literal: HTTPBasicAuth("u", "p"),
# requests' auth=("u", "p"), NetworkCredential, UsernamePasswordCredentials, PasswordAuthentication,
# smtplib/ftplib/imaplib .login("u", "p"), JDBC DriverManager.getConnection(url, "u", "p"), OkHttp
# Credentials.basic("u", "p"), a credentials("u", "p") helper, setBasicAuth/basicAuthentication/withBasicAuth("u", "p"),
# python-ldap simple_bind_s(dn, "p"); PHP mysqli_connect(host, "u", "p"), new mysqli(...), new PDO(dsn, "u", "p"),
# ftp_login/ldap_bind/ssh2_auth_password/imap_open(conn, "u", "p"); Perl DBI->connect(dsn, "u", "p");
# keyring.set_password(service, "u", "p").
_STR = r"""(?:"[^"\n]{0,128}"|'[^'\n]{0,128}')"""  # the username: a string literal
# PHP connects and logins (and Perl's DBI->connect(dsn, user, password)) whose password follows a connection/host
# and a username; Python DB-API drivers
_CONNECT_CALLS = ("mysqli_connect", "mysql_connect", "mysqli", "PDO", "ftp_login", "ldap_bind", "ssh2_auth_password",
                  "imap_open", "DBI->connect", "DBI->connect_cached")  # fmt: skip
_MYSQL_DRIVERS = ("MySQLdb", "pymysql", "_mysql")  # (host, user, password, db)
_ORACLE_DRIVERS = ("cx_Oracle", "oracledb")  # (user, password, dsn)
_ARG = r"""(?:"[^"\n]{0,128}"|'[^'\n]{0,128}'|[A-Za-z_][\w.]{0,63})"""  # a literal or a name
_CREDENTIAL_CLASSES = (
    "HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "BasicAuth", "DigestAuth", "NetworkCredential",
    "UsernamePasswordCredentials", "PasswordAuthentication", "UsernamePasswordAuthenticationToken",
    "PasswordCredential", "Credentials.basic", "credentials", "Credentials", "setBasicAuth", "basicAuthentication",
    "basicAuth", "withBasicAuth", "BasicAuthenticationInterceptor", "simple_bind_s", "simple_bind", "bind_s",
    "PlainCredentials", "SMBConnection",  # pika (RabbitMQ), pysmb: (username, password, ...)
)  # fmt: skip
_CALL_PATTERNS = (
    re.compile(
        r"\b(?:" + "|".join(map(re.escape, _CREDENTIAL_CLASSES)) + r")[ \t]{0,3}\([ \t]{0,3}" + _STR
        + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    re.compile(r"\bauth[ \t]{0,3}=[ \t]{0,3}\([ \t]{0,3}" + _STR + r"[ \t]{0,3},[ \t]{0,3}" + _VQ + r"[ \t]{0,3}\)"),
    re.compile(r"\.login[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _VQ + r"[ \t]{0,3}\)"),
    re.compile(
        r"\bgetConnection[ \t]{0,3}\([ \t]{0,3}[^,()\n]{1,200},[ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}"
        + _VQ + r"[ \t]{0,3}\)"
    ),
    re.compile(
        r"\b(?:" + "|".join(_CONNECT_CALLS) + r")[ \t]{0,3}\("
        r"[ \t]{0,3}[^,()\n]{1,200},[ \t]{0,3}(?:"
        + _ARG + r"|\$\w{1,63})[ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    # Python DB-API drivers by position: MySQLdb/PyMySQL (host, user, password, db), cx_Oracle (user, password, dsn)
    re.compile(
        r"\b(?:" + "|".join(_MYSQL_DRIVERS) + r")\.connect[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _ARG
        + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    re.compile(
        r"\b(?:" + "|".join(_ORACLE_DRIVERS) + r")\.connect[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    # ftplib FTP/FTP_TLS(host, user, passwd)
    re.compile(
        r"\b(?:FTP|FTP_TLS)[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
    ),
    # Redis/Jedis AUTH `.auth("V")`, superagent/supertest `.auth("user", "V")`: the last literal
    re.compile(r"\.auth[ \t]{0,3}\([ \t]{0,3}" + _VQ + r"[ \t]{0,3}\)"),
    re.compile(r"\.auth[ \t]{0,3}\([ \t]{0,3}" + _STR + r"[ \t]{0,3},[ \t]{0,3}" + _VQ + r"[ \t]{0,3}[,)]"),
    # Python keyring: set_password(service, username, password)
    re.compile(
        r"\bset_password[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}" + _VQ
        + r"[ \t]{0,3}\)"
    ),
)  # fmt: skip
_CALL_KEYWORDS = (
    "auth", "credential", "pass", "login", "getconnection", "bind_s", "simple_bind", "smbconnection", "ftp(", "ftp_tls(",
    *(c.lower() for c in (*_CONNECT_CALLS, *_MYSQL_DRIVERS, *_ORACLE_DRIVERS)),
)  # fmt: skip
_CALL_GUARDS = (("(",), ("(",), (".login",), ("getConnection",), _CONNECT_CALLS, (".connect",), (".connect",),
                ("FTP",), (".auth",), (".auth",), ("set_password",))  # fmt: skip


def _not_the_username(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A password that repeats a literal before it in the call is a default login (``("guest", "guest")``)."""
    head = m.string[m.start() : m.start("v")]
    return f'"{value}"' not in head and f"'{value}'" not in head


CREDENTIAL_CALL = PatternDetector(
    "credential-call-password",
    "password",
    keywords=_CALL_KEYWORDS,
    before=40,  # from "HTTPBasicAuth" back to its start; "UsernamePassword..." 8 before "pass"
    after=480,  # the username, the password, a JDBC url before them
    priority=35,
    kind=None,
    check=_not_the_username,
    patterns=_CALL_PATTERNS,
    guards=_CALL_GUARDS,
    anchors=(
        tuple(c.lower() for c in _CREDENTIAL_CLASSES),
        ("auth",),
        (".login",),
        ("getconnection",),
        tuple(c.lower() for c in _CONNECT_CALLS),
        tuple(c.lower() for c in _MYSQL_DRIVERS),
        tuple(c.lower() for c in _ORACLE_DRIVERS),
        ("ftp",),
        (".auth",),
        (".auth",),
        ("set_password",),
    ),
    # new PDO($dsn, MySQLdb.connect("h"; a keyword holding its parenthesis (`ftp(`) is followed by the argument
    follow=re.compile(
        r"(?:(?<=\()|(?:\w|\.basic|\.connect){0,40}+[ \t]{0,3}=?[ \t]{0,3}\()[ \t]{0,3}[\"'\w$]"
    ),
)
# Go's database/sql MySQL DSN: user:password@tcp(host:port)/db (also @unix(...)); the driver splits at
# the last @ before the protocol, so the password may hold @ and :
GO_DSN_PASSWORD = PatternDetector(
    "go-dsn-password",
    "password",
    keywords=("@tcp(", "@unix("),
    before=200,
    after=8,
    priority=35,
    kind=None,
    literal=True,
    patterns=(re.compile(r"(?<![\w.:/-])[A-Za-z0-9_.-]{1,64}:(?P<v>[^\s\"'/]{1,128}?)@(?:tcp|unix)\("),),
)

# The default of an environment (or settings) lookup: the hard-coded fallback is the secret.
# Python os.getenv / environ.get / decouple config / django-environ env, Laravel env(), Ruby ENV.fetch,
# Java getProperty / getOrDefault, Go getEnv helpers; JS process.env.X || / ??, Ruby ENV["X"] ||; shell ${X:-v}.
_ENV_CALL = re.compile(
    r"""\b(?:getenv|getEnv|get_env|env|fetch|config|getOrDefault|getProperty|get|str)[ \t]{0,3}\([ \t]{0,3}"""
    r"""["'](?P<key>[A-Za-z_][\w.-]{0,63})["'][ \t]{0,3},[ \t]{0,3}(?:default[ \t]{0,3}=[ \t]{0,3})?""" + _VQ
)
_ENV_OR = re.compile(
    r"""\b(?:process\.env|ENV)(?:\.|\[[ \t]{0,3}["'])(?P<key>[A-Za-z_]\w{0,63})(?:["'][ \t]{0,3}\])?"""
    r"""[ \t]{0,3}(?:\|\||\?\?|or\b)[ \t]{0,3}""" + _VQ
)
_SHELL_DEFAULT = re.compile(r"""\$\{(?P<key>[A-Za-z_]\w{0,63}):?[-=](?P<v>[^\s}"'$`]{1,200})\}""")
# Spring's placeholder default: ${db.password:V} (not ${X:-V}, the shell's, above; nor the shell's ${X:?message}
# error if unset and ${X:+alternative})
_SPRING_DEFAULT = re.compile(
    r"""\$\{(?P<key>[A-Za-z_][\w.-]{0,63}):(?P<v>[^\s}"'$`=?+-][^\s}"'$`]{0,199})\}"""
)
# the triggers: the lookups themselves, rare in prose (a key's keywords -- `key`, `token`, `pass` -- are
# everywhere, and each of their hits would cost a look); the key's kind is judged in the pattern
_ENV_KEYWORDS = ("getenv", "get_env", "environ.get", "env(", "env.str(", ".fetch(", "config(", "getordefault(",
                 "getproperty(", "process.env", "env[", "${")  # fmt: skip


def _env_default(kind: str, secret_type: str) -> PatternDetector:
    return PatternDetector(
        f"env-default-{kind}",
        secret_type,
        keywords=_ENV_KEYWORDS,
        before=24,  # `os.environ.get(`: the call's name before `environ.get`; `env.str(` before `str`
        after=320,  # the key and a 200-character default
        priority=36,  # over the assignment it sits in (`PASSWORD=${DB_PASSWORD:-v}`: the value is v, not -v)
        kind=kind,
        literal=True,  # the calls' defaults are quoted; a shell default ${X:-lNhv.W4Q} is data, not code
        patterns=(_ENV_CALL, _ENV_OR, _SHELL_DEFAULT, _SPRING_DEFAULT),
        guards=(("(",), ("||", "??", " or "), ("${",), ("${",)),
    )


ENV_DEFAULT_PASSWORD = _env_default("password", "password")
ENV_DEFAULT_SECRET = _env_default("secret", "generic_secret")

# The fallback of any password expression: `getpass() or "V"`, `input("Password: ") or "V"`, `args.password or
# "V"`, PHP `$_ENV['DB_PASS'] ?? 'V'`, Kotlin `System.getenv("DB_PASS") ?: "V"`; and the default of a settings
# lookup under a password key: `kwargs.get("password", "V")`, `config.get("db", "password", fallback="V")`.
_EXPRESSION = (
    r"""(?<![\w.$-])(?P<key>[A-Za-z_$][\w.$-]{0,63})"""  # a name, then up to two subscripts or calls
    r"""(?:\[[ \t]{0,3}["'](?P<sub>[\w.-]{1,63})["'][ \t]{0,3}\]|\((?P<args>[^()\n]{0,80})\)){0,2}"""
)
_FALLBACK_OR = re.compile(
    _EXPRESSION + r"""[ \t]{0,3}(?:\|\||\?\?|\?:|\bor\b)[ \t]{0,3}""" + _VQ
    + r"""(?=[ \t]{0,3}(?:[;),}\]#]|//|\r?\n|$))"""
)  # fmt: skip
_GET_DEFAULT = re.compile(
    r"""\.(?:get|getString|getStr|get_str|getValue|getOrElse|getOrDefault|opt|optString|fetch)[ \t]{0,3}\("""
    r"""[ \t]{0,3}(?:["'][\w.-]{1,63}["'][ \t]{0,3},[ \t]{0,3})?["'](?P<key>[A-Za-z_][\w.-]{0,63})["'][ \t]{0,3},"""
    r"""[ \t]{0,3}(?:(?:default|fallback|defaultValue)[ \t]{0,3}[=:][ \t]{0,3})?""" + _VQ + r"[ \t]{0,3}\)"
)
# Jinja/Ansible: `{{ db_password | default('V') }}`, `| d("V")`
_JINJA_DEFAULT = re.compile(
    r"""(?<![\w.$-])(?P<key>[A-Za-z_][\w.]{0,63})[ \t]{0,3}\|[ \t]{0,3}(?:default|d)[ \t]{0,3}\([ \t]{0,3}"""
    + _VQ + r"[ \t]{0,3}[,)]"
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][\w.-]{0,63}")


def _fallback_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    """The expression is about a password: its name (``args.password``, ``getpass``), its subscript
    (``$_ENV['DB_PASS']``) or its call's arguments (``input("Password: ")``, ``getenv("DB_PASS")``)."""
    groups = m.groupdict()
    key = groups["key"]
    if key_kind(key) == "password" or key.lower().endswith("getpass"):
        return True
    sub, args = groups.get("sub"), groups.get("args")
    if sub and key_kind(sub) == "password":
        return True
    return bool(args) and any(key_kind(w) == "password" for w in _WORD.findall(args))


FALLBACK_PASSWORD = PatternDetector(
    "fallback-password",
    "password",
    keywords=(*KEY_KEYWORDS["password"], "getpass"),
    before=110,  # back to the expression's name: System.getenv("DB_PASS"), input("Password: ")
    after=320,  # its operator and a 200-character literal
    priority=36,
    kind=None,
    check=_fallback_ok,
    patterns=(_FALLBACK_OR, _GET_DEFAULT, _JINJA_DEFAULT),
    guards=((" or", "||", "??", "?:"), (".get", ".opt", ".fetch"), ("|",)),
    anchors=((), (".get", ".opt", ".fetch"), ()),
    # the keyword's name (and its subscript or call) is followed by a fallback operator, or by the key's
    # closing quote and a comma (a lookup's default)
    follow=re.compile(
        r"""[\w.$-]{0,63}+(?:["'][ \t]{0,3}\]|\([^()\n]{0,80}\)|[^()\n]{0,80}?\)|["'])?[ \t]{0,3}(?:\|\||\?\?|\?:|or\b|,|\|[ \t]{0,3}d)"""
    ),
)

# A signing key passed by position to the call that signs or checks with it: JWT libraries (jsonwebtoken's
# jwt.sign/verify(payload, KEY), PyJWT's jwt.encode/decode(payload, KEY), ruby-jwt's JWT.encode(payload, KEY)), HMAC
# (Python hmac.new(KEY), Go hmac.New(sha256.New, []byte(KEY)), Node crypto.createHmac(alg, KEY), PHP hash_hmac(alg,
# data, KEY), Ruby OpenSSL::HMAC.hexdigest(alg, KEY, data)) and key objects (Java new SecretKeySpec(KEY.getBytes(),
# alg), jjwt Keys.hmacShaKeyFor / signWith(alg, KEY), auth0 Algorithm.HMAC256(KEY), .NET SymmetricSecurityKey /
# HMACSHA256(Encoding.UTF8.GetBytes(KEY)), Rust EncodingKey/DecodingKey::from_secret(KEY), Hmac::new_from_slice(KEY)).
_PAYLOAD = (
    r"(?:\{[^{}\n]{0,200}\}|[^,(){}\n]{1,200})"  # the first argument: a dict/object literal or an expression
)
_BYTES = r"(?:b|\[\]byte\(|Encoding\.\w{1,10}\.GetBytes[ \t]{0,3}\([ \t]{0,3})?"  # b"K", []byte("K"), GetBytes("K")
# (pattern, literals one of which its window must hold, as written); lower-cased, each is also where a match starts
# (the pattern's anchor) and a keyword that opens a window
_SIGNING = (
    (r"\b(?:jwt|JWT)\.(?:sign|verify|encode|decode)[ \t]{0,3}\([ \t]{0,3}" + _PAYLOAD + r"[ \t]{0,3},[ \t\r\n]{0,40}" + _VQ,
     ("jwt.", "JWT.")),
    (r"\b(?:hmac|HMAC)\.new[ \t]{0,3}\([ \t]{0,3}b?" + _VQ, ("hmac.new", "HMAC.new")),  # Python: the key comes first
    (r"\bhmac\.New[ \t]{0,3}\([ \t]{0,3}[\w.]{1,40}[ \t]{0,3},[ \t]{0,3}" + _BYTES + _VQ, ("hmac.New",)),
    (r"\bcreateHmac[ \t]{0,3}\([ \t]{0,3}" + _STR + r"[ \t]{0,3},[ \t]{0,3}" + _VQ, ("createHmac",)),
    (r"\bhash_hmac[ \t]{0,3}\([ \t]{0,3}" + _ARG + r"[ \t]{0,3},[ \t]{0,3}[^,()\n]{1,200},[ \t]{0,3}" + _VQ, ("hash_hmac",)),
    (r"\bHMAC\.(?:hexdigest|digest|base64digest)[ \t]{0,3}\([ \t]{0,3}[^,()\n]{1,80},[ \t]{0,3}" + _VQ, ("HMAC.",)),
    (r"\b(?:SecretKeySpec|hmacShaKeyFor|SymmetricSecurityKey|HMACSHA(?:1|256|384|512)|HMAC(?:256|384|512)|from_secret"
     r"|new_from_slice)[ \t]{0,3}\([ \t]{0,3}" + _BYTES + _VQ,
     ("SecretKeySpec", "hmacShaKeyFor", "SymmetricSecurityKey", "HMAC", "from_secret", "new_from_slice")),
    (r"\.signWith[ \t]{0,3}\([ \t]{0,3}SignatureAlgorithm\.\w{1,10}[ \t]{0,3},[ \t]{0,3}" + _VQ, (".signWith",)),
)  # fmt: skip
_SIGNING_ANCHORS = tuple(tuple(dict.fromkeys(g.lower() for g in guards)) for _, guards in _SIGNING)


def _no_phrase(m: re.Match[str], value: str, quoted: bool) -> bool:
    """A phrase is a public constant: BIP-32's ``hmac.new(b"Bitcoin seed")``."""
    return " " not in value


SIGNING_KEY_CALL = PatternDetector(
    "signing-key-call",
    "generic_secret",
    keywords=tuple(dict.fromkeys(a for anchors in _SIGNING_ANCHORS for a in anchors)),
    before=24,  # back to the call's start from a keyword inside it (OpenSSL::HMAC., Keys.hmacShaKeyFor)
    after=480,  # a payload literal, then the key
    priority=35,
    kind="secret",
    literal=True,  # a string literal: "Zx9.Kq2" there is no attribute access
    check=_no_phrase,
    patterns=tuple(re.compile(p) for p, _ in _SIGNING),
    guards=tuple(guards for _, guards in _SIGNING),
    anchors=_SIGNING_ANCHORS,
)

DETECTORS = (
    NAME_VALUE_PASSWORD, NAME_VALUE_SECRET, CREDENTIAL_CALL, GO_DSN_PASSWORD, ENV_DEFAULT_PASSWORD, ENV_DEFAULT_SECRET,
    FALLBACK_PASSWORD, SIGNING_KEY_CALL,
)  # fmt: skip
