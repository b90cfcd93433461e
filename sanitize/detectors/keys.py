"""API keys and tokens with a recognisable prefix (and, where the vendor has one, a checksum)."""

from __future__ import annotations

import base64
import binascii
import json
import re

from ..checksums import token_checksum_valid
from .base import RegexDetector
from .filters import ESCAPE_EDGE, char_classes, is_example_key, is_placeholder
from .format_base import value_ok


def _left(chars: str) -> str:
    """The token's left edge: not after one of ``chars`` (it would continue a longer word), except right
    after a literal escape or a %XX encoding (:data:`~.filters.ESCAPE_EDGE`)."""
    return "(?:(?<![" + chars + "])|" + ESCAPE_EDGE + ")"


_B = _left("A-Za-z0-9_")  # the token does not continue a longer word on the left
_E = r"(?![A-Za-z0-9_])"  # ... nor on the right


def _not_example(value: str, text: str, start: int, end: int) -> bool:
    return not is_example_key(value) and not is_placeholder(value)


def _has_digit_and_letter(value: str, text: str, start: int, end: int) -> bool:
    """A random-looking token: two or more character classes, no placeholder words."""
    return char_classes(value) >= 2 and not is_placeholder(value) and not is_example_key(value)


def _random_body(value: str, text: str, start: int, end: int) -> bool:
    """After the 4-character prefix a random-looking secret (:func:`~.format_base.value_ok`: two character classes,
    above the entropy floor, no sequence, filler or placeholder: not ``ghp_1234567890abcdef...``, ``ghp_aaaa...``)."""
    return value_ok(value[4:], kind="secret", quoted=True) and not is_placeholder(value)


def github_token_valid(value: str) -> bool:
    """Classic tokens (``ghp_`` ...) carry a CRC32 trailer; fine-grained ones (``github_pat_``) none."""
    if value.startswith("github_pat_"):
        return char_classes(value) >= 2 and not is_placeholder(value) and not is_example_key(value)
    return token_checksum_valid(value, value[:4])


def npm_token_valid(value: str) -> bool:
    return token_checksum_valid(value, "npm_")


def _github_valid(value: str, text: str, start: int, end: int) -> bool:
    return github_token_valid(value)


def _npm_valid(value: str, text: str, start: int, end: int) -> bool:
    return npm_token_valid(value)


def _b64json(part: str) -> object:
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    return json.loads(raw)


def jwt_valid(value: str, text: str = "", start: int = 0, end: int = 0) -> bool:
    """The header base64url-decodes to a JSON object naming an ``alg`` (or ``typ``)."""
    try:
        header = _b64json(value.split(".", 1)[0])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


def _aws_secret_valid(value: str, text: str, start: int, end: int) -> bool:
    return not is_example_key(value) and char_classes(value) >= 3  # base64: mixed case plus digits or +/


