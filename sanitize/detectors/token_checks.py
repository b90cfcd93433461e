"""Checks that make a vendor token valid for its format, beyond its shape: the bech32 checksum
(age secret keys) and the numeric user id inside a Discord bot token."""

from __future__ import annotations

import base64
import binascii

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _BECH32_GEN[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_checksum(hrp: str, data: list[int]) -> list[int]:
    """The six check symbols that complete ``hrp`` + ``data`` (5-bit values) as bech32 (BIP 173)."""
    polymod = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_valid(value: str) -> bool:
    """A bech32 string (``hrp1data``, one case) whose checksum holds: age keys are bech32."""
    low = value.lower()
    if value not in (low, value.upper()) or "1" not in low:
        return False
    hrp, _, data = low.rpartition("1")
    if not hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    return _bech32_polymod(_hrp_expand(hrp) + [_BECH32.index(c) for c in data]) == 1


def discord_bot_valid(value: str) -> bool:
    """A Discord bot token's first part is the bot's numeric user id, base64-encoded."""
    first = value.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    except (binascii.Error, ValueError):
        return False
    return raw.isdigit() and 16 <= len(raw) <= 20
