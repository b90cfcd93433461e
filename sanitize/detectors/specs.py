"""One spec per secret type: everything the package knows about a type, in one table.

A :class:`SecretSpec` names the stable ``secret_type``, says what it is, which detectors report it,
how to tell a valid value (check digits, checksums, issuing rules: :mod:`sanitize.checksums`), how to
draw a random valid value (:mod:`.fakes`, used by tests and the lab's synthetic corpora) and how to
replace a secret with a format-preserving fake (:mod:`.surrogates`, used by
:func:`sanitize.replacers.surrogate`). :data:`SPECS` lists them in the order the README does.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from ..checksums import ssn_valid
from . import (
    cards,
    entropy,
    fakes,
    formats,
    keys,
    passwords,
    pii,
    private_keys,
    surrogates,
    vendor_values,
    vendors,
)
from .base import Detector
from .cards import is_card_number
from .keys import github_token_valid, jwt_valid, npm_token_valid
from .pii import is_iban


@dataclasses.dataclass(frozen=True)
class SecretSpec:
    """A secret type: its detectors, validity rule, fake values and surrogates."""

    type: str  # stable secret_type, e.g. "github_token"
    description: str
    detectors: tuple[Detector, ...]  # the built-in detectors that report this type
    fake: Callable[[random.Random], str]  # a random valid value (canonical spelling)
    # a format-preserving replacement of the same type; the caller seeds rng and rejects out == secret
    surrogate: Callable[[str, random.Random], str] = surrogates.vendor_key
    # value -> valid for the type (check digits, checksum, issuing rules); None: the shape is all
    validator: Callable[[str], bool] | None = None
    # the smallest text in which the detectors find a value ("{}"); keyword-only types need a keyword
    context: str = "{}"

    def is_valid(self, value: str) -> bool:
        return self.validator is None or self.validator(value)

    @property
    def default(self) -> bool:
        """Scanned unless asked for otherwise (``ip_address`` is opt-in)."""
        return any(d.default for d in self.detectors)


_SPECS = (
    SecretSpec(
        "credit_card",
        "Payment card number: a known brand's IIN and length, Luhn check digit; "
        "contiguous or grouped by spaces or dashes.",
        (cards.CREDIT_CARD,),
        fakes.credit_card,
        surrogates.credit_card,
        is_card_number,
    ),
    SecretSpec(
        "password",
        "A password in context: assignments in config, code, .env, YAML, JSON and XML, "
        "prose and chat (answers to a question about one), CLI flags, connection strings and user:pass@host URLs, SQL (IDENTIFIED BY, "
        "WITH PASSWORD, CREATE LOGIN), curl -u, HTTP Basic auth (decoded), name/value pairs (Kubernetes env, "
        "ECS/Postman JSON, Hadoop XML), credential API arguments (HTTPBasicAuth, auth=(u, p), .login, "
        "getConnection), Go DSNs, PHP define, PowerShell SecureString, "
        "Kubernetes Secret data, YAML block scalars, .netrc, .pgpass, docker auths, password columns of "
        "CSV/TSV/Markdown tables, SQL INSERTs and database dumps (the value only).",
        (passwords.PASSWORD,),
        fakes.password,
        surrogates.password,
        context='password: "{}"',
    ),
    SecretSpec(
        "private_key",
        "A PEM/OpenSSH private key: the whole -----BEGIN ... PRIVATE KEY----- block.",
        (
            private_keys.PRIVATE_KEY,
            private_keys.PUTTY_KEY,
            private_keys.JWK_PRIVATE_KEY,
            private_keys.RSA_XML_KEY,
        ),
        fakes.private_key,
        surrogates.private_key,
    ),
    SecretSpec(
        "jwt",
        "JSON Web Token whose header decodes to a JSON object naming its alg or typ.",
        (keys.JWT,),
        fakes.jwt,
        surrogates.jwt,
        jwt_valid,
    ),
    SecretSpec(
        "aws_access_key_id",
        "AWS access key id: AKIA/ASIA/ABIA/ACCA + 16 base32 characters.",
        (keys.AWS_ACCESS_KEY_ID,),
        fakes.aws_access_key_id,
        surrogates.aws_access_key_id,
    ),
    SecretSpec(
        "aws_secret_access_key",
        "AWS secret access key: 40 base64 characters after an AWS-secret keyword.",
        (keys.AWS_SECRET_ACCESS_KEY,),
        fakes.aws_secret_access_key,
        context="aws_secret_access_key = {}",
    ),
    SecretSpec(
        "github_token",
        "GitHub token: ghp_/gho_/ghu_/ghs_/ghr_ with a CRC32 trailer, or github_pat_.",
        (keys.GITHUB_TOKEN,),
        fakes.github_token,
        validator=github_token_valid,
    ),
    SecretSpec(
        "gitlab_token",
        "GitLab token: glpat-, gldt-, glrt-, glptt-.",
        (keys.GITLAB_TOKEN,),
        fakes.gitlab_token,
    ),
    SecretSpec("slack_token", "Slack token (xox?-) or webhook URL.", (keys.SLACK_TOKEN,), fakes.slack_token),
    SecretSpec(
        "stripe_key",
        "Stripe secret or restricted key: sk_/rk_, live or test.",
        (keys.STRIPE_KEY,),
        fakes.stripe_key,
    ),
    SecretSpec(
        "openai_key",
        "OpenAI API key: sk-, sk-proj-, sk-svcacct-, sk-admin-.",
        (keys.OPENAI_KEY,),
        fakes.openai_key,
    ),
    SecretSpec(
        "google_api_key",
        "Google API key: AIza + 35 characters.",
        (keys.GOOGLE_API_KEY,),
        fakes.google_api_key,
    ),
    SecretSpec("sendgrid_key", "SendGrid API key: SG.<22>.<43>.", (keys.SENDGRID_KEY,), fakes.sendgrid_key),
    SecretSpec(
        "twilio_key",
        "Twilio API key or account SID: SK/AC + 32 hex digits.",
        (keys.TWILIO_KEY,),
        fakes.twilio_key,
    ),
    SecretSpec(
        "npm_token",
        "npm access token: npm_ with a CRC32 trailer.",
        (keys.NPM_TOKEN,),
        fakes.npm_token,
        validator=npm_token_valid,
    ),
    SecretSpec(
        "azure_storage_key",
        "Azure storage account key: 88 base64 characters after an Azure keyword.",
        (keys.AZURE_STORAGE_KEY,),
        fakes.azure_storage_key,
        context="AZURE_STORAGE_KEY={}",
    ),
    SecretSpec(
        "telegram_bot_token",
        "Telegram bot token: <bot id>:<35 characters>.",
        (keys.TELEGRAM_BOT_TOKEN,),
        fakes.telegram_bot_token,
    ),
    SecretSpec(
        "huggingface_token",
        "Hugging Face access token: hf_ + 34 letters.",
        (keys.HUGGINGFACE_TOKEN,),
        fakes.huggingface_token,
    ),
    SecretSpec(
        "vendor_token",
        "A token of one of 200+ providers (data/vendors.toml: NewRelic NRAK-, PostHog phc_, Atlassian "
        "ATATT, Dynatrace dt0c01., Mapbox, Discord ...), by its prefix and shape, or by its shape next "
        "to the provider's keyword (UUID/hex keys).",
        (),
        vendor_values.fake,
        vendor_values.surrogate,
    ),
    SecretSpec(
        "generic_secret",
        "A secret-ish key (secret, token, api_key, Bearer ...) assigned a random-looking "
        "value (length, character mix, entropy), in any assignment syntax (::=, :=, setProperty, "
        "#define, XML elements, JSON-escaped, name/value pairs), Bearer headers, Kubernetes Secret data, "
        "BIP-39 wallet recovery phrases near a keyword (checksum-validated).",
        (entropy.GENERIC_SECRET,),
        fakes.generic_secret,
        context='client_secret = "{}"',
    ),
    SecretSpec("email", "E-mail address.", (pii.EMAIL,), fakes.email, surrogates.email),
    SecretSpec(
        "phone",
        "Phone number in national or international (+CC) formats.",
        (pii.PHONE,),
        fakes.phone,
        surrogates.phone,
    ),
    SecretSpec(
        "iban",
        "IBAN: its country's length and mod-97 check digits, compact or grouped by spaces.",
        (pii.IBAN,),
        fakes.iban,
        surrogates.iban,
        is_iban,
    ),
    SecretSpec(
        "us_ssn",
        "US social security number outside the never-issued ranges (a bare 9-digit number "
        "only next to the word).",
        (pii.US_SSN,),
        fakes.us_ssn,
        surrogates.us_ssn,
        ssn_valid,
    ),
    SecretSpec(
        "ip_address",
        "IPv4 address (off by default).",
        (pii.IP_ADDRESS,),
        fakes.ip_address,
        surrogates.ip_address,
    ),
)


def _extra_detectors() -> dict[str, tuple[Detector, ...]]:
    """The format and vendor detectors by type (several report a type that already has a spec)."""
    out: dict[str, tuple[Detector, ...]] = {}
    for d in (*formats.all_detectors(), *vendors.all_detectors()):
        out[d.secret_type] = (*out.get(d.secret_type, ()), d)
    return out


_EXTRA = _extra_detectors()
SPECS: dict[str, SecretSpec] = {
    s.type: dataclasses.replace(s, detectors=(*s.detectors, *_EXTRA.get(s.type, ()))) for s in _SPECS
}
assert set(_EXTRA) <= set(SPECS), "a format or vendor detector of a type without a spec"

__all__ = ["SPECS", "SecretSpec"]