AWS_ACCESS_KEY_ID = RegexDetector(
    "aws-access-key-id", "aws_access_key_id", trigger=r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
    pattern=re.compile(_B + r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}" + _E), validator=_not_example,
    after=24, priority=90,
)  # fmt: skip
# No prefix: a 40-character base64 string within 200 characters after an AWS-secret keyword
# (same line, or the lines after it in chat and e-mail).
AWS_SECRET_ACCESS_KEY = RegexDetector(
    "aws-secret-access-key", "aws_secret_access_key",
    keywords=("aws_secret", "secret_access_key", "secretaccesskey", "aws secret", "secret access key",
              "aws-secret"),
    pattern=re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    validator=_aws_secret_valid, before=0, after=200, priority=85,
)  # fmt: skip
GITHUB_TOKEN = RegexDetector(
    "github-token", "github_token", trigger=r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_",
    pattern=re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})" + _E),
    validator=_github_valid, unverified=_random_body, after=96, priority=90,
)  # fmt: skip
GITLAB_TOKEN = RegexDetector(
    "gitlab-token", "gitlab_token", trigger=r"gl(?:pat|dt|rt|ptt)-",
    pattern=re.compile(_left(r"\w-") + r"gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,64}(?![\w-])"),
    validator=_has_digit_and_letter, after=80, priority=90,
)  # fmt: skip
SLACK_TOKEN = RegexDetector(
    "slack-token", "slack_token", trigger=r"xox[abprse]-|hooks\.slack\.com/",
    pattern=re.compile(
        _left(r"\w-") + r"(?:xox[abprse]-[0-9]{6,16}-[A-Za-z0-9-]{8,200}"
        r"|https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})"
        r"(?![\w-])"
    ),
    validator=_has_digit_and_letter, before=8, after=256, priority=90,
)  # fmt: skip
STRIPE_KEY = RegexDetector(
    "stripe-key", "stripe_key", trigger=r"[rs]k_(?:live|test)_",
    pattern=re.compile(_B + r"[rs]k_(?:live|test)_[A-Za-z0-9]{20,247}" + _E),
    validator=_has_digit_and_letter, after=256, priority=90,
)  # fmt: skip
OPENAI_KEY = RegexDetector(
    "openai-key", "openai_key", trigger=r"sk-[A-Za-z0-9_-]{20}",
    pattern=re.compile(
        _left(r"\w-") + r"sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"
        r"|[A-Za-z0-9]{48})(?![\w-])"
    ),
    validator=_has_digit_and_letter, after=220, priority=85,
)  # fmt: skip
GOOGLE_API_KEY = RegexDetector(
    "google-api-key", "google_api_key", trigger=r"AIza[0-9A-Za-z_-]{35}",
    pattern=re.compile(_left(r"\w-") + r"AIza[0-9A-Za-z_-]{35}(?![\w-])"), validator=_not_example,
    after=40, priority=90,
)  # fmt: skip
SENDGRID_KEY = RegexDetector(
    "sendgrid-key", "sendgrid_key", trigger=r"SG\.[A-Za-z0-9_-]{22}\.",
    pattern=re.compile(_left(r"\w.-") + r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])"),
    validator=_not_example, after=72, priority=90,
)  # fmt: skip
TWILIO_KEY = RegexDetector(
    "twilio-key", "twilio_key", trigger=r"(?:SK|AC)[0-9a-f]{32}",
    pattern=re.compile(_B + r"(?:SK|AC)[0-9a-f]{32}" + _E),
    validator=_has_digit_and_letter, after=36, priority=80,
)  # fmt: skip
NPM_TOKEN = RegexDetector(
    "npm-token", "npm_token", trigger=r"npm_[A-Za-z0-9]{36}",
    pattern=re.compile(_B + r"npm_[A-Za-z0-9]{36}" + _E), validator=_npm_valid, unverified=_random_body,
    after=40, priority=90,
)  # fmt: skip
AZURE_STORAGE_KEY = RegexDetector(
    "azure-storage-key", "azure_storage_key",
    keywords=("accountkey", "account-key", "account_key", "azure", "storage_key", "storagekey", "storage key"),
    pattern=re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"),
    validator=_not_example, before=0, after=200, priority=85,
)  # fmt: skip
TELEGRAM_BOT_TOKEN = RegexDetector(
    "telegram-bot-token", "telegram_bot_token", trigger=r"\d{8,10}:[A-Za-z0-9_-]{35}",
    pattern=re.compile(r"(?:(?<=bot)|(?<![\w:]))\d{8,10}:[A-Za-z0-9_-]{35}(?![\w-])"),
    validator=_has_digit_and_letter, before=2, after=2, priority=90, trigger_pass="digits",
)  # fmt: skip
HUGGINGFACE_TOKEN = RegexDetector(
    "huggingface-token", "huggingface_token", trigger=r"hf_[A-Za-z]{34}",
    pattern=re.compile(_B + r"hf_[A-Za-z]{34}" + _E), validator=_not_example, after=40, priority=90,
)  # fmt: skip
JWT = RegexDetector(
    "jwt", "jwt", trigger=r"eyJ[A-Za-z0-9_-]{8,}\.eyJ",
    pattern=re.compile(_left(r"\w-") + r"eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{4,8000}\.[A-Za-z0-9_-]{0,2000}(?![\w-])"),
    validator=jwt_valid, after=12100, priority=88,
)  # fmt: skip

DETECTORS = (
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, GITLAB_TOKEN, SLACK_TOKEN, STRIPE_KEY,
    OPENAI_KEY, GOOGLE_API_KEY, SENDGRID_KEY, TWILIO_KEY, NPM_TOKEN, AZURE_STORAGE_KEY,
    TELEGRAM_BOT_TOKEN, HUGGINGFACE_TOKEN, JWT,
)  # fmt: skip
