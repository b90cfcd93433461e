"""Random *valid* values of every built-in secret type: the ``fake`` of each
:class:`~sanitize.detectors.specs.SecretSpec`.

Cards: brand IIN, length and Luhn; GitHub/npm: CRC32 trailer; JWT: decodable header; IBAN: mod-97;
SSN: :func:`sanitize.checksums.ssn_valid`; vendor keys in their real formats. Pure and seeded by the
:class:`random.Random` passed in (the lab's synthetic corpora are a function of their seed, so the
order of the draws here is part of every corpus: change it only on purpose).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable

from ..checksums import crc32_base62, iban_check_digits, luhn_check_digit, ssn_valid

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"
PASSWORD_SYMBOLS = "!*+-_~"  # safe unquoted in URLs' userinfo, .env, YAML and shells' single quotes; no "=" (a value holding "=" reads as an assignment)


def random_chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def b64(data: bytes, url: bool = False) -> str:
    if url:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    return base64.b64encode(data).decode()


# brand -> (IIN prefixes, lengths)
CARD_BRANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "visa": (("4",), (16, 19)),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2345", "2720"), (16,)),
    "amex": (("34", "37"), (15,)),
    "discover": (("6011", "644", "65"), (16,)),
    "jcb": (("3528", "3530", "3589"), (16,)),
    "diners": (("36", "300", "305"), (14,)),
}


def credit_card(rng: random.Random) -> str:
    brand = rng.choice(list(CARD_BRANDS))
    prefixes, lengths = CARD_BRANDS[brand]
    length = lengths[0] if rng.random() < 0.85 else rng.choice(lengths)
    payload = rng.choice(prefixes)
    payload += "".join(rng.choice(string.digits) for _ in range(length - 1 - len(payload)))
    return payload + luhn_check_digit(payload)


_WORDS = words(
    "sunflower tiger maple orbit falcon copper velvet harbor quartz meadow lantern cobalt rocket marble summit canyon ember willow glacier pepper saturn violet thunder cactus"
)


def password(rng: random.Random) -> str:
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


def private_key(rng: random.Random) -> str:
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
    data = b64(body)
    lines = [data[i : i + width] for i in range(0, len(data), width)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def jwt(rng: random.Random) -> str:
    alg = rng.choice(("HS256", "RS256", "ES256"))
    header = (
        {"alg": alg, "typ": "JWT"}
        if rng.random() < 0.8
        else {"typ": "JWT", "alg": alg, "kid": random_chars(rng, HEX, 8)}
    )
    iat = rng.randint(1_600_000_000, 1_750_000_000)
    payload = {
        "sub": str(rng.randint(10_000, 99_999_999)),
        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "iat": iat,
        "exp": iat + rng.choice((900, 3600, 86400)),
    }
    if rng.random() < 0.5:
        payload["scope"] = rng.choice(("read write", "admin", "openid profile email"))
    sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    enc = [b64(json.dumps(p, separators=(",", ":")).encode(), url=True) for p in (header, payload)]
    return ".".join([*enc, b64(rng.randbytes(sig_len), url=True)])


def aws_access_key_id(rng: random.Random) -> str:
    while True:
        key = rng.choice(("AKIA", "AKIA", "AKIA", "ASIA")) + random_chars(rng, BASE32, 16)
        if not key.endswith("EXAMPLE"):
            return key


def aws_secret_access_key(rng: random.Random) -> str:
    return random_chars(rng, B64, 40)


def github_token(rng: random.Random) -> str:
    prefix = rng.choice(("ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"))
    body = random_chars(rng, ALNUM, 30)
    return prefix + body + crc32_base62(body)


def gitlab_token(rng: random.Random) -> str:
    return rng.choice(("glpat-", "glpat-", "glpat-", "gldt-", "glrt-")) + random_chars(rng, B64URL, 20)


def slack_token(rng: random.Random) -> str:
    kind = rng.choice(("xoxb", "xoxb", "xoxp", "xoxa", "xoxe"))
    digits = string.digits
    if kind == "xoxp":
        parts = [random_chars(rng, digits, rng.randint(10, 13)) for _ in range(3)]
        return f"xoxp-{'-'.join(parts)}-{random_chars(rng, HEX, 32)}"
    a, b = (random_chars(rng, digits, rng.randint(10, 13)) for _ in range(2))
    return f"{kind}-{a}-{b}-{random_chars(rng, ALNUM, 24)}"


def stripe_key(rng: random.Random) -> str:
    prefix = rng.choice(("sk_live_", "sk_live_", "rk_live_", "sk_test_"))
    return prefix + rng.choice(("51", "")) + random_chars(rng, ALNUM, rng.choice((24, 99)))


def openai_key(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return "sk-" + random_chars(rng, ALNUM, 20) + "T3BlbkFJ" + random_chars(rng, ALNUM, 20)
    prefix = rng.choice(("sk-proj-", "sk-proj-", "sk-svcacct-", "sk-admin-"))
    return prefix + random_chars(rng, B64URL, 74) + "T3BlbkFJ" + random_chars(rng, B64URL, 74)


def google_api_key(rng: random.Random) -> str:
    return "AIza" + random_chars(rng, B64URL, 35)


def sendgrid_key(rng: random.Random) -> str:
    return "SG." + random_chars(rng, B64URL, 22) + "." + random_chars(rng, B64URL, 43)


def twilio_key(rng: random.Random) -> str:
    return "SK" + random_chars(rng, HEX, 32)


def npm_token(rng: random.Random) -> str:
    body = random_chars(rng, ALNUM, 30)
    return "npm_" + body + crc32_base62(body)


def azure_storage_key(rng: random.Random) -> str:
    return b64(rng.randbytes(64))  # 88 characters ending in "=="


def telegram_bot_token(rng: random.Random) -> str:
    return f"{rng.randint(10**7, 10**10 - 1)}:AA{random_chars(rng, B64URL, 33)}"


def huggingface_token(rng: random.Random) -> str:
    return "hf_" + random_chars(rng, string.ascii_letters, 34)


_VENDOR_PREFIXES = ("AKIA", "ASIA", "ghp_", "AIza", "SG.", "SK", "sk", "hf_", "npm_", "gl", "xox", "eyJ")


def generic_secret(rng: random.Random) -> str:
    while True:
        value = rng.choice(
            (
                lambda: random_chars(rng, HEX, rng.choice((32, 40, 64))),
                lambda: random_chars(rng, ALNUM, rng.randint(24, 48)),
                lambda: b64(rng.randbytes(rng.choice((24, 33))), url=True),
            )
        )()
        if (
            not value.startswith(_VENDOR_PREFIXES)
            and re.search(r"\d", value)
            and re.search("[a-zA-Z]", value)
        ):
            return value


FIRST_NAMES = words(
    "james mary robert patricia john jennifer michael linda david elena wei priya omar sofia lukas"
)
LAST_NAMES = words(
    "smith johnson garcia miller davis rodriguez martinez chen patel kowalski nguyen muller rossi"
)
_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "fastmail.fm", "gmx.de")
ORG_WORDS = words("acme globex initech umbrella stark wayne hooli vandelay soylent tyrell")
TLDS = ("com", "io", "net", "org", "co", "dev")


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}", first))
    if rng.random() < 0.5:
        domain = rng.choice(_MAIL_DOMAINS)
    else:
        domain = f"{rng.choice(ORG_WORDS)}{rng.choice(('', '-corp', 'labs'))}.{rng.choice(TLDS)}"
    return f"{local}@{domain}"


def _nanp(rng: random.Random) -> tuple[str, str, str]:
    """A dialable North American number: area and exchange start 2-9, no N11, no 555."""
    while True:
        area = f"{rng.randint(2, 9)}{rng.randint(0, 8)}{rng.randint(0, 9)}"
        exch = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if area[1:] != "11" and exch[1:] != "11" and exch != "555":
            return area, exch, f"{rng.randint(0, 9999):04d}"


def random_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


# phone formats: name -> builder (international ones carry +CC)
PHONE_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "us_paren": lambda r: "({}) {}-{}".format(*_nanp(r)),
    "us_dash": lambda r: "{}-{}-{}".format(*_nanp(r)),
    "us_dot": lambda r: "{}.{}.{}".format(*_nanp(r)),
    "us_intl": lambda r: "+1 {} {} {}".format(*_nanp(r)),
    "us_intl_dash": lambda r: "+1-{}-{}-{}".format(*_nanp(r)),
    "uk_mobile_national": lambda r: f"07{r.randint(400, 999)} {random_digits(r, 6)}",
    "uk_mobile_intl": lambda r: f"+44 7{r.randint(400, 999)} {random_digits(r, 6)}",
    "uk_london_intl": lambda r: f"+44 20 {r.randint(3, 8)}{random_digits(r, 3)} {random_digits(r, 4)}",
    "de_intl": lambda r: f"+49 {r.choice(('30', '89', '40', '69'))} {r.randint(2, 9)}{random_digits(r, 7)}",
    "de_mobile_national": lambda r: f"0{r.choice(('151', '160', '171', '176'))} {random_digits(r, 8)}",
    "fr_national": lambda r: "0{} {} {} {} {}".format(
        r.choice("67"), *(random_digits(r, 2) for _ in range(4))
    ),
    "fr_intl": lambda r: "+33 {} {} {} {} {}".format(
        r.choice("67"), *(random_digits(r, 2) for _ in range(4))
    ),
    "in_intl": lambda r: f"+91 {r.randint(7, 9)}{random_digits(r, 4)} {random_digits(r, 5)}",
    "e164": lambda r: "+1{}{}{}".format(*_nanp(r)),
}


def phone(rng: random.Random) -> str:
    return PHONE_FORMATS[rng.choice(list(PHONE_FORMATS))](rng)


# country -> BBAN builder (ISO 13616 lengths)
IBAN_COUNTRIES: dict[str, Callable[[random.Random], str]] = {
    "DE": lambda r: random_digits(r, 18),
    "GB": lambda r: random_chars(r, string.ascii_uppercase, 4) + random_digits(r, 14),
    "FR": lambda r: (
        random_digits(r, 10)
        + random_chars(r, string.ascii_uppercase + string.digits, 11)
        + random_digits(r, 2)
    ),
    "NL": lambda r: random_chars(r, string.ascii_uppercase, 4) + random_digits(r, 10),
    "ES": lambda r: random_digits(r, 20),
    "IT": lambda r: (
        r.choice(string.ascii_uppercase) + random_digits(r, 10) + random_chars(r, string.digits, 12)
    ),
    "CH": lambda r: random_digits(r, 5) + random_chars(r, string.ascii_uppercase + string.digits, 12),
    "BE": lambda r: random_digits(r, 12),
}


def iban(rng: random.Random) -> str:
    country = rng.choice(list(IBAN_COUNTRIES))
    bban = IBAN_COUNTRIES[country](rng)
    return country + iban_check_digits(country, bban) + bban


def us_ssn(rng: random.Random) -> str:
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


def ip_address(rng: random.Random) -> str:
    while True:
        ip = ".".join(str(rng.randint(1 if i == 0 else 0, 255 if i else 223)) for i in range(4))
        if ip_public(ip):
            return ip
