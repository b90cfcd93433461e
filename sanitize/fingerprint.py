"""Keyed fingerprints and masked previews: how a secret is referred to without being shown.

A fingerprint is ``HMAC-SHA256(key, secret)``: stable for one key (so the same secret gets the same
fingerprint everywhere, and allowlists/reports can name it), but a short secret such as a 4-digit
PIN cannot be brute-forced back from a report without the key. The key comes, in order, from the
``key`` argument, the ``SANITIZE_FINGERPRINT_KEY`` environment variable, or a random per-user key
created once in ``$SANITIZE_HOME`` (default ``~/.config/sanitize``) with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets as _secrets
from pathlib import Path

PREFIX = "hmac-sha256:"
# Types whose previews keep the first and last four characters (as card receipts do).
_WIDE_PREVIEW = frozenset({"credit_card", "iban", "phone"})
_NOT_SEPARATOR = re.compile(r"[^ -]")


def _key_file() -> Path:
    home = os.environ.get("SANITIZE_HOME") or os.path.join(os.path.expanduser("~"), ".config", "sanitize")
    return Path(home) / "fingerprint.key"


def fingerprint_key(key: str | bytes | None = None) -> bytes:
    """The HMAC key: the argument, ``$SANITIZE_FINGERPRINT_KEY``, or the per-user key file."""
    if key:
        return key.encode() if isinstance(key, str) else bytes(key)
    env = os.environ.get("SANITIZE_FINGERPRINT_KEY")
    if env:
        return env.encode()
    path = _key_file()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(_secrets.token_hex(32))
    try:
        os.link(tmp, path)  # first writer wins; a concurrent writer reads the winner's key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes().strip()


def fingerprint_secret(secret: str, key: str | bytes | None = None) -> str:
    """``hmac-sha256:<32 hex>``, the keyed hash of ``secret`` (never the plaintext)."""
    digest = hmac.new(fingerprint_key(key), secret.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:32]


def mask_secret(secret: str, type: str | None = None) -> str:
    """A masked preview, e.g. ``4539********6467`` for a card.

    Cards, IBANs and phone numbers keep four characters at each end (and their separators); other
    secrets keep ``len // 8`` characters at each end (at most 4), so nothing under 8 characters
    shows anything but its length.
    """
    n = len(secret)
    wide = type in _WIDE_PREVIEW
    keep = min(4, n // 4) if wide else min(4, n // 8)
    middle = secret[keep : n - keep]
    # separators stay visible in cards/IBANs/phones; one regex pass, not a per-character loop
    middle = _NOT_SEPARATOR.sub("*", middle) if wide else "*" * len(middle)
    return secret[:keep] + middle + secret[n - keep :]
