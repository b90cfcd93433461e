"""Format-preserving surrogates of every built-in secret type: the ``surrogate`` of each
:class:`~sanitize.detectors.specs.SecretSpec` (what :func:`sanitize.replacers.surrogate` calls).

Each ``f(secret, rng) -> str`` returns a value of the same type and shape: cards keep their length,
separators and first four digits (the brand/IIN a masked preview shows anyway) and pass Luhn; IBANs
keep the country and get fresh mod-97 check digits; GitHub/npm tokens keep their prefix and get a
valid CRC32 trailer; other keys keep their vendor prefix and alphabet (:func:`vendor_key`, also the
default for custom rules); passwords keep their length and character classes; e-mail, phone, SSN and
JWT keep their shape. The caller seeds ``rng`` and retries on the (rare) draw equal to the secret.
"""

from __future__ import annotations

import base64
import random
import re
import string

from ..checksums import BASE62, crc32_base62, iban_check_digits, luhn_check_digit, ssn_valid
from .fakes import PASSWORD_SYMBOLS

# Vendor prefixes kept verbatim (longest match wins); the rest of the key keeps its alphabet.
KEY_PREFIXES = tuple(sorted((
    "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "gldt-", "glrt-", "glptt-",
    "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "sk_live_", "sk_test_", "rk_live_",
    "rk_test_", "pk_live_", "pk_test_", "whsec_", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-",
    "sk-", "AIza", "SG.", "hf_", "npm_", "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA",
    "ANVA", "APKA", "SK", "AC", "-----BEGIN ",
), key=len, reverse=True))  # fmt: skip
CHECKSUM_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_")
_HEX = set(string.hexdigits)


def _is_hex_run(run: str) -> bool:
    """A run of at least 8 hex digits with a letter, in one case (a hex id, digest or key)."""
    return (
        len(run) >= 8
        and all(c in _HEX for c in run)
        and any(c.isalpha() for c in run)
        and not (any(c.isupper() for c in run) and any(c.islower() for c in run))
    )


def _shape(text: str, rng: random.Random, *, symbols: bool = False, hex_runs: bool = True) -> str:
    """Replace each character by a random one of the same class; separators stay.

    Digits -> digits, lower -> lower, upper -> upper; each hexadecimal run between separators stays
    hexadecimal (``hex_runs``); with ``symbols`` punctuation is redrawn from a safe set (passwords),
    otherwise kept.
    """
    out = []
    for run in _RUNS.findall(text):
        if hex_runs and _is_hex_run(run):
            alphabet = "0123456789ABCDEF" if any(c.isupper() for c in run) else "0123456789abcdef"
            out.append("".join(rng.choice(alphabet) for _ in run))
            continue
        for c in run:
            if not c.isascii():
                out.append(rng.choice(string.ascii_letters) if c.isalnum() else c)
            elif c.isdigit():
                out.append(rng.choice(string.digits))
            elif c.islower():
                out.append(rng.choice(string.ascii_lowercase))
            elif c.isupper():
                out.append(rng.choice(string.ascii_uppercase))
            elif symbols and c in string.punctuation:
                out.append(rng.choice(PASSWORD_SYMBOLS))
            else:
                out.append(c)
    return "".join(out)


_RUNS = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")
# PEM armour lines and escaped newlines (a key written into a .env string) stay verbatim
_PEM_KEEP = re.compile(r"(-----(?:BEGIN|END)[^\n-]*-----|\\[nr])")


def private_key(secret: str, rng: random.Random) -> str:
    """Keep the BEGIN/END armour, indentation and (escaped) newlines; redraw the base64 body. A PuTTY
    ``.ppk`` keeps its header lines and redraws the key lines and the MAC."""
    if secret.startswith("PuTTY-User-Key-File-"):
        return "".join(_ppk_line(line, rng) for line in secret.splitlines(keepends=True))
    return "".join(
        part if i % 2 else _shape(part, rng, hex_runs=False) for i, part in enumerate(_PEM_KEEP.split(secret))
    )


def _ppk_line(line: str, rng: random.Random) -> str:
    label, sep, rest = line.partition(": ")
    if sep and label.replace("-", "").isalnum() and label != "Private-MAC":
        return line  # PuTTY-User-Key-File-2: ssh-rsa, Encryption: none, Comment, Public-Lines: n ...
    return label + sep + _shape(rest, rng, hex_runs=True) if sep else _shape(line, rng, hex_runs=False)


