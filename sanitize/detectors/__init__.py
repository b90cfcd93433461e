"""Detector registry: every built-in detector, by stable ``secret_type``.

One small module per family: :mod:`.cards`, :mod:`.keys` (API keys and tokens), :mod:`.passwords`,
:mod:`.private_keys`, :mod:`.pii` (email, phone, IBAN, SSN, IP), :mod:`.entropy` (generic secrets);
pure hard-negative predicates live in :mod:`.filters`, custom TOML rules in :mod:`.rules`.
"""

from __future__ import annotations

from . import cards, entropy, keys, passwords, pii, private_keys
from .base import Detector, RegexDetector

DETECTORS: tuple[Detector, ...] = (
    *private_keys.DETECTORS,
    *keys.DETECTORS,
    *cards.DETECTORS,
    *pii.DETECTORS,
    *passwords.DETECTORS,
    *entropy.DETECTORS,
)
# The documented type names, in the order the README lists them.
SECRET_TYPES: tuple[str, ...] = (
    "credit_card", "password", "private_key", "jwt", "aws_access_key_id", "aws_secret_access_key",
    "github_token", "gitlab_token", "slack_token", "stripe_key", "openai_key", "google_api_key",
    "sendgrid_key", "twilio_key", "npm_token", "azure_storage_key", "telegram_bot_token",
    "huggingface_token", "generic_secret", "email", "phone", "iban", "us_ssn", "ip_address",
)  # fmt: skip
DEFAULT_TYPES: tuple[str, ...] = tuple(t for t in SECRET_TYPES if t != "ip_address")

assert sorted(SECRET_TYPES) == sorted(d.secret_type for d in DETECTORS), "registry and type list differ"

__all__ = ["DEFAULT_TYPES", "DETECTORS", "SECRET_TYPES", "Detector", "RegexDetector"]
