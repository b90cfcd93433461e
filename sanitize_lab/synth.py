"""Synthetic secrets, the contexts they leak in, hard negatives, and labeled corpora.

Everything here is pure and seeded by a :class:`random.Random` passed in, so a corpus is a function of
its seed. Used by the scan benchmark, detector tests and the demo corpus.

* :func:`fake` -- a *valid* value of every scanner type (cards: brand IIN, length and Luhn; GitHub/npm:
  CRC32 trailer; JWT: decodable header; IBAN: mod-97; SSN: outside the never-issued ranges; vendor keys
  in their real formats). Check digits come from :mod:`sanitize.checksums`.
* :data:`CONTEXTS` / :func:`render` -- several writing styles per type (prose, chat, email, config,
  ``.env``, YAML, JSON, code, logs, CLI flags, connection strings, ...); :func:`surface` adds the
  spellings of one value (cards with spaces or dashes, grouped IBANs, phone formats).
* :data:`DECOY_KINDS` / :func:`decoy` -- every hard-negative kind a scanner must not report.
* :func:`make_corpus` -- JSON-able records with a ``"text"`` field (mixed prose, chat, email, code,
  config, JSON and logs filler) and the exact span of every planted occurrence.

Span convention (what a scanner should report): the value itself, not its keyword -- the password
in ``password=...`` or ``user:pass@host``; the whole ``-----BEGIN ... END ...-----`` block of a key;
a card, IBAN or phone number with its inner separators (and a phone's ``+CC``/parentheses).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable
from typing import NamedTuple

from sanitize.checksums import crc32_base62, iban_check_digits, luhn_check_digit

TYPES: tuple[str, ...] = (
    "credit_card",
    "password",
    "private_key",
    "jwt",
    "aws_access_key_id",
    "aws_secret_access_key",
    "github_token",
    "gitlab_token",
    "slack_token",
    "stripe_key",
    "openai_key",
    "google_api_key",
    "sendgrid_key",
    "twilio_key",
    "npm_token",
    "azure_storage_key",
    "telegram_bot_token",
    "huggingface_token",
    "generic_secret",
    "email",
    "phone",
    "iban",
    "us_ssn",
    "ip_address",
)

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"
PASSWORD_SYMBOLS = "!*+-_=~"  # safe unquoted in URLs' userinfo, .env, YAML and shells' single quotes


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _b64(data: bytes, url: bool = False) -> str:
    if url:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    return base64.b64encode(data).decode()


# --------------------------------------------------------------------------------------------------
# valid values


# brand -> (IIN prefixes, lengths)
CARD_BRANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "visa": (("4",), (16, 19)),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2345", "2720"), (16,)),
    "amex": (("34", "37"), (15,)),
    "discover": (("6011", "644", "65"), (16,)),
    "jcb": (("3528", "3530", "3589"), (16,)),
    "diners": (("36", "300", "305"), (14,)),
}


def _card(rng: random.Random) -> str:
    brand = rng.choice(list(CARD_BRANDS))
    prefixes, lengths = CARD_BRANDS[brand]
    length = lengths[0] if rng.random() < 0.85 else rng.choice(lengths)
    payload = rng.choice(prefixes)
    payload += "".join(rng.choice(string.digits) for _ in range(length - 1 - len(payload)))
    return payload + luhn_check_digit(payload)


_WORDS = _words(
    "sunflower tiger maple orbit falcon copper velvet harbor quartz meadow lantern cobalt rocket marble summit canyon ember willow glacier pepper saturn violet thunder cactus"
)


def _password(rng: random.Random) -> str:
    """A password a person would use: random, or words + digits + symbol; starts and ends alphanumeric."""
    if rng.random() < 0.5:
        n = rng.randint(10, 18)
        body = [rng.choice(ALNUM + PASSWORD_SYMBOLS) for _ in range(n - 2)]
        i, j = rng.sample(range(len(body)), 2)
        body[i], body[j] = rng.choice(string.digits), rng.choice(PASSWORD_SYMBOLS)
        return rng.choice(string.ascii_letters) + "".join(body) + rng.choice(ALNUM)
    words = [w.capitalize() if rng.random() < 0.7 else w for w in rng.sample(_WORDS, rng.randint(1, 2))]
    sym = rng.choice("!*_-~")
    return "".join(words) + sym + str(rng.randint(10, 9999))


_PEM_KINDS = ("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY")


def _private_key(rng: random.Random) -> str:
    kind = rng.choice(_PEM_KINDS)
    if kind == "OPENSSH PRIVATE KEY":
        n_bytes = rng.choice((399, 1800))
        body = b"openssh-key-v1\x00" + rng.randbytes(n_bytes)
        width = 70
    else:
        n_bytes = {"RSA PRIVATE KEY": 1190, "PRIVATE KEY": 1216, "EC PRIVATE KEY": 117}[kind]
        n_bytes = rng.choice((n_bytes, n_bytes // 2 + 1)) if kind != "EC PRIVATE KEY" else n_bytes
        # DER: SEQUENCE with a two-byte length, then an INTEGER version field
        body = b"\x30\x82" + (n_bytes - 4).to_bytes(2, "big") + b"\x02\x01\x00" + rng.randbytes(n_bytes - 7)
        if kind == "EC PRIVATE KEY":
            body = b"\x30\x74\x02\x01\x01\x04\x20" + rng.randbytes(n_bytes - 7)
        width = 64
    data = _b64(body)
    lines = [data[i : i + width] for i in range(0, len(data), width)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def _jwt(rng: random.Random) -> str:
    alg = rng.choice(("HS256", "RS256", "ES256"))
    header = (
        {"alg": alg, "typ": "JWT"}
        if rng.random() < 0.8
        else {"typ": "JWT", "alg": alg, "kid": _chars(rng, HEX, 8)}
    )
    iat = rng.randint(1_600_000_000, 1_750_000_000)
    payload = {
        "sub": str(rng.randint(10_000, 99_999_999)),
        "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "iat": iat,
        "exp": iat + rng.choice((900, 3600, 86400)),
    }
    if rng.random() < 0.5:
        payload["scope"] = rng.choice(("read write", "admin", "openid profile email"))
    sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    enc = [_b64(json.dumps(p, separators=(",", ":")).encode(), url=True) for p in (header, payload)]
    return ".".join([*enc, _b64(rng.randbytes(sig_len), url=True)])


def _aws_access_key_id(rng: random.Random) -> str:
    while True:
        key = rng.choice(("AKIA", "AKIA", "AKIA", "ASIA")) + _chars(rng, BASE32, 16)
        if not key.endswith("EXAMPLE"):
            return key


def _aws_secret_access_key(rng: random.Random) -> str:
    return _chars(rng, B64, 40)


def _github_token(rng: random.Random) -> str:
    prefix = rng.choice(("ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"))
    body = _chars(rng, ALNUM, 30)
    return prefix + body + crc32_base62(body)


def _gitlab_token(rng: random.Random) -> str:
    return rng.choice(("glpat-", "glpat-", "glpat-", "gldt-", "glrt-")) + _chars(rng, B64URL, 20)


def _slack_token(rng: random.Random) -> str:
    kind = rng.choice(("xoxb", "xoxb", "xoxp", "xoxa", "xoxe"))
    digits = string.digits
    if kind == "xoxp":
        parts = [_chars(rng, digits, rng.randint(10, 13)) for _ in range(3)]
        return f"xoxp-{'-'.join(parts)}-{_chars(rng, HEX, 32)}"
    a, b = (_chars(rng, digits, rng.randint(10, 13)) for _ in range(2))
    return f"{kind}-{a}-{b}-{_chars(rng, ALNUM, 24)}"


def _stripe_key(rng: random.Random) -> str:
    prefix = rng.choice(("sk_live_", "sk_live_", "rk_live_", "sk_test_"))
    return prefix + rng.choice(("51", "")) + _chars(rng, ALNUM, rng.choice((24, 99)))


def _openai_key(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return "sk-" + _chars(rng, ALNUM, 20) + "T3BlbkFJ" + _chars(rng, ALNUM, 20)
    prefix = rng.choice(("sk-proj-", "sk-proj-", "sk-svcacct-", "sk-admin-"))
    return prefix + _chars(rng, B64URL, 74) + "T3BlbkFJ" + _chars(rng, B64URL, 74)


def _google_api_key(rng: random.Random) -> str:
    return "AIza" + _chars(rng, B64URL, 35)


def _sendgrid_key(rng: random.Random) -> str:
    return "SG." + _chars(rng, B64URL, 22) + "." + _chars(rng, B64URL, 43)


def _twilio_key(rng: random.Random) -> str:
    return "SK" + _chars(rng, HEX, 32)


def _npm_token(rng: random.Random) -> str:
    body = _chars(rng, ALNUM, 30)
    return "npm_" + body + crc32_base62(body)


def _azure_storage_key(rng: random.Random) -> str:
    return _b64(rng.randbytes(64))  # 88 characters ending in "=="


def _telegram_bot_token(rng: random.Random) -> str:
    return f"{rng.randint(10**7, 10**10 - 1)}:AA{_chars(rng, B64URL, 33)}"


def _huggingface_token(rng: random.Random) -> str:
    return "hf_" + _chars(rng, string.ascii_letters, 34)


_VENDOR_PREFIXES = ("AKIA", "ASIA", "ghp_", "AIza", "SG.", "SK", "sk", "hf_", "npm_", "gl", "xox", "eyJ")


def _generic_secret(rng: random.Random) -> str:
    while True:
        value = rng.choice(
            (
                lambda: _chars(rng, HEX, rng.choice((32, 40, 64))),
                lambda: _chars(rng, ALNUM, rng.randint(24, 48)),
                lambda: _b64(rng.randbytes(rng.choice((24, 33))), url=True),
            )
        )()
        if (
            not value.startswith(_VENDOR_PREFIXES)
            and re.search(r"\d", value)
            and re.search("[a-zA-Z]", value)
        ):
            return value


_FIRST = _words(
    "james mary robert patricia john jennifer michael linda david elena wei priya omar sofia lukas"
)
_LAST = _words("smith johnson garcia miller davis rodriguez martinez chen patel kowalski nguyen muller rossi")
_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "fastmail.fm", "gmx.de")
_ORG_WORDS = _words("acme globex initech umbrella stark wayne hooli vandelay soylent tyrell")
_TLDS = ("com", "io", "net", "org", "co", "dev")


def _email(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}", first))
    if rng.random() < 0.5:
        domain = rng.choice(_MAIL_DOMAINS)
    else:
        domain = f"{rng.choice(_ORG_WORDS)}{rng.choice(('', '-corp', 'labs'))}.{rng.choice(_TLDS)}"
    return f"{local}@{domain}"


def _nanp(rng: random.Random) -> tuple[str, str, str]:
    """A dialable North American number: area and exchange start 2-9, no N11, no 555."""
    while True:
        area = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
        exch = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if area[1:] != "11" and exch[1:] != "11" and exch != "555":
            return area, exch, f"{rng.randint(0, 9999):04d}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


# phone formats: name -> builder (international ones carry +CC)
PHONE_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "us_paren": lambda r: "({}) {}-{}".format(*_nanp(r)),
    "us_dash": lambda r: "{}-{}-{}".format(*_nanp(r)),
    "us_dot": lambda r: "{}.{}.{}".format(*_nanp(r)),
    "us_intl": lambda r: "+1 {} {} {}".format(*_nanp(r)),
    "us_intl_dash": lambda r: "+1-{}-{}-{}".format(*_nanp(r)),
    "uk_mobile_national": lambda r: f"07{r.randint(400, 999)} {_digits(r, 6)}",
    "uk_mobile_intl": lambda r: f"+44 7{r.randint(400, 999)} {_digits(r, 6)}",
    "uk_london_intl": lambda r: f"+44 20 {r.randint(3, 8)}{_digits(r, 3)} {_digits(r, 4)}",
    "de_intl": lambda r: f"+49 {r.choice(('30', '89', '40', '69'))} {r.randint(2, 9)}{_digits(r, 7)}",
    "de_mobile_national": lambda r: f"0{r.choice(('151', '160', '171', '176'))} {_digits(r, 8)}",
    "fr_national": lambda r: "0{} {} {} {} {}".format(r.choice("67"), *(_digits(r, 2) for _ in range(4))),
    "fr_intl": lambda r: "+33 {} {} {} {} {}".format(r.choice("67"), *(_digits(r, 2) for _ in range(4))),
    "in_intl": lambda r: f"+91 {r.randint(7, 9)}{_digits(r, 4)} {_digits(r, 5)}",
    "e164": lambda r: "+1{}{}{}".format(*_nanp(r)),
}


def _phone(rng: random.Random) -> str:
    return PHONE_FORMATS[rng.choice(list(PHONE_FORMATS))](rng)


# country -> BBAN builder (ISO 13616 lengths)
IBAN_COUNTRIES: dict[str, Callable[[random.Random], str]] = {
    "DE": lambda r: _digits(r, 18),
    "GB": lambda r: _chars(r, string.ascii_uppercase, 4) + _digits(r, 14),
    "FR": lambda r: _digits(r, 10) + _chars(r, string.ascii_uppercase + string.digits, 11) + _digits(r, 2),
    "NL": lambda r: _chars(r, string.ascii_uppercase, 4) + _digits(r, 10),
    "ES": lambda r: _digits(r, 20),
    "IT": lambda r: r.choice(string.ascii_uppercase) + _digits(r, 10) + _chars(r, string.digits, 12),
    "CH": lambda r: _digits(r, 5) + _chars(r, string.ascii_uppercase + string.digits, 12),
    "BE": lambda r: _digits(r, 12),
}


def _iban(rng: random.Random) -> str:
    country = rng.choice(list(IBAN_COUNTRIES))
    bban = IBAN_COUNTRIES[country](rng)
    return country + iban_check_digits(country, bban) + bban


def ssn_valid(ssn: str) -> bool:
    """Never-issued SSNs: area 000, 666 or 900-999; group 00; serial 0000; the 078-05-1120 specimen."""
    d = re.sub(r"[ -]", "", ssn)
    if len(d) != 9 or not d.isdigit():
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0 and d != "078051120"


def _us_ssn(rng: random.Random) -> str:
    while True:
        ssn = f"{rng.randint(1, 899):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn_valid(ssn):
            return ssn


def ip_public(ip: str) -> bool:
    """A routable unicast IPv4 address (not private, loopback, link-local, CGNAT, multicast or reserved)."""
    parts = ip.split(".")
    if len(parts) != 4 or not all(p.isdigit() and str(int(p)) == p and int(p) < 256 for p in parts):
        return False
    a, b = int(parts[0]), int(parts[1])
    private = a in (0, 10, 127) or (a == 172 and 16 <= b < 32) or (a, b) in ((192, 168), (169, 254))
    return not private and not (a == 100 and 64 <= b < 128) and 1 <= a < 224


def _ip_address(rng: random.Random) -> str:
    while True:
        ip = ".".join(str(rng.randint(1 if i == 0 else 0, 255 if i else 223)) for i in range(4))
        if ip_public(ip):
            return ip


_FAKERS: dict[str, Callable[[random.Random], str]] = {
    "credit_card": _card,
    "password": _password,
    "private_key": _private_key,
    "jwt": _jwt,
    "aws_access_key_id": _aws_access_key_id,
    "aws_secret_access_key": _aws_secret_access_key,
    "github_token": _github_token,
    "gitlab_token": _gitlab_token,
    "slack_token": _slack_token,
    "stripe_key": _stripe_key,
    "openai_key": _openai_key,
    "google_api_key": _google_api_key,
    "sendgrid_key": _sendgrid_key,
    "twilio_key": _twilio_key,
    "npm_token": _npm_token,
    "azure_storage_key": _azure_storage_key,
    "telegram_bot_token": _telegram_bot_token,
    "huggingface_token": _huggingface_token,
    "generic_secret": _generic_secret,
    "email": _email,
    "phone": _phone,
    "iban": _iban,
    "us_ssn": _us_ssn,
    "ip_address": _ip_address,
}
assert tuple(_FAKERS) == TYPES


def fake(type: str, rng: random.Random) -> str:
    """A valid value of scanner type ``type`` (canonical spelling: cards and IBANs without spaces)."""
    try:
        maker = _FAKERS[type]
    except KeyError:
        raise ValueError(f"unknown secret type {type!r}; known: {', '.join(TYPES)}") from None
    return maker(rng)


def surface(type: str, value: str, rng: random.Random) -> tuple[str, str]:
    """One way people write ``value``: ``(text, format_name)`` -- cards and IBANs grouped or not."""
    if type == "credit_card":
        fmt = rng.choice(("plain", "spaces", "dashes"))
        if fmt == "plain":
            return value, fmt
        sep = " " if fmt == "spaces" else "-"
        groups = (4, 6, 5) if len(value) == 15 else (4, 6, 4) if len(value) == 14 else (4,) * 5
        out, i = [], 0
        for g in groups:
            if i < len(value):
                out.append(value[i : i + g])
            i += g
        return sep.join(out), fmt
    if type == "iban" and rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4)), "grouped"
    if type == "us_ssn" and rng.random() < 0.2:
        return value.replace("-", " "), "spaces"
    return value, ""


# --------------------------------------------------------------------------------------------------
# contexts: type -> style -> templates. {v} is the value (may appear twice: every occurrence is a
# label); {user} {host} {name} {first} {org} {db} {port} {date} {n} are filled with harmless values.

_KEY_ENV = {
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "github_token": "GITHUB_TOKEN",
    "gitlab_token": "GITLAB_TOKEN",
    "slack_token": "SLACK_BOT_TOKEN",
    "stripe_key": "STRIPE_SECRET_KEY",
    "openai_key": "OPENAI_API_KEY",
    "google_api_key": "GOOGLE_API_KEY",
    "sendgrid_key": "SENDGRID_API_KEY",
    "twilio_key": "TWILIO_API_KEY",
    "npm_token": "NPM_TOKEN",
    "azure_storage_key": "AZURE_STORAGE_KEY",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "huggingface_token": "HF_TOKEN",
    "generic_secret": "API_SECRET",
    "jwt": "AUTH_TOKEN",
}
_KEY_PROSE = {
    "aws_access_key_id": "AWS access key",
    "aws_secret_access_key": "AWS secret access key",
    "github_token": "GitHub token",
    "gitlab_token": "GitLab token",
    "slack_token": "Slack bot token",
    "stripe_key": "Stripe secret key",
    "openai_key": "OpenAI key",
    "google_api_key": "Google Maps API key",
    "sendgrid_key": "SendGrid key",
    "twilio_key": "Twilio API key",
    "npm_token": "npm publish token",
    "azure_storage_key": "Azure storage account key",
    "telegram_bot_token": "Telegram bot token",
    "huggingface_token": "Hugging Face token",
    "generic_secret": "API secret",
    "jwt": "bearer token",
}


# values with no vendor prefix: only a keyword says what they are, so every context names one
_NO_PREFIX = frozenset({"aws_secret_access_key", "azure_storage_key", "generic_secret"})
# CLI spellings for keys that carry no vendor prefix (their keyword is the only context)
_CLI = {
    "aws_secret_access_key": "$ aws configure set aws_secret_access_key {v}",
    "azure_storage_key": "$ az storage blob list --account-name {user}store --account-key {v}",
    "telegram_bot_token": "$ curl https://api.telegram.org/bot{v}/getMe",
    "twilio_key": "$ twilio login --api-key {v} --api-secret-stdin",
    "generic_secret": "$ ./sync --api-key {v} --verbose",
}


def _token_contexts(t: str) -> dict[str, tuple[str, ...]]:
    env, prose = _KEY_ENV[t], _KEY_PROSE[t]
    low = env.lower()
    return {
        "prose": (
            f"For the record, the {prose} we used in staging is {{v}} and it should be rotated.",
            f"I pasted our {prose} ({{v}}) into the ticket by mistake, sorry.",
        ),
        "chat": (
            f"{{user}}: can you send me the {prose}?\n{{name}}: sure, here it is {{v}}\n{{user}}: thanks!",
            f"[{{date}}] <{{user}}> {prose}: {{v}}",
        ),
        "email": (
            f"Hi {{first}},\n\nAs requested, the {prose} is:\n\n{{v}}\n\nPlease keep it safe.\n\nBest,\n{{name}}",
        ),
        "env": (f"{env}={{v}}", f'export {env}="{{v}}"'),
        "yaml": (f"credentials:\n  {low}: {{v}}\n  region: eu-west-1", f"{low}: '{{v}}'"),
        "json": (f'{{{{"{low}": "{{v}}", "timeout": 30}}}}',),
        "code": (
            f'{low} = "{{v}}"  # TODO move to vault',
            f"const {low.upper()} = '{{v}}';",
            *(() if t in _NO_PREFIX else ('client = Client(token="{v}")\nclient.ping()',)),
        ),
        "log": (f"{{date}} DEBUG loaded settings {low}={{v}} from env",),
        "cli": (_CLI.get(t, "$ curl -H 'Authorization: Bearer {v}' https://api.{host}/v1/me"),),
    }


_PASSWORD_CONTEXTS: dict[str, tuple[str, ...]] = {
    "prose": (
        "My password is {v} in case you need to log in while I'm away.",
        "The password for the staging box is {v}, don't share it.",
        "I changed the wifi password to {v} yesterday.",
        "Her old passcode was {v} before the reset.",
        "Just use {v} as the password for now.",
    ),
    "chat": (
        "{user}: what's the admin password?\n{name}: password: {v}",
        "[{date}] <{user}> pw is {v}",
        "{user}: login is {first} / pass {v}",
    ),
    "email": (
        "Dear {first},\n\nYour temporary password is: {v}\nPlease change it after your first login.\n",
        "Username: {user}\nPassword: {v}\n\nRegards,\nIT Helpdesk",
    ),
    "env": ("DB_PASSWORD={v}", 'export PGPASSWORD="{v}"'),
    "yaml": ("database:\n  user: {user}\n  password: {v}\n  port: {port}", "smtp_pass: '{v}'"),
    "json": ('{{"username": "{user}", "password": "{v}", "remember": true}}',),
    "ini": ("[client]\nuser = {user}\npasswd = {v}",),
    "xml": ("<user>{user}</user>\n<password>{v}</password>", '<add key="DbPassword" value="{v}" />'),
    "code": (
        'conn = psycopg2.connect(host="{host}", user="{user}", password="{v}")',
        "db_pass = '{v}'",
        'login(username="{user}", pwd="{v}")',
    ),
    "log": ("{date} WARN auth failed for user={user} password={v} from web-2",),
    "cli": (
        "$ mysql -u {user} -p{v} -h {host}",
        "$ sshpass -p '{v}' ssh -l {user} {host}",
        "$ ./deploy.sh --user {user} --password={v}",
        "$ pg_dump --password {v} {db}",
    ),
    "url": (
        "DATABASE_URL=postgres://{user}:{v}@{host}:{port}/{db}",
        "mongodb+srv://{user}:{v}@cluster0.{host}/{db}?retryWrites=true",
        "git clone https://{user}:{v}@git.{host}/team/repo.git",
        "redis://:{v}@{host}:6379/0",
    ),
    "connstr": (
        "Server={host};Database={db};User Id={user};Password={v};",
        "jdbc:mysql://{host}:3306/{db}?user={user}&password={v}",
    ),
}

CONTEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "credit_card": {
        "prose": (
            "You can charge my card {v}, expiry 09/27.",
            "The company card number is {v} if the invoice bounces.",
        ),
        "chat": ("{user}: card number?\n{name}: {v} exp 11/26 cvc on the back",),
        "email": ("Hi {first},\n\nPlease bill the card ending below:\nCard: {v}\nName: {name}\n",),
        "json": ('{{"customer": "{user}", "card_number": "{v}", "amount": {n}}}',),
        "log": ("{date} ERROR payment declined pan={v} merchant={org}",),
        "csv": ("{first},{org},{v},{n}",),
        "code": ('test_card = "{v}"  # real one, remove before commit',),
    },
    "password": _PASSWORD_CONTEXTS,
    "private_key": {
        "file": ("{v}\n",),
        "email": ("{first}, here's the deploy key, don't lose it:\n\n{v}\n\nCheers",),
        "yaml": ("ssh:\n  host: {host}\n  key: |\n    {v}",),  # indentation is applied when rendering
        "env_escaped": ('PRIVATE_KEY="{v}"',),  # newlines written as \n
        "chat": ("{user}: paste the key\n{name}: ok\n{v}",),
    },
    "jwt": {
        **_token_contexts("jwt"),
        "header": ("GET /api/v2/orders HTTP/1.1\nHost: api.{host}\nAuthorization: Bearer {v}",),
        "json": ('{{"access_token": "{v}", "token_type": "Bearer", "expires_in": 3600}}',),
        "cookie": ("Set-Cookie: session={v}; Path=/; HttpOnly",),
        "url": ("https://app.{host}/callback?id_token={v}&state={n}",),
    },
    **{t: _token_contexts(t) for t in _KEY_ENV if t != "jwt"},
    "email": {
        "prose": ("You can reach me at {v} any time this week.",),
        "email": ("From: {name} <{v}>\nTo: team\nSubject: quarterly numbers",),
        "chat": ("{user}: what's your email?\n{name}: {v}",),
        "json": ('{{"id": {n}, "email": "{v}", "active": true}}',),
        "log": ("{date} INFO password reset requested for {v}",),
        "csv": ("{first},{v},{org}",),
        "code": ('ADMINS = [("{name}", "{v}")]',),
    },
    "phone": {
        "prose": ("Call me on {v} if anything breaks over the weekend.",),
        "email": ("Best regards,\n{name}\n{org} Ltd.\nTel: {v}",),
        "chat": ("{user}: whats ur number\n{name}: {v}",),
        "json": ('{{"name": "{name}", "phone": "{v}"}}',),
        "log": ("{date} INFO sms sent to {v} (2 segments)",),
        "csv": ("{first},{v},{org}",),
        "html": ('<a href="tel:{v}">{name}</a>',),
    },
    "iban": {
        "prose": ("Please wire the deposit to IBAN {v} by Friday.",),
        "email": ("Bank details:\nAccount holder: {name}\nIBAN: {v}\nBIC: DEUTDEFF",),
        "json": ('{{"beneficiary": "{name}", "iban": "{v}"}}',),
        "chat": ("{user}: send it to {v} thx",),
        "csv": ("{name};{v};{n}",),
    },
    "us_ssn": {
        "prose": ("My social security number is {v}, please keep it confidential.",),
        "form": ("Name: {name}\nSSN: {v}\nDOB: 04/12/1987",),
        "json": ('{{"name": "{name}", "ssn": "{v}"}}',),
        "chat": ("{user}: need your SSN for the form\n{name}: {v}",),
        "csv": ("{first},{v},{org}",),
    },
    "ip_address": {
        "log": ('{v} - - [10/Oct/2023:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326',),
        "prose": ("The attacker connected from {v} twice last night.",),
        "config": ("server:\n  bind: {v}\n  port: {port}",),
        "code": ('ALLOWED_HOSTS = ["{v}"]',),
        "chat": ("{user}: whats the box ip\n{name}: {v}",),
    },
}
CONTEXTS["generic_secret"] = {
    **_token_contexts("generic_secret"),
    "yaml": ("oauth:\n  client_id: {user}-app\n  client_secret: {v}", "signing_secret: '{v}'"),
    "code": ('app.config["SECRET_KEY"] = "{v}"', 'api_key = "{v}"', "auth_token: str = '{v}'"),
    "json": ('{{"client_secret": "{v}", "redirect_uri": "https://{host}/cb"}}',),
    "cli": ("$ ./sync --api-key {v} --verbose", "$ export ACCESS_TOKEN={v}"),
    "url": ("https://{host}/oauth/callback#access_token={v}&token_type=bearer&expires_in=3600",),
}
CONTEXTS["azure_storage_key"] = {
    **_token_contexts("azure_storage_key"),
    "connstr": (
        "DefaultEndpointsProtocol=https;AccountName={user}store;AccountKey={v};EndpointSuffix=core.windows.net",
    ),
}
CONTEXTS["aws_access_key_id"] = {
    **_token_contexts("aws_access_key_id"),
    "credentials": ("[default]\naws_access_key_id = {v}\nregion = us-east-1",),
}
CONTEXTS["aws_secret_access_key"] = {
    **_token_contexts("aws_secret_access_key"),
    "credentials": ("[default]\naws_access_key_id = {akid}\naws_secret_access_key = {v}",),
}
assert set(CONTEXTS) == set(TYPES)

_FILL: dict[str, Callable[[random.Random], str]] = {
    "user": lambda r: r.choice(_FIRST) + r.choice(("", "_dev", "ops", str(r.randint(1, 99)))),
    "first": lambda r: r.choice(_FIRST).capitalize(),
    "name": lambda r: f"{r.choice(_FIRST).capitalize()} {r.choice(_LAST).capitalize()}",
    "org": lambda r: r.choice(_ORG_WORDS).capitalize(),
    "host": lambda r: f"{r.choice(('db', 'api', 'prod', 'svc'))}.{r.choice(_ORG_WORDS)}.{r.choice(_TLDS)}",
    "db": lambda r: r.choice(("orders", "users", "analytics", "billing")),
    "port": lambda r: str(r.choice((5432, 3306, 8080, 27017))),
    "date": lambda r: (
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
    ),
    "n": lambda r: str(r.randint(1, 9999)),
    "akid": lambda r: "",  # filled with a planted key id by render
}
_FIELD = re.compile(r"\{(\w+)\}|\{\{|\}\}")


def render(
    type: str, value: str, rng: random.Random, style: str | None = None
) -> tuple[str, list[tuple[int, int, str]], str]:
    """Write ``value`` in one context of ``type``: ``(text, [(start, end, type), ...], style)``.

    The spans are every planted occurrence in ``text`` (the value, and for AWS credential files also
    the key id written next to the secret). ``style`` picks the context family (random when None).
    """
    styles = CONTEXTS[type]
    style = style if style is not None else rng.choice(sorted(styles))
    template = rng.choice(styles[style])
    if type == "private_key" and style == "yaml":
        value = value.replace("\n", "\n    ")
    if type == "private_key" and style == "env_escaped":
        value = value.replace("\n", "\\n")
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = length = 0
    for m in _FIELD.finditer(template):
        out.append(template[pos : m.start()])
        length += m.start() - pos
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            piece = token[0]
        elif m.group(1) == "v":
            piece = value
            spans.append((length, length + len(piece), type))
        elif m.group(1) == "akid":
            piece = fake("aws_access_key_id", rng)
            spans.append((length, length + len(piece), "aws_access_key_id"))
        else:
            piece = _FILL[m.group(1)](rng)
        out.append(piece)
        length += len(piece)
    out.append(template[pos:])
    return "".join(out), spans, style


# --------------------------------------------------------------------------------------------------
# hard negatives: kind -> builder of a text that holds no secret of any type


def _bad_luhn(rng: random.Random) -> str:
    card = _card(rng)
    wrong = str((int(card[-1]) + rng.randint(1, 9)) % 10)
    return card[:-1] + wrong


DOCUMENTED_EXAMPLES: tuple[str, ...] = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
)

_VERSION = lambda r: f"{r.randint(0, 12)}.{r.randint(0, 30)}.{r.randint(0, 20)}"  # noqa: E731


def _uuid(rng: random.Random) -> str:
    h = _chars(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _timestamp(rng: random.Random) -> str:
    return _FILL["date"](rng).replace(" ", "T") + f".{rng.randint(0, 999):03d}Z"


def _order(rng: random.Random) -> str:
    while True:  # 3-7-7 digits, or a long order id that is not a Luhn-valid card length
        kind = rng.random()
        if kind < 0.5:
            return f"{rng.randint(100, 999)}-{_digits(rng, 7)}-{_digits(rng, 7)}"
        if kind < 0.75:
            return f"INV-{rng.randint(2019, 2025)}-{rng.randint(1, 99999):06d}"
        number = str(rng.randint(10**8, 10**9 - 1))
        return number


DECOY_KINDS: dict[str, tuple[str, ...]] = {
    "documented_example": (
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "The docs use AKIAI44QH8DHBEXAMPLE and je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY as examples.",
        'export AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE"',
    ),
    "placeholder": (
        "password: <password>",
        "DB_PASSWORD=********",
        "password = changeme",
        "DB_PASSWORD=${{DB_PASSWORD}}",
        'password: "{{{{ vault_db_password }}}}"',
        "set PASSWORD=%DB_PASSWORD%",
        '"password": "<YOUR_PASSWORD>"',
        "api_key: your-api-key-here",
        "$ mysql -u root -p<password> -h localhost",
        "postgres://{user}:${{PGPASSWORD}}@{host}/{db}",
        "--password=********",
        "SECRET_KEY=REPLACE_ME",
        "password=xxxxxxxx",
        'token = os.environ["API_TOKEN"]',
        "password: {{{{ .Values.db.password }}}}",
    ),
    "uuid": (
        "request_id={uuid} status=200",
        '{{"id": "{uuid}", "kind": "order"}}',
        "X-Request-ID: {uuid}",
        "Trace {uuid} finished in 31 ms.",
    ),
    "git_sha": (
        "commit {sha}\nAuthor: {name}\nDate:   Tue Mar 5 10:01:22 2024 +0100",
        "Fixed in {short} (see also {sha}).",
        "pip install git+https://github.com/{org}/tool@{sha}",
    ),
    "checksum": (
        "sha256: {sha256}",
        "{md5}  dataset.tar.gz",
        '"integrity": "sha512-{b64_88}"',
        'ETag: "{md5}"',
        "checksum = {sha}",
    ),
    "invalid_luhn": (
        "card {bad_card} was rejected",
        '{{"card_number": "{bad_card}"}}',
        "Card: {bad_card}",
    ),
    "timestamp": (
        "{date} INFO worker started",
        '"created_at": "{ts}"',
        "epoch={epoch} epoch_ms={epoch}{ms}",
    ),
    "version": (
        "Upgraded numpy from {ver} to {ver}.",
        "Windows 10.0.{build}.{n}",
        "release v{ver}-rc.1 is out",
        "requires python>=3.{n1}, torch=={ver}",
    ),
    "order_number": (
        "Your order #{order} has shipped.",
        "Order number: {order}",
        "ref {order} / ticket {n}",
    ),
    "empty_password": (
        "password:",
        "Password: \n",
        '"password": "",',
        "DB_PASSWORD=\n",
        "[sudo] password for {user}:",
        "Enter password: ",
    ),
    "common_word": (
        "Type the password with the keyboard, not the on-screen pad.",
        "A password manager beats monkey-typed strings every time.",
        "Forgot password? Click the reset link.",
        "password strength: weak",
        "Her token of appreciation was a monkey plush.",
        "The secret ingredient is nutmeg.",
    ),
}

_DECOY_FILL: dict[str, Callable[[random.Random], str]] = {
    **_FILL,
    "uuid": _uuid,
    "sha": lambda r: _chars(r, HEX, 40),
    "short": lambda r: _chars(r, HEX, 7),
    "sha256": lambda r: _chars(r, HEX, 64),
    "md5": lambda r: _chars(r, HEX, 32),
    "b64_88": lambda r: _b64(r.randbytes(64)),
    "bad_card": lambda r: surface("credit_card", _bad_luhn(r), r)[0],
    "ts": _timestamp,
    "epoch": lambda r: str(r.randint(1_600_000_000, 1_750_000_000)),
    "ms": lambda r: f"{r.randint(0, 999):03d}",
    "ver": _VERSION,
    "build": lambda r: str(r.randint(10240, 22631)),
    "n1": lambda r: str(r.randint(8, 13)),
    "order": _order,
}


def decoy(kind: str, rng: random.Random) -> str:
    """A hard-negative text of ``kind`` (one of :data:`DECOY_KINDS`): no scanner should report it."""
    template = rng.choice(DECOY_KINDS[kind])
    return _FIELD.sub(
        lambda m: m.group(0)[0] if m.group(1) is None else _DECOY_FILL[m.group(1)](rng), template
    )


# --------------------------------------------------------------------------------------------------
# filler: secret-free text in the styles of a training corpus

_NOUNS = _words(
    "model dataset pipeline report meeting schedule garden recipe budget river library window kitchen train museum concert harvest engine bridge forecast network lesson chapter painting village"
)
_VERBS = _words("builds updates describes improves reviews shows explains moves follows changes supports")
_ADJS = _words("quiet large early careful bright simple modern rural final weekly shared local gentle")
_ADVS = ["quickly", "rarely", "often", "carefully", "mostly", "again", "slowly", "together", "already"]


def _sentence(rng: random.Random) -> str:
    words = [
        rng.choice(("The", "A", "Our", "Every", "This")),
        rng.choice(_ADJS),
        rng.choice(_NOUNS),
        rng.choice(_VERBS),
        rng.choice(("the", "a", "each")),
        rng.choice(_NOUNS),
    ]
    if rng.random() < 0.5:
        words += [rng.choice(("near", "after", "for", "with")), "the", rng.choice(_ADJS), rng.choice(_NOUNS)]
    if rng.random() < 0.3:
        words.append(rng.choice(_ADVS))
    return " ".join(words) + rng.choice((".", ".", ".", "!", "?"))


def _prose(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 9)))
    if rng.random() < 0.3:  # typographic punctuation, as in most web text
        text = rng.choice(("“{}”", "{} — really.", "It’s true: {}")).format(text)
    return text


def _chat(rng: random.Random) -> str:
    lines = []
    for i in range(rng.randint(2, 6)):
        who = "user" if i % 2 == 0 else "assistant"
        lines.append(f"{who}: {' '.join(_sentence(rng) for _ in range(rng.randint(1, 3)))}")
    return "\n".join(lines)


def _mail(rng: random.Random) -> str:
    return (
        f"Subject: {rng.choice(_ADJS).capitalize()} {rng.choice(_NOUNS)} update\n\n"
        f"Hi {_FILL['first'](rng)},\n\n{_prose(rng)}\n\nThanks,\n{_FILL['name'](rng)}"
    )


def _code(rng: random.Random) -> str:
    fn, arg = rng.choice(_NOUNS), rng.choice(_NOUNS)
    return (
        f"def {rng.choice(_VERBS)}_{fn}({arg}, limit={rng.randint(1, 512)}):\n"
        f'    """{_sentence(rng)}"""\n'
        f"    items = [x for x in {arg} if x.{rng.choice(_ADJS)}]\n"
        f"    for i, item in enumerate(items[:limit]):\n"
        f"        print(i, item.{fn})\n"
        f"    return len(items)\n"
    )


def _config(rng: random.Random) -> str:
    return "\n".join(
        [
            f"{rng.choice(_NOUNS)}:",
            f"  enabled: {rng.choice(('true', 'false'))}",
            f"  retries: {rng.randint(1, 9)}",
            f"  timeout_seconds: {rng.randint(5, 300)}",
            f"  mode: {rng.choice(_ADJS)}",
            f"  path: /var/lib/{rng.choice(_NOUNS)}/{rng.choice(_NOUNS)}",
        ]
    )


def _json_filler(rng: random.Random) -> str:
    obj = {
        "id": rng.randint(1, 99999),
        "title": _sentence(rng),
        "tags": rng.sample(_NOUNS, 3),
        "score": round(rng.random(), 3),
        "published": rng.random() < 0.5,
    }
    return json.dumps(obj)


# Non-ASCII text: offsets are characters, not bytes, and some characters change length when
# lower-cased ("İ" -> "i̇"), so a scanner's fast ASCII paths and its offsets both get exercised.
_INTL = (
    "Grüße aus München, das Café öffnet um neun.",
    "Le déjeuner à la crèche était très réussi, naïve idée !",
    "東京の会議は来週に延期されました。",
    "Встреча перенесена на пятницу.",
    "Nice work on the release 🎉🚀, see you at the offsite ☕.",
    "ΑΘΗΝΑ: η σύσκεψη ξεκινά στις δέκα.",
    "مرحبا بكم في الاجتماع الأسبوعي",
)


_TURKISH = "İstanbul'da yağmur yağıyor; Işık ve Ödül geç kaldı."  # rare: "İ".lower() is two characters


def _intl(rng: random.Random) -> str:
    text = " ".join(rng.choice(_INTL) for _ in range(rng.randint(1, 4)))
    return text + " " + _TURKISH if rng.random() < 0.03 else text


def _logs(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 8)):
        level = rng.choice(("INFO", "INFO", "DEBUG", "WARN"))
        lines.append(
            f"{_FILL['date'](rng)} {level} [{rng.choice(_NOUNS)}] {rng.choice(_VERBS)} "
            f"{rng.randint(1, 5000)} {rng.choice(_NOUNS)}s in {rng.randint(1, 900)} ms"
        )
    return "\n".join(lines)


FILLER_STYLES: dict[str, Callable[[random.Random], str]] = {
    "prose": _prose,
    "chat": _chat,
    "email": _mail,
    "code": _code,
    "config": _config,
    "json": _json_filler,
    "logs": _logs,
    "intl": _intl,
}


# --------------------------------------------------------------------------------------------------
# corpora


class Label(NamedTuple):
    """One planted occurrence: ``text[start:end]`` of record ``doc`` is a secret of ``type``."""

    doc: int
    start: int
    end: int
    type: str


class Planted(NamedTuple):
    label: Label
    style: str  # "<context style>" or "<context style>/<format>", e.g. "chat/dashes"


class Decoy(NamedTuple):
    doc: int
    start: int
    end: int
    kind: str


class SynthCorpus(NamedTuple):
    records: list[dict[str, str]]
    planted: list[Planted]
    decoys: list[Decoy]

    @property
    def labels(self) -> list[Label]:
        return [p.label for p in self.planted]


def plant_corpus(
    n_bytes: int,
    seed: int = 0,
    items_per_type: int = 20,
    decoys_per_kind: int = 20,
    types: tuple[str, ...] = TYPES,
    repeat_fraction: float = 0.15,
    doc_bytes: tuple[int, int] = (300, 6000),
) -> SynthCorpus:
    """A labeled corpus of about ``n_bytes`` characters of text (see :func:`make_corpus`).

    Every type gets ``items_per_type`` distinct values, cycling through all its context styles; a
    ``repeat_fraction`` of them is planted a second time elsewhere (every occurrence is a label).
    Each decoy kind is planted ``decoys_per_kind`` times. Pieces are separated by blank lines.
    """
    rng = random.Random(seed)
    pieces: list[tuple[str, list[tuple[int, int, str]], str, str]] = []  # text, spans, style, decoy kind
    for t in types:
        styles = sorted(CONTEXTS[t])
        for i in range(items_per_type):
            value, fmt = surface(t, fake(t, rng), rng)
            style = styles[i % len(styles)]
            copies = 2 if rng.random() < repeat_fraction else 1
            for _ in range(copies):
                text, spans, _ = render(t, value, rng, style)
                pieces.append((text, spans, f"{style}/{fmt}" if fmt else style, ""))
    for kind in DECOY_KINDS:
        for _ in range(decoys_per_kind):
            pieces.append((decoy(kind, rng), [], "", kind))
    rng.shuffle(pieces)

    # filler pool: generating every paragraph afresh is the slow part, so sample from a pool
    pool = [FILLER_STYLES[s](rng) for s in FILLER_STYLES for _ in range(150)]
    total = sum(len(p[0]) for p in pieces)
    # spread the pieces evenly: about one per (filler paragraphs / pieces) paragraphs
    mean_filler = sum(len(t) + 2 for t in pool) / len(pool)
    rate = min(1.0, len(pieces) / max(1.0, (n_bytes - total) / mean_filler))
    records: list[dict[str, str]] = []
    planted: list[Planted] = []
    decoys: list[Decoy] = []
    k = 0
    while total < n_bytes or k < len(pieces):
        target = rng.randint(*doc_bytes)
        parts: list[str] = []
        length = 0
        doc = len(records)
        while length < target:
            if k < len(pieces) and (rng.random() < rate or total >= n_bytes):
                text, spans, style, kind = pieces[k]
                k += 1
                if kind:
                    decoys.append(Decoy(doc, length, length + len(text), kind))
                for s, e, t in spans:
                    planted.append(Planted(Label(doc, length + s, length + e, t), style))
            else:
                text = rng.choice(pool)
                total += len(text)
            parts.append(text)
            length += len(text) + 2
        records.append({"text": "\n\n".join(parts)})
    return SynthCorpus(records, planted, decoys)


def make_corpus(
    n_bytes: int, seed: int = 0, items_per_type: int = 20, **kwargs: object
) -> tuple[list[dict[str, str]], list[Label]]:
    """``(records, labels)``: JSON-able ``{"text": ...}`` records of about ``n_bytes`` characters of
    mixed prose/chat/email/code/config/JSON/log filler with planted secrets, and a :class:`Label`
    ``(doc, start, end, type)`` for every planted occurrence (sorted). See :func:`plant_corpus`."""
    corpus = plant_corpus(n_bytes, seed, items_per_type, **kwargs)  # type: ignore[arg-type]
    return corpus.records, sorted(corpus.labels)
