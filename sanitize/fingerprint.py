"""Keyed fingerprints and masked previews: how a secret is referred to without being shown.

A fingerprint is ``HMAC-SHA256(key, secret)``: stable for one key (so the same secret gets the same
fingerprint everywhere, and allowlists/reports can name it), but a short secret such as a 4-digit
PIN cannot be brute-forced back from a report without the key. The key comes, in order, from the
``key`` argument, the ``SANITIZE_FINGERPRINT_KEY`` environment variable, or a random per-user key
created once in ``$SANITIZE_HOME`` (default ``~/.config/sanitize``) with mode 0600. An empty key
file is an error, a key file others can read gets a warning.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets as _secrets
import stat
import tempfile
from pathlib import Path

from .errors import SanitizeError

PREFIX = "hmac-sha256:"
# Types whose previews keep the first and last four characters (as card receipts do).
_WIDE_PREVIEW = frozenset({"credit_card", "iban", "phone"})
_NOT_SEPARATOR = re.compile(r"[^ -]")


def _key_file() -> Path:
    home = os.environ.get("SANITIZE_HOME") or os.path.join(os.path.expanduser("~"), ".config", "sanitize")
    return Path(home) / "fingerprint.key"


# (path, device, inode, size, mtime) -> key: the file is read once, not once per finding
_cache: dict[tuple[str, int, int, int, int], bytes] = {}


def fingerprint_key(key: str | bytes | None = None) -> bytes:
    """The HMAC key: the argument, ``$SANITIZE_FINGERPRINT_KEY``, or the per-user key file.

    The key file is created (0600, in a 0700 ``$SANITIZE_HOME``) on first use. An empty key file is
    refused (it would give unkeyed fingerprints); one readable by group or others gets a warning.
    Failures raise :class:`SanitizeError` naming the file.
    """
    if key:
        return key.encode() if isinstance(key, str) else bytes(key)
    env = os.environ.get("SANITIZE_FINGERPRINT_KEY")
    if env:
        return env.encode()
    path = _key_file()
    value = _read_key(path)
    if value is None:
        _create_key(path)
        value = _read_key(path)
    if value is None:  # pragma: no cover - removed between creation and reading
        raise SanitizeError(f"fingerprint key file {path}: vanished while being created")
    return value


def _read_key(path: Path) -> bytes | None:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # created next, or creating it says what is wrong
        return None
    except OSError as exc:
        raise SanitizeError(f"fingerprint key file {path}: cannot be read ({exc.strerror})") from None
    stamp = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if stamp in _cache:
        return _cache[stamp]
    if not stat.S_ISREG(st.st_mode):
        raise SanitizeError(f"fingerprint key file {path}: is not a regular file")
    try:
        value = path.read_bytes().strip()
    except OSError as exc:
        raise SanitizeError(f"fingerprint key file {path}: cannot be read ({exc.strerror})") from None
    if not value:
        raise SanitizeError(
            f"fingerprint key file {path} is empty: fingerprints would not be keyed; delete it to have a new "
            "random key created (fingerprints made with the old key will no longer match), or set "
            "SANITIZE_FINGERPRINT_KEY"
        )
    if st.st_mode & 0o077:
        logging.getLogger(__name__).warning(
            "fingerprint key file %s is readable by other users (mode %o): anyone who can read it can "
            "brute-force short secrets from their fingerprints; run: chmod 600 %s",
            path, stat.S_IMODE(st.st_mode), path,
        )  # fmt: skip
    _cache[stamp] = value
    return value


def _create_key(path: Path) -> None:
    where = f"fingerprint key file {path}"
    fix = "set SANITIZE_HOME to a writable folder, or set SANITIZE_FINGERPRINT_KEY"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise SanitizeError(
            f"{where}: cannot be created in {path.parent} ($SANITIZE_HOME or ~/.config/sanitize: "
            f"{exc.strerror}); {fix}"
        ) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(_secrets.token_hex(32))
        os.link(tmp, path)  # first writer wins; a concurrent writer reads the winner's key
    except FileExistsError:
        pass
    except OSError as exc:
        raise SanitizeError(f"{where}: cannot be created ({exc.strerror}); {fix}") from None
    finally:
        tmp.unlink(missing_ok=True)


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
