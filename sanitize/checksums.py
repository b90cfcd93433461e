"""Check digits, checksums and validity rules that make a secret valid for its type (one home,
used by the detectors to validate, by surrogates and fake values to generate).

* Luhn (ISO/IEC 7812) for card numbers;
* ISO 13616 mod-97 for IBANs;
* the CRC32/base62 trailer of GitHub (``ghp_`` ...) and npm (``npm_`` ...) tokens: the last six
  characters are the CRC32 of the 30-character random part, in base62, zero-padded;
* US social security numbers: the ranges the SSA never issues (:func:`ssn_valid`).
"""

from __future__ import annotations

import string
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (only 0-9) passes the Luhn check."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload``, makes it Luhn-valid."""
    for d in "0123456789":
        if luhn_valid(payload + d):
            return d
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def iban_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters -> 10..35, value mod 97 == 1."""
    s = iban.replace(" ", "").upper()
    if len(s) < 15 or len(s) > 34 or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits for ``country`` (2 letters) and ``bban``."""
    value = int("".join(str(int(c, 36)) for c in (bban + country + "00").upper()))
    return f"{98 - value % 97:02d}"


def base62(n: int, width: int) -> str:
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(BASE62[r])
    return "".join(reversed(out)).rjust(width, "0")


def crc32_base62(payload: str) -> str:
    """Six-character base62 CRC32 of ``payload`` (the GitHub/npm token checksum)."""
    return base62(zlib.crc32(payload.encode("ascii")), 6)


def token_checksum_valid(token: str, prefix: str) -> bool:
    """For ``<prefix><30 random><6 checksum>`` tokens (GitHub ``ghp_`` etc., npm ``npm_``)."""
    body = token[len(prefix) :]
    return token.startswith(prefix) and len(body) == 36 and crc32_base62(body[:30]) == body[30:]


# numbers printed on specimen cards and in advertising, never valid for a person
_SPECIMEN_SSNS = frozenset({"078051120", "219099999", "123456789"})


def ssn_valid(ssn: str) -> bool:
    """The one US SSN rule: nine digits (bare, or grouped 3-2-4 with dashes or spaces), area 001-899
    except 666, group 01-99, serial 0001-9999, and not a specimen number (078-05-1120, 219-09-9999,
    123-45-6789)."""
    d = ssn.replace("-", "").replace(" ", "")
    if len(d) != 9 or not d.isdigit() or d in _SPECIMEN_SSNS:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    return area not in ("000", "666") and area < "900" and group != "00" and serial != "0000"
