"""API keys and tokens: one (payload, secret-or-None) table per detector, several writing styles each."""

from __future__ import annotations

import base64
import json

import pytest

from sanitize import scan
from sanitize.checksums import crc32_base62


def _gh(prefix: str, body: str) -> str:
    return prefix + body + crc32_base62(body)


def _jwt(header: dict[str, str]) -> str:
    enc = [
        base64.urlsafe_b64encode(json.dumps(p).encode()).decode().rstrip("=") for p in (header, {"sub": "42"})
    ]
    return ".".join([*enc, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"])


GH = _gh("ghp_", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1")
GHO = _gh("gho_", "Zz9yX8wV7uT6sR5qP4oN3mL2kJ1iH0")
GH_BAD = GH[:-1] + ("A" if GH[-1] != "A" else "B")  # checksum broken
NPM = _gh("npm_", "Qw3Er4Ty5Ui6Op7As8Df9Gh0Jk1Lz2")
NPM_BAD = NPM[:-2] + "zz"
JWT = _jwt({"alg": "HS256", "typ": "JWT"})
JWT_BAD = _jwt({"hello": "world"})
AZURE = "Ar7Y50IKh/aqcy0LHa+rdfURCL4QflqCCDMZQ/boTG8KkE2fFng2UqCU+gjmlVSrLWA/wl+tv+Eui5yjlbzLyw=="
AWS_SECRET = "R2f4p+GzWv3CUXm8ZPDhjHhB3BzeiNiads5ugfEC"
OPENAI = "sk-" + "a1B2c3D4e5F6g7H8i9J0" + "T3BlbkFJ" + "k1L2m3N4o5P6q7R8s9T0"
OPENAI_PROJ = "sk-proj-" + "Ab1_Cd2-Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3" * 2
SLACK = "xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_51HcQ2bK3dE4fG5hI6jK7lM8n"
GOOGLE = "AIzaSyD3x-8Yq2Lm5Nk7Pb9Rc1Td4Vf6Wh0Jk2M"
SENDGRID = "SG." + "aB3dE5gH7jK9mN1pQ3sT5v" + "." + "w7yZ9bC1xD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3"[:43]
TWILIO = "SK" + "0123456789abcdef0123456789abcdef"
TELEGRAM = "8459396511:AAiOwsoA9DTuAMvrZ2-SejdVFtBY4I2R9Rk"
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"
GITLAB = "glpat-eK_gpNVSEBGyuRJPUejB"
AKID = "AKIAZ3MEXQ7RTYUIOPAB"

TABLES: dict[str, list[tuple[str, str | None]]] = {
    "github_token": [
        (f"For the record, the GitHub token is {GH} and should be rotated.", GH),  # prose
        (f"GITHUB_TOKEN={GH}", GH),  # .env
        (f'{{"github_token": "{GHO}"}}', GHO),  # JSON
        (f'log: "token:\\n{GH}\\n"', GH),  # after a literal \n escape
        (f"GET /cb?token%3D{GH}%26x HTTP/1.1", GH),  # after a percent-encoded '='
        (f"x{GH}", None),  # continues a longer word
        (f"$ curl -H 'Authorization: Bearer {GH}' https://api.github.com", GH),  # CLI
        (f"password={GH}", GH),  # a token beats the password it is assigned to
        (f"token: {GH_BAD}", GH_BAD),  # CRC32 checksum fails: still reported, at confidence 0.5 (below)
        ("ghp_1234567890abcdefghijklmnopqrstuvwxyz", None),  # sequential, no checksum: a placeholder
        ("ghp_YOURTOKENHEREYOURTOKENHEREYOURTOKEN", None),
        ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", None),
    ],
    "npm_token": [
        (f"//registry.npmjs.org/:_authToken={NPM}", NPM),
        (f"npm publish token: {NPM}", NPM),
        (f"NPM_TOKEN={NPM_BAD}", NPM_BAD),  # checksum fails: confidence 0.5
    ],
    "jwt": [
        (f"Authorization: Bearer {JWT}", JWT),  # HTTP header
        (f"Set-Cookie: session={JWT}; Path=/", JWT),  # cookie
        (f"https://app.example.com/cb?id_token={JWT}&state=1", JWT),  # URL
        (f"not a token: {JWT_BAD}", None),  # header has no alg/typ
        ("eyJhbGciOi.eyJzdWIi.xyz", None),
    ],
    "aws_access_key_id": [
        (f"[default]\naws_access_key_id = {AKID}\nregion = us-east-1", AKID),  # credentials file
        (f'export AWS_ACCESS_KEY_ID="{AKID}"', AKID),
        (f"bob: our AWS access key is {AKID}", AKID),  # chat
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", None),  # documented example
        ("AKIA1234", None),
    ],
    "aws_secret_access_key": [
        (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),  # credentials file
        (f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),  # .env
        (f"the AWS secret access key we used in staging is {AWS_SECRET} and it", AWS_SECRET),  # prose
        (f"As requested, the AWS secret access key is:\n\n{AWS_SECRET}\n\nBest", AWS_SECRET),  # e-mail
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None),  # documented example
        (f"checksum {AWS_SECRET}", None),  # no keyword nearby
        ("aws secret: 3f2a9c1d4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c", None),  # a git SHA (hex only)
    ],
    "azure_storage_key": [
        (
            f"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={AZURE};EndpointSuffix=core.windows.net",
            AZURE,
        ),
        (f"$ az storage blob list --account-name bobstore --account-key {AZURE}", AZURE),  # CLI
        (f"azure_storage_key: '{AZURE}'", AZURE),  # YAML
        (f'"integrity": "sha512-{AZURE}"', None),  # npm integrity hash: same shape, no keyword
    ],
    "openai_key": [
        (f"export OPENAI_API_KEY={OPENAI}", OPENAI),
        (f'client = OpenAI(api_key="{OPENAI_PROJ}")', OPENAI_PROJ),  # code
        ("the task-list and risk-matrix are done", None),
        ("sk-proj-your-key-here-xxxxxxxxxxxxxxxx", None),  # placeholder
    ],
    "slack_token": [
        (f"SLACK_BOT_TOKEN={SLACK}", SLACK),
        (f"[10:01] <ann> Slack bot token: {SLACK}", SLACK),  # chat
        ("xoxb-your-token-here", None),
    ],
    "stripe_key": [
        (f"Stripe.api_key = '{STRIPE}'", STRIPE),
        (f"stripe_key: {STRIPE}", STRIPE),
        ("pk_live_51HcQ2bK3dE4fG5hI6jK7lM8n", None),  # publishable key: not a secret
    ],
    "google_api_key": [
        (f"<script src='https://maps.googleapis.com/maps/api/js?key={GOOGLE}'>", GOOGLE),
        (f"GOOGLE_API_KEY={GOOGLE}", GOOGLE),
        ("AIzaSyD3x-8Yq2", None),
    ],
    "sendgrid_key": [
        (f"SENDGRID_API_KEY='{SENDGRID}'", SENDGRID),
        (f"the SendGrid key is {SENDGRID}.", SENDGRID),
        ("SG.short.key", None),
    ],
    "twilio_key": [
        (f"$ twilio login --api-key {TWILIO} --api-secret-stdin", TWILIO),
        (f'TWILIO_API_KEY="{TWILIO}"', TWILIO),
        ("SKU 0123456789abcdef0123456789abcdef", None),
        ("ASK0123456789abcdef0123456789abcdef", None),  # inside a longer word
    ],
    "telegram_bot_token": [
        (f"$ curl https://api.telegram.org/bot{TELEGRAM}/getMe", TELEGRAM),  # glued in a URL
        (f"TELEGRAM_BOT_TOKEN={TELEGRAM}", TELEGRAM),
        ("12:30:45 meeting", None),
    ],
    "huggingface_token": [
        (f"HF_TOKEN={HF}", HF),
        (f"huggingface-cli login --token {HF}", HF),
        ("hf_hub_download(repo_id='gpt2')", None),
    ],
    "gitlab_token": [
        (f"GITLAB_TOKEN={GITLAB}", GITLAB),  # no digit in the random part: still a token
        (f'{{"gitlab_token": "{GITLAB}"}}', GITLAB),
        ("glpat-xxxxxxxxxxxxxxxxxxxx", None),
    ],
}
CASES = [(t, payload, secret) for t, rows in TABLES.items() for payload, secret in rows]


@pytest.mark.parametrize(("secret_type", "payload", "secret"), CASES)
def test_key_detectors(secret_type: str, payload: str, secret: str | None) -> None:
    found = [(payload[f.start : f.end], f.type) for f in scan([payload]) if f.type == secret_type]
    assert found == ([(secret, secret_type)] if secret else [])


@pytest.mark.parametrize(("value", "confidence"), [(GH, 1.0), (GH_BAD, 0.5), (NPM, 1.0), (NPM_BAD, 0.5)])
def test_a_failed_checksum_lowers_the_confidence(value: str, confidence: float) -> None:
    """A prefixed token whose CRC32 fails is a fake (docs, tests) or a corrupted one: reported, at 0.5, so that
    ``--min-confidence 0.6`` keeps only the tokens whose checksum holds."""
    from sanitize.scanner import ScanConfig

    (finding,) = scan([f"x {value} y"])
    assert finding.confidence == confidence
    assert len(scan([f"x {value} y"], ScanConfig(min_confidence=0.6))) == (confidence == 1.0)