def aws_access_key_id(secret: str, rng: random.Random) -> str:
    """``AKIA``/``ASIA``... + base32 (A-Z, 2-7), as AWS issues them."""
    prefix, body = secret[:4], secret[4:]
    if not (prefix.isalpha() and prefix.isupper() and re.fullmatch(r"[A-Z2-7]+", body)):
        return vendor_key(secret, rng)
    return prefix + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in body)


def credit_card(secret: str, rng: random.Random) -> str:
    digits = [c for c in secret if c.isdigit()]
    if len(digits) < 8:
        return _shape(secret, rng)
    keep = digits[:4]
    body = keep + [rng.choice(string.digits) for _ in range(len(digits) - 5)]
    new = "".join(body)
    new += luhn_check_digit(new)
    it = iter(new)
    return "".join(next(it) if c.isdigit() else c for c in secret)


def iban(secret: str, rng: random.Random) -> str:
    compact = secret.replace(" ", "")
    if len(compact) < 15 or not compact[:2].isalpha():
        return _shape(secret, rng)
    country = compact[:2].upper()
    bban = "".join(
        rng.choice(string.digits) if c.isdigit() else rng.choice(string.ascii_uppercase) for c in compact[4:]
    )
    new = country + iban_check_digits(country, bban) + bban
    it = iter(new)
    return "".join(next(it) if c != " " else c for c in secret)


def us_ssn(secret: str, rng: random.Random) -> str:
    """Nine fresh digits valid by :func:`~sanitize.checksums.ssn_valid`, in the secret's layout."""
    while True:
        area, group, serial = rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999)
        new = f"{area:03d}{group:02d}{serial:04d}"
        if ssn_valid(new):
            break
    digits = iter(new)
    return "".join(next(digits, "0") if c.isdigit() else c for c in secret)


def phone(secret: str, rng: random.Random) -> str:
    """Digits redrawn (2-9 where the original had 2-9, so area/exchange rules hold); a leading
    ``+country`` group and a national trunk ``0`` are kept."""
    keep_until = 0
    if secret.startswith("+"):
        m = re.match(r"\+\d{1,3}(?=\D)", secret)
        keep_until = m.end() if m else 2
    elif secret[:1] == "0" or secret[:2] == "(0":
        keep_until = secret.index("0") + 1
    out = []
    for i, c in enumerate(secret):
        if i < keep_until or not c.isdigit():
            out.append(c)
        else:
            out.append(rng.choice("23456789" if c in "23456789" else string.digits))
    return "".join(out)


def email(secret: str, rng: random.Random) -> str:
    local, at, domain = secret.rpartition("@")
    if not at or "." not in domain:
        return _shape(secret, rng)
    host, dot, tld = domain.rpartition(".")
    return _shape(local, rng, hex_runs=False) + "@" + _shape(host, rng, hex_runs=False) + dot + tld


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(secret: str, rng: random.Random) -> str:
    parts = secret.split(".")
    if len(parts) != 3:
        return _shape(secret, rng)
    header, payload, signature = parts
    n_bytes = len(payload) * 3 // 4
    filler = n_bytes - len('{"sub":""}')
    if filler >= 1:
        body = '{"sub":"' + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(filler))
        new_payload = _b64url((body + '"}').encode())
    else:
        new_payload = _shape(payload, rng)
    alphabet = string.ascii_letters + string.digits + "-_"
    new_signature = "".join(rng.choice(alphabet) for _ in signature)
    return f"{header}.{new_payload}.{new_signature}"


def ip_address(secret: str, rng: random.Random) -> str:
    parts = secret.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return ".".join(str(rng.randint(10 ** (len(p) - 1) if len(p) > 1 else 1, min(254, 10 ** len(p) - 1)))
                        for p in parts)  # fmt: skip
    return _shape(secret, rng)


def vendor_key(secret: str, rng: random.Random) -> str:
    prefix = next((p for p in KEY_PREFIXES if secret.startswith(p)), "")
    if prefix == "-----BEGIN ":
        return private_key(secret, rng)
    body = secret[len(prefix) :]
    if prefix in CHECKSUM_PREFIXES and len(body) == 36 and all(c in BASE62 for c in body):
        random_part = "".join(rng.choice(BASE62) for _ in range(30))
        return prefix + random_part + crc32_base62(random_part)
    return prefix + _shape(body, rng)


def password(secret: str, rng: random.Random) -> str:
    return _shape(secret, rng, symbols=True, hex_runs=False)
