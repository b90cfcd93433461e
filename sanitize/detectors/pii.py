"""Personal data: e-mail addresses, phone numbers, IBANs, US social security numbers, IP addresses."""

from __future__ import annotations

import re

from ..checksums import iban_valid, ssn_valid
from .base import RegexDetector
from .cards import DIGITS_TRIGGER, is_card_number
from .filters import is_timestamp, is_url_userinfo

# -- e-mail ----------------------------------------------------------------------------------------
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"(?<![\w.%+~!$^|-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@" + _LABEL + r"(?:\." + _LABEL + r"){0,6}\.[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])"
)  # fmt: skip
_NOT_TLD = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "css",
        "js",
        "ts",
        "py",
        "json",
        "yaml",
        "yml",
        "txt",
        "md",
        "html",
        "lock",
    ]
)


_SCP_REMOTE = re.compile(r":[\w.~-]+/")  # git@github.com:org/repo.git: an SSH remote, not an address


# a domain label mixing lower case, upper case and digits (eu60HhAXS8) is drawn, not registered
_RANDOM_LABEL = re.compile(r"^(?=[^a-z]*[a-z])(?=[^A-Z]*[A-Z])(?=\D*\d)")


# `corp.local/admin:` right before it: an impacket-style target domain/user:password@host, not an address
_DOMAIN_USER = re.compile(r"(?<![\w./-])[\w.-]{1,64}/[\w.$-]{1,64}:$")


def _email_valid(value: str, text: str, start: int, end: int) -> bool:
    domain = value.rpartition("@")[2]
    if value.startswith("git@") and _SCP_REMOTE.match(text, end):
        return False
    if start and text[start - 1] == ":" and _DOMAIN_USER.search(text, max(0, start - 130), start):
        return False
    tld = domain.rsplit(".", 1)[-1]
    if not (tld.islower() or tld.isupper() or tld.istitle()):  # `66L@Cv.yBQ`: a password, not an address
        return False
    if any(_RANDOM_LABEL.search(label) for label in domain.split(".")[:-1]):  # `uI@eu60HhAXS8.Tl`: a password
        return False
    return not is_url_userinfo(text, start) and tld.lower() not in _NOT_TLD


EMAIL = RegexDetector(
    "email", "email", keywords=("@",), pattern=_EMAIL, validator=_email_valid,
    before=70, after=330, priority=60, confidence=0.95,
)  # fmt: skip

# -- phone -----------------------------------------------------------------------------------------
_PHONE = re.compile(
    r"(?:(?<=tel:)|(?<![\w+./:-])(?<!\d[ .-]))(?:"
    r"\+[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5})(?:[ .-]?\d{2,5}){1,4}"  # +44 20 7946 0958
    r"|\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"  # (415) 555-0132
    r"|\d{3}([-. ])\d{3}\1\d{4}"  # 415-555-0132
    r"|0\d{1,4}[ -]\d{3,8}(?:[ -]\d{2,4}){0,2}"  # 020 7946 0958, 030 12345678
    r"|0\d(?:[ .]\d\d){4}"  # 01 23 45 67 89
    r")(?![\w]|[.:/-]\d)"
)


def _phone_valid(value: str, text: str, start: int, end: int) -> bool:
    digits = sum(c.isdigit() for c in value)
    if not 8 <= digits <= 15 or is_timestamp(value):
        return False
    if len(set(c for c in value if c.isdigit())) < 3:
        return False
    compact = value.replace(" ", "").replace("-", "")
    return not (compact.isdigit() and is_card_number(compact))


PHONE = RegexDetector(
    "phone", "phone", trigger=DIGITS_TRIGGER, keywords=(), pattern=_PHONE, validator=_phone_valid,
    before=24, after=32, priority=40, confidence=0.8, trigger_pass="digits",
)  # fmt: skip

# -- IBAN ------------------------------------------------------------------------------------------
_IBAN_LENGTHS = dict(
    AD=24, AE=23, AL=28, AT=20, AZ=28, BA=20, BE=16, BG=22, BH=22, BR=29, CH=21, CR=22, CY=28, CZ=24,
    DE=22, DK=18, DO=28, EE=20, EG=29, ES=24, FI=18, FO=18, FR=27, GB=22, GE=22, GI=23, GL=18, GR=27,
    GT=28, HR=21, HU=28, IE=22, IL=23, IS=26, IT=27, JO=30, KW=30, KZ=20, LB=28, LI=21, LT=20, LU=20,
    LV=21, MC=27, MD=24, ME=22, MK=19, MR=27, MT=31, MU=30, NL=18, NO=15, PK=24, PL=28, PS=29, PT=25,
    QA=29, RO=24, RS=22, SA=24, SE=24, SI=19, SK=24, SM=27, TN=24, TR=26, UA=29, VG=24, XK=20,
)  # fmt: skip
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")


def is_iban(value: str) -> bool:
    """Mod-97 valid, with the length its country issues (written compact or grouped by spaces)."""
    compact = value.replace(" ", "")
    return _IBAN_LENGTHS.get(compact[:2]) == len(compact) and iban_valid(compact)


def _iban_valid(value: str, text: str, start: int, end: int) -> bool:
    return is_iban(value)


IBAN = RegexDetector(
    "iban", "iban", trigger=r"[A-Z]{2}\d{2} ?[A-Z0-9]{4}", pattern=_IBAN, validator=_iban_valid,
    before=0, after=48, priority=85, trigger_pass="digits",
)  # fmt: skip

# -- US SSN ----------------------------------------------------------------------------------------
_SSN_KEYWORD = re.compile(r"(?i:ssn|social security|soc\. ?sec)")


def _ssn_in_context(value: str, text: str, start: int, end: int) -> bool:
    if not ssn_valid(value):
        return False
    if value.isdigit():  # a bare 9-digit number is an SSN only next to the word
        return bool(_SSN_KEYWORD.search(text, max(0, start - 40), start))
    return True


US_SSN = RegexDetector(
    "us-ssn", "us_ssn", trigger=DIGITS_TRIGGER, keywords=("ssn", "social security", "soc. sec"),
    pattern=re.compile(r"(?<![\w./+-])(?:\d{3}([- ])\d{2}\1\d{4}|\d{9})(?![\w]|[./-]\d)"),
    validator=_ssn_in_context, before=8, after=48, priority=75, confidence=0.9, trigger_pass="digits",
)  # fmt: skip

# -- IP address (off by default) --------------------------------------------------------------------
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IP_ADDRESS = RegexDetector(
    "ip-address", "ip_address", trigger=r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
    pattern=re.compile(r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![\w]|\.\d)"),
    before=0, after=4, priority=30, confidence=0.9, default=False, trigger_pass="digits",
)  # fmt: skip

DETECTORS = (EMAIL, PHONE, IBAN, US_SSN, IP_ADDRESS)
