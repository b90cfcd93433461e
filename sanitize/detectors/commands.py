"""Passwords passed on a command line by flags or positions that do not say "password": ``ldapsearch -w``,
``redis-cli -a``, ``sqlcmd -P``, ``zip -P``, ``7z -p...``, ``keytool -storepass``, ``ipmitool -P``,
``ssh-keygen -N``, ``mosquitto_pub -P``,
``smbclient -U user%pass``, ``xfreerdp /p:...``, ``useradd -p``, ``htpasswd -b file user pass``, ``net user name pass``,
``rabbitmqctl add_user name pass``, ``jarsigner -storepass``, SNMPv3 ``-A``/``-X``, ``lftp -u user,pass``,
Oracle ``sqlplus user/pass@db`` (``expdp``, ``impdp``, ``sqlldr userid=``, ``rman``), ``hydra``/``medusa -p``,
``redis-server --requirepass``, ``nmcli ... password``, ``wpa_passphrase SSID pass``, ``mosquitto_passwd -b``,
impacket's ``user:pass@host`` targets; and passwords piped into a
command that reads one from standard input:
``echo V | docker login --password-stdin``, ``echo V | sudo -S ...``, ``echo V | passwd --stdin user``,
``echo 'user:V' | chpasswd``, ``echo -n V | gcloud secrets create NAME --data-file=-``.

The command name is the trigger. Its line (up to ``after`` characters, ended by a newline or a shell
``|``/``;``/``&&``) is split into words once, and the words after the command are read by the command's
rule; a flood of command names is one pass over the text, since each occurrence inside a line already
read is skipped. The span is the value without its quotes; values go through the password hard negatives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

from .base import Detector, Span
from .filters import is_word
from .format_base import key_kind, value_ok

# command -> flags whose next word is the password (glued flags: _ATTACHED; positional rules: _positional)
_FLAGS: dict[str, tuple[str, ...]] = {
    "ldapsearch": ("-w",), "ldapmodify": ("-w",), "ldapadd": ("-w",), "ldapdelete": ("-w",),
    "ldappasswd": ("-w", "-s"), "ldapwhoami": ("-w",), "ldapcompare": ("-w",), "ldapmodrdn": ("-w",),
    "redis-cli": ("-a",), "sqlcmd": ("-P",), "bcp": ("-P",), "osql": ("-P",), "isql": ("-P",),
    "zip": ("-P",), "unzip": ("-P",), "ipmitool": ("-P",), "rdesktop": ("-p",), "openssl": ("-k",),
    "mysqladmin": ("password",),  # mysqladmin -u root password NEW
    "schtasks": ("/rp", "/p"), "psexec": ("-p",),
    "keytool": ("-storepass", "-keypass", "-srcstorepass", "-deststorepass", "-srckeypass", "-destkeypass"),
    "jarsigner": ("-storepass", "-keypass"),
    "snmpwalk": ("-A", "-X"), "snmpget": ("-A", "-X"), "snmpset": ("-A", "-X"), "snmpbulkwalk": ("-A", "-X"),
    "snmpbulkget": ("-A", "-X"), "snmptrap": ("-A", "-X"),  # SNMPv3 auth and privacy passphrases
    "ssh-keygen": ("-N", "-P"),  # new and old passphrase
    "mosquitto_pub": ("-P",), "mosquitto_sub": ("-P",),  # MQTT (-u user -p V is the password detector's case)
    "hydra": ("-p",), "medusa": ("-p",),  # -l USER -p PASS
    "redis-server": ("--requirepass", "--masterauth"),
    "nmcli": ("password", "wifi-sec.psk", "802-11-wireless-security.psk"),  # nmcli dev wifi connect SSID password V
    "useradd": ("-p",), "usermod": ("-p",),  # the password (meant to be crypt()'s hash; often not)
}  # fmt: skip
_ATTACHED = {"7z": "-p", "7za": "-p", "xfreerdp": "/p:"}  # the password is glued to the flag
_USER_PERCENT = ("smbclient", "rpcclient", "smbmap", "smbget")  # -U user%password
_USER_COMMA = ("lftp",)  # -u user,password
# Oracle tools: user/password[@connect] (sqlldr: userid=user/password); `sqlplus / as sysdba` has none
_ORACLE = ("sqlplus", "expdp", "impdp", "sqlldr", "rman", "dgmgrl")
_ORACLE_LOGON = re.compile(r"(?:userid=)?[A-Za-z_][\w$#]{0,63}/([^@/\s\"']{1,128})(?:@\S{0,200})?")
_POSITIONAL = {"net": ("user",), "rabbitmqctl": ("add_user", "change_password"), "htpasswd": (),
               "mosquitto_passwd": (), "wpa_passphrase": ()}  # fmt: skip
# impacket's examples take the target as [domain/]user:password@host
_IMPACKET = ("psexec", "wmiexec", "smbexec", "atexec", "dcomexec", "secretsdump", "smbclient.py", "getuserspns",
             "getnpusers", "impacket-psexec", "impacket-wmiexec", "impacket-smbexec", "impacket-atexec",
             "impacket-dcomexec", "impacket-secretsdump", "impacket-smbclient", "impacket-GetUserSPNs")  # fmt: skip
_IMPACKET_TARGET = re.compile(
    r"(?:[\w.-]{1,64}/)?[\w.$-]{1,64}:([^\s\"']{1,128})@[\w.\[\]:-]{1,200}"
)  # the last @
COMMANDS = tuple(
    dict.fromkeys((*_FLAGS, *_ATTACHED, *_USER_PERCENT, *_USER_COMMA, *_ORACLE, *_POSITIONAL, *_IMPACKET))
)  # psexec: two rules
_COMMAND = re.compile(
    r"(?<![\w./-])(" + "|".join(map(re.escape, sorted(COMMANDS, key=len, reverse=True))) + r")(?![\w-])"
)
_WORD = re.compile(r"""[ \t]*("[^"\n]{0,200}"|'[^'\n]{0,200}'|[^\s"';|]{1,200})""")


