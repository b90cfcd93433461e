"""Credentials in service configuration files that no assignment reads: deployment templates' parameter defaults
(Azure ARM ``"adminPassword": {"type": "securestring", "defaultValue": "V"}``, CloudFormation ``"DBPassword":
{"Type": "String", "NoEcho": true, "Default": "V"}`` and its YAML form), a keyword and a double-quoted value on a
line of their own (Tcl/expect ``set password "V"``, fetchmail ``poll host ... user "u" password "V"``), Postfix
``sasl_passwd`` lines (``[smtp.host]:587 user:V``), snmpd community strings (``rocommunity V``) and LDIF
``userPassword:: <base64>`` (decoded; a hashed password, ``{SSHA}...``, is no secret), ipsec.secrets (``: PSK "V"``)
and ``.pgpass`` lines.

Same contract as :mod:`.formats`: a stable ``secret_type``, the span of the secret only, bounded quantifiers.
"""

from __future__ import annotations

import re

from .format_base import KEY_KEYWORDS, PatternDetector, decoded_base64

# "Name": { ... "defaultValue"|"Default": "V" }: no nested object before the default
_TEMPLATE_JSON = re.compile(
    r"""["'](?P<key>[A-Za-z_][\w.-]{0,63})["'][ \t]{0,3}:[ \t\r\n]{0,20}\{[^{}]{0,400}?["'](?:defaultValue|Default)["']"""
    r"""[ \t]{0,3}:[ \t]{0,3}(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}')"""
)
# Name:\n  Type: String\n  NoEcho: true\n  Default: V (indentation not checked: no backreferences; a bare value
# runs to a blank, since a YAML comment starts after one)
_TEMPLATE_YAML = re.compile(
    r"""(?P<key>[A-Za-z_][\w.-]{0,63}):[ \t]{0,3}\r?\n(?:[ \t]{2,16}(?!Default:)[A-Za-z]{1,40}:[^\n]{0,200}\r?\n){0,8}"""
    r"""[ \t]{2,16}Default:[ \t]{0,3}(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'#][^\s]{0,199})"""
)


def _template_default(kind: str, secret_type: str) -> PatternDetector:
    return PatternDetector(
        f"template-default-{kind}",
        secret_type,
        keywords=('"defaultvalue"', '"default"', "default:"),
        before=600,  # back to the parameter's name, up to 8 lines of its other properties
        after=220,
        priority=30,
        kind=kind,
        literal=True,  # a template's data
        patterns=(_TEMPLATE_JSON, _TEMPLATE_YAML),
        guards=(("defaultValue", "Default"), ("Default:",)),
    )


TEMPLATE_DEFAULT_PASSWORD = _template_default("password", "password")
TEMPLATE_DEFAULT_SECRET = _template_default("secret", "generic_secret")

# `set password "V"` / `password "V"` ending its line; fetchmail's `user "u" [there] [with] password "V"`
_LINE_QUOTED = re.compile(
    r"""(?m:^)[ \t]{0,8}(?:set[ \t]{1,3})?(?P<key>[A-Za-z_][\w.-]{0,63})[ \t]{1,3}(?P<v>"[^"\n]{1,200}")[ \t]{0,3};?[ \t]{0,3}(?=\r?\n|\Z)"""
)
_FETCHMAIL = re.compile(
    r"""\buser(?:name)?[ \t]{1,3}"[^"\n]{1,128}"[ \t]{1,3}(?:there[ \t]{1,3})?(?:with[ \t]{1,3})?"""
    r"""(?P<key>password|passwd|pass)[ \t]{1,3}(?P<v>"[^"\n]{1,200}")"""
)
LINE_QUOTED_PASSWORD = PatternDetector(
    "line-quoted-password",
    "password",
    keywords=KEY_KEYWORDS["password"],
    before=200,  # fetchmail's `poll host ... user "u"` before the keyword
    after=220,
    priority=29,
    kind="password",
    patterns=(_LINE_QUOTED, _FETCHMAIL),
    guards=(('"',), ("user",)),
    follow=re.compile(r'[\w.-]{0,63}[ \t]{1,3}"'),  # the rest of the key, blanks, the value's quote
)

