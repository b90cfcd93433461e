"""Hard negatives: :data:`DECOY_KINDS` / :func:`decoy`, every kind of text a scanner must not report
(documented example keys, placeholders, UUIDs, git SHAs, checksums, invalid-Luhn numbers,
timestamps, versions, order numbers, empty passwords, common words)."""

from __future__ import annotations

import random
from collections.abc import Callable

from sanitize.detectors.fakes import HEX, b64, random_chars, random_digits

from .styles import FIELD, FILL, fake, surface


def _bad_luhn(rng: random.Random) -> str:
    card = fake("credit_card", rng)
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
    h = random_chars(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _timestamp(rng: random.Random) -> str:
    return FILL["date"](rng).replace(" ", "T") + f".{rng.randint(0, 999):03d}Z"


def _order(rng: random.Random) -> str:
    while True:  # 3-7-7 digits, or a long order id that is not a Luhn-valid card length
        kind = rng.random()
        if kind < 0.5:
            return f"{rng.randint(100, 999)}-{random_digits(rng, 7)}-{random_digits(rng, 7)}"
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
    **FILL,
    "uuid": _uuid,
    "sha": lambda r: random_chars(r, HEX, 40),
    "short": lambda r: random_chars(r, HEX, 7),
    "sha256": lambda r: random_chars(r, HEX, 64),
    "md5": lambda r: random_chars(r, HEX, 32),
    "b64_88": lambda r: b64(r.randbytes(64)),
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
    return FIELD.sub(
        lambda m: m.group(0)[0] if m.group(1) is None else _DECOY_FILL[m.group(1)](rng), template
    )