def _words(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], int]:
    """The (start, end) of each word of the command line from ``start`` (quotes kept), and where the
    last one ends: a line ends at a newline, an unquoted ``;`` or ``|``, or ``&&``."""
    words, pos = [], start
    while pos < end:
        m = _WORD.match(text, pos, end)
        if m is None or text.startswith("&&", m.start(1)):
            break
        words.append(m.span(1))
        pos = m.end()
    return words, pos


def _unquote(text: str, s: int, e: int) -> tuple[int, int, bool]:
    if e - s >= 2 and text[s] in "\"'" and text[e - 1] == text[s]:
        return s + 1, e - 1, True
    return s, e, False


def _candidates(command: str, text: str, words: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The (start, end) of each password in the words after ``command`` (quotes kept)."""
    values = [text[s:e] for s, e in words]
    for k, v in enumerate(values):
        if v in _FLAGS.get(command, ()) and k + 1 < len(words):
            yield words[k + 1]
        flag = _ATTACHED.get(command)
        if flag is not None and v.startswith(flag) and len(v) > len(flag):
            yield words[k][0] + len(flag), words[k][1]
        if command in _USER_PERCENT and v in ("-U", "--user") and k + 1 < len(words) and "%" in values[k + 1]:
            s, e = words[k + 1]
            yield s + values[k + 1].index("%") + 1, e
        if command in _USER_COMMA and v == "-u" and k + 1 < len(words) and "," in values[k + 1]:
            s, e = words[k + 1]
            yield s + values[k + 1].index(",") + 1, e
        if command in _ORACLE and (logon := _ORACLE_LOGON.fullmatch(v)) is not None:
            yield words[k][0] + logon.start(1), words[k][0] + logon.end(1)
        if command in _IMPACKET and (target := _IMPACKET_TARGET.fullmatch(v)) is not None:
            yield words[k][0] + target.start(1), words[k][0] + target.end(1)
    yield from _positional(command, values, words)


def _positional(command: str, values: list[str], words: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    if command in ("htpasswd", "mosquitto_passwd"):  # -b[c...] FILE USER PASS, htpasswd -nb USER PASS
        flags = [v for v in values if v.startswith("-")]
        args = [w for w, v in zip(words, values) if not v.startswith("-")]
        if any("b" in f for f in flags):
            need = 2 if any("n" in f for f in flags) else 3
            if len(args) >= need:
                yield args[need - 1]
        return
    if command == "wpa_passphrase":  # wpa_passphrase SSID PASSPHRASE (no passphrase: read from stdin)
        if len(values) >= 2 and not values[1].startswith((">", "|", "<")):
            yield words[1]
        return
    if command == "net" and values[:1] == ["use"]:
        # net use [X:] [\\host\share] PASS /user:NAME: the first word that is no flag, drive or share
        rest = [
            w
            for w, v in zip(words[1:], values[1:])
            if not (v.startswith(("/", "\\\\")) or v.endswith(":") or v == "*")
        ]
        if rest and len(values) > 2:
            yield rest[0]
        return
    subcommands = _POSITIONAL.get(command, ())
    if values and values[0] in subcommands and len(values) >= 3 and not values[2].startswith(("/", "-", "*")):
        yield words[2]  # net user NAME PASS, rabbitmqctl add_user NAME PASS


def _argument_ok(value: str, quoted: bool) -> bool:
    """A password given as an argument: data, so ``-storepass lNhv.W4Q`` is no attribute access; a bare
    lower-case word is prose about the flag ("ldapsearch -w option")."""
    return value_ok(value, kind="password", quoted=quoted, code=False) and (quoted or not is_word(value))


Reader = Callable[
    [str, str, list[tuple[int, int]]], Iterator[tuple[int, int]]
]  # (command, text, words) -> values


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CommandPasswordDetector(Detector):
    """Command lines: ``commands`` finds a command's name (group 1), ``read`` the values in the words after it."""

    commands: re.Pattern[str] = _COMMAND
    read: Reader = _candidates

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        done = start  # end of the last command line read: commands inside it are not read again
        for m in self.commands.finditer(text, start, end):
            if m.start() < done:
                continue
            words, done = _words(text, m.end(), min(end, m.end() + self.after))
            for s, e in self.read(m.group(1), text, words):
                s, e, quoted = _unquote(text, s, e)
                if _argument_ok(text[s:e], quoted):
                    yield s, e, 0.85


# the triggers: the command names, with what follows the short ones (`net`, `zip` are everywhere in prose,
# and every hit of a keyword costs the scanner's prefilter a look)
_SHORT = {"net": "net user ", "zip": "zip -", "unzip": "unzip -", "bcp": "bcp ", "osql": "osql ", "isql": "isql ",
          "7z": "7z ", "7za": "7za ", "rman": "rman ", "lftp": "lftp "}  # fmt: skip
KEYWORDS = (*(_SHORT.get(c, c) for c in COMMANDS), "net use ")
COMMAND_PASSWORD = CommandPasswordDetector(
    "command-password", "password", keywords=KEYWORDS, before=0, after=400, priority=30
)


# `echo V | cmd` / `printf '%s' V | cmd`: the piped value, when the command reads a password from stdin
_PIPED = re.compile(
    r"""(?<![\w-])(?:echo|printf)(?:[ \t]{1,3}-[neE]{1,2}){0,2}(?:[ \t]{1,3}(?:'%s(?:\\n)?'|"%s(?:\\n)?"))?"""
    r"""[ \t]{1,3}(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'|;&]{1,200})[ \t]{0,3}\|[^|;\n]{0,200}\Z"""
)
# what marks a command reading the password from stdin (matched case-sensitively: `sudo -s` is a shell)
_STDIN = re.compile(
    r"--password-stdin\b|\bsudo[ \t][^|;\n]{0,40}?(?<!\S)-[A-Za-z]{0,3}S\b|--stdin\b|\bchpasswd\b|--data-file=-(?!\S)"
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PipedPasswordDetector(Detector):
    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        done = start  # each stretch of a line is read once, however many triggers it holds
        for t in _STDIN.finditer(text, start, end):
            lo = max(done, start, t.start() - self.before)
            nl = text.rfind("\n", lo, t.start())
            lo = nl + 1 if nl >= 0 else lo
            done = t.end()
            m = _PIPED.search(text, lo, t.start())
            if m is None:
                continue
            s, e, quoted = _unquote(text, *m.span("v"))
            if t.group() == "chpasswd":  # echo 'user:pass' | chpasswd
                colon = text.find(":", s, e)
                if colon < 0:
                    continue
                s = colon + 1
            if _argument_ok(text[s:e], quoted):
                yield s, e, 0.85


PIPED_PASSWORD = PipedPasswordDetector(
    "piped-password", "password",
    keywords=("--password-stdin", "sudo -", "--stdin", "chpasswd", "--data-file=-"),  # `sudo -`: sudo with flags only
    before=400, after=32, priority=30,  # after: `sudo -u name -S`
)  # fmt: skip


# Secret stores' command lines: what is stored is a secret whatever its name -- (command, subcommand words,
# flags whose value is the secret, a word the line must hold): `az keyvault secret set --value V`, `aws
# secretsmanager create-secret --secret-string V`, `aws ssm put-parameter --value V --type SecureString`, `gh
# secret set NAME --body V` (also `--flag=V`, and a short flag glued to its value: `-b"V"`); no flags: the
# second argument after the subcommand, under a credential's name (`dotnet user-secrets set Db:Password V`)
_STORE_RULES = (
    ("az", ("keyvault", "secret", "set"), ("--value",), None),
    ("aws", ("secretsmanager", "create-secret"), ("--secret-string",), None),
    ("aws", ("secretsmanager", "put-secret-value"), ("--secret-string",), None),
    ("aws", ("secretsmanager", "update-secret"), ("--secret-string",), None),
    ("aws", ("ssm", "put-parameter"), ("--value",), "SecureString"),
    ("gh", ("secret", "set"), ("--body", "-b"), None),
    ("dotnet", ("user-secrets", "set"), (), None),
)
_STORE_COMMAND = re.compile(r"(?<![\w./-])(az|aws|gh|dotnet)(?![\w-])")
_TAKES_VALUE = ("-p", "--project", "--id", "-c", "--configuration")  # dotnet user-secrets' flags with a value


def _stored(command: str, text: str, words: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The (start, end) of each stored value in the words after ``command`` (quotes kept)."""
    values = [text[s:e] for s, e in words]
    for name, sub, flags, needs in _STORE_RULES:
        if name != command or tuple(values[: len(sub)]) != sub or (needs is not None and needs not in values):
            continue
        # no flags: NAME VALUE (the arguments that are no flag or a flag's value), under a credential's name
        if not flags:
            args = [k for k in range(len(sub), len(values)) if not values[k].startswith("-")
                    and values[k - 1] not in _TAKES_VALUE]  # fmt: skip
            if len(args) >= 2 and key_kind(values[args[0]].strip("\"'")) is not None:
                yield words[args[1]]
            continue
        for k, v in enumerate(values[len(sub) :], len(sub)):
            for flag in flags:
                if v == flag and k + 1 < len(words):
                    span = words[k + 1]
                elif v.startswith(flag + "=") or (
                    flag[1] != "-" and v.startswith(flag) and len(v) > len(flag)
                ):
                    span = (words[k][0] + len(flag) + v.startswith(flag + "="), words[k][1])
                else:
                    continue
                if not text.startswith(("file://", "fileb://"), span[0] + (text[span[0]] in "\"'")):
                    yield span  # (file://x: the AWS CLI reads the value from that file)


SECRET_STORE_COMMAND = CommandPasswordDetector(
    "secret-store-command", "generic_secret",
    keywords=("keyvault secret set", "secretsmanager", "ssm put-parameter", "gh secret set", "user-secrets set"),
    before=8, after=600, priority=30,  # before: `aws ` ahead of `ssm put-parameter`
    commands=_STORE_COMMAND, read=_stored,
)  # fmt: skip