# Postfix sasl_passwd: [smtp.host]:port user:password (the user may be an e-mail address)
SASL_PASSWD = PatternDetector(
    "sasl-passwd",
    "password",
    keywords=("]:587 ", "]:465 ", "]:25 ", "]:2525 ", "]:587\t", "]:465\t", "]:25\t"),
    before=260,
    after=340,
    priority=35,
    kind=None,
    literal=True,
    patterns=(
        re.compile(
            r"(?m:^)\[[\w.-]{1,253}\]:[0-9]{2,5}[ \t]{1,8}[^\s:]{1,128}:(?P<v>[^\s]{1,200})[ \t]{0,8}(?=\r?\n|\Z)"
        ),
    ),
)
# snmpd.conf community strings: rocommunity/rwcommunity[6] V [source] (public/private are the defaults)
SNMP_COMMUNITY = PatternDetector(
    "snmpd-community",
    "generic_secret",
    keywords=("rocommunity", "rwcommunity"),
    before=16,
    after=220,
    priority=30,
    kind=None,
    literal=True,
    check=lambda m, value, quoted: value.lower() not in ("public", "private"),
    patterns=(re.compile(r"(?m:^)[ \t]{0,8}r[ow]community6?[ \t]{1,8}(?P<v>[^\s#\"']{1,128})"),),
)


def _ldif_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    decoded = decoded_base64(value)
    return decoded is not None and not decoded.startswith("{")  # {SSHA}, {CRYPT}...: a hash


LDIF_PASSWORD = PatternDetector(
    "ldif-password",
    "password",
    keywords=("userpassword::",),
    before=0,
    after=1100,
    priority=35,
    kind=None,
    literal=True,
    check=_ldif_ok,
    patterns=(re.compile(r"(?i:userPassword)::[ \t]{0,3}(?P<v>[A-Za-z0-9+/]{4,1024}={0,2})(?![\w+/=])"),),
)

# strongSwan/Libreswan ipsec.secrets: `[selectors] : PSK "V"`, `carol : EAP "V"`, `: XAUTH "V"` (quoted only: a bare
# 0x... or 0s... value is key material in hex or base64, another format)
IPSEC_SECRET = PatternDetector(
    "ipsec-secret",
    "password",
    keywords=(": psk ", ": eap ", ": xauth ", ": ntlm ", ":psk ", ":eap ", ":xauth "),
    before=220,
    after=220,
    priority=35,
    kind="password",
    literal=True,
    patterns=(
        re.compile(
            r"""(?m:^)[^\n:#]{0,200}:[ \t]{0,4}(?:PSK|EAP|XAUTH|NTLM)[ \t]{1,4}(?P<v>"[^"\n]{1,200}")[ \t]{0,8}(?=\r?\n|#|\Z)"""
        ),
    ),
)


def _pgpass_ok(m: re.Match[str], value: str, quoted: bool) -> bool:
    host = m.group("host")
    return host == "*" or any(c.isalpha() for c in host) or host.count(".") == 3


# .pgpass: host:port:database:user:password
PGPASS_PASSWORD = PatternDetector(
    "pgpass-password",
    "password",
    trigger=r":(?:[0-9]{2,5}|\*):[^:\s]{1,64}:[^:\s]{1,64}:[^\s]",
    before=256,
    after=300,
    priority=35,
    kind=None,
    literal=True,
    check=_pgpass_ok,
    patterns=(
        re.compile(
            r"(?m:^)[ \t]{0,8}(?P<host>[A-Za-z0-9_.*\[\]-]{1,253}):(?:[0-9]{2,5}|\*):[^:\s]{1,128}:"
            r"[^:\s]{1,128}:(?P<v>(?:\\:|[^\s:\\]){1,200})[ \t]{0,8}(?m:$)"
        ),
    ),
)

DETECTORS = (
    PGPASS_PASSWORD, TEMPLATE_DEFAULT_PASSWORD, TEMPLATE_DEFAULT_SECRET, LINE_QUOTED_PASSWORD, SASL_PASSWD, SNMP_COMMUNITY,
    LDIF_PASSWORD, IPSEC_SECRET,
)  # fmt: skip
