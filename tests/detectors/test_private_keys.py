"""private_key: the whole armoured block, in files, e-mail, YAML and escaped .env strings."""

from __future__ import annotations

import base64

import pytest

from sanitize import ScanConfig, scan

BODY = "MIIEowIBAAKCAQEA7bq9x1Q2w3e4r5t6y7u8i9o0pAaSsDdFfGgHhJjKkLlZzXxCcVvBbNnMm\nQwErTyUiOp1234567890abcdefGHIJKL"
RSA = f"-----BEGIN RSA PRIVATE KEY-----\n{BODY}\n-----END RSA PRIVATE KEY-----"
OPENSSH = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{BODY}\n-----END OPENSSH PRIVATE KEY-----"
ESCAPED = RSA.replace("\n", "\\n")
YAML_KEY = RSA.replace("\n", "\n    ")

LINES = BODY.replace("\n", "")[:64] + "\n" + BODY.replace("\n", "")[64:110] + "\n"
PPK = (
    "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n" + LINES
    + "Private-Lines: 2\n" + LINES + "Private-MAC: " + "8f5f167f44f4964e6c998dee827110ca8f5f167f"
)  # fmt: skip


def _openssh(cipher: bytes) -> str:
    """An OpenSSH key block whose header names ``cipher`` (the rest is filler)."""
    raw = b"openssh-key-v1\x00" + len(cipher).to_bytes(4, "big") + cipher + bytes(range(200))
    b = base64.b64encode(raw).decode()
    return (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + b[:70]
        + "\n"
        + b[70:]
        + "\n-----END OPENSSH PRIVATE KEY-----"
    )


CASES = [
    (f"{RSA}\n", RSA),  # file
    (f"here's the deploy key:\n\n{OPENSSH}\n\nCheers", OPENSSH),  # e-mail
    (f"ssh:\n  key: |\n    {YAML_KEY}", YAML_KEY),  # YAML block
    (f'PRIVATE_KEY="{ESCAPED}"', ESCAPED),  # .env with literal \n
    (f"bob: paste the key\nann: ok\n{RSA.replace('RSA ', 'EC ')}", RSA.replace("RSA ", "EC ")),  # chat
    ("-----BEGIN PUBLIC KEY-----\n" + BODY + "\n-----END PUBLIC KEY-----", None),
    ("-----BEGIN CERTIFICATE-----\n" + BODY + "\n-----END CERTIFICATE-----", None),
    ("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", None),  # placeholder body
    ("-----BEGIN RSA PRIVATE KEY-----\n" + BODY, None),  # never closed
    ("-----BEGIN RSA PRIVATE KEY-----\n" + BODY + "\n-----END EC PRIVATE KEY-----", None),  # mismatched
    (PPK, PPK),  # PuTTY .ppk, unencrypted
    (f"key file:\n{PPK}\nend", PPK),
    (PPK.replace("Encryption: none", "Encryption: aes256-cbc"), None),  # encrypted under a passphrase
    ("-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + BODY + "\n-----END ENCRYPTED PRIVATE KEY-----", None),
    (RSA.replace("-----\n", "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n", 1), None),
    (_openssh(b"none"), _openssh(b"none")),
    (_openssh(b"aes256-ctr"), None),
]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_private_key(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["private_key"]))]
    assert found == ([secret] if secret else [])


def test_two_blocks_are_two_findings() -> None:
    text = f"{RSA}\n\n{RSA}"
    found = scan([text], ScanConfig(types=["private_key"]))
    assert [(f.start, f.end) for f in found] == [(0, len(RSA)), (len(RSA) + 2, 2 * len(RSA) + 2)]
    assert found[0].fingerprint == found[1].fingerprint


def test_ppk_surrogate_keeps_the_header_and_is_found() -> None:
    import random

    from sanitize.detectors import surrogates

    sub = surrogates.private_key(PPK, random.Random(0))
    assert sub != PPK and len(sub) == len(PPK)
    kept = [line for line in PPK.splitlines() if ": " in line and not line.startswith("Private-MAC")]
    assert [line for line in sub.splitlines() if line in kept] == kept  # header lines unchanged
    assert not set(LINES.split()) & set(sub.split())  # key lines redrawn
    found = [sub[f.start : f.end] for f in scan([sub], ScanConfig(types=["private_key"]))]
    assert found == [sub]


# JSON Web Keys and .NET RSA XML: the private members' values (made-up base64url, not a real key)
D, P1, Q1 = (
    "aa5kP4hTvnaU1x9X_NuPu3ZhyCIsMxRL8" * 3,
    "3ZhyCIsMxRL8aa5kP4hTvnaU" * 2,
    "1px9X__NuP-u3ZhyCIsMxRL8" * 2,
)
N = "uZzk5L8qHtJjg_wmVbhqAAxx" * 5
D64 = D.replace("_", "/") + "=="  # XML holds standard base64
JWK_CASES = [
    (f'{{"kty": "RSA", "n": "{N}", "e": "AQAB", "d": "{D}", "p": "{P1}", "q": "{Q1}"}}', [D, P1, Q1]),
    (f'{{"d": "{D}", "n": "{N}", "kty": "RSA"}}', [D]),  # members in any order
    (
        f'{{"keys": [{{"kty": "RSA", "n": "{N}", "e": "AQAB"}}, {{"kty": "EC", "crv": "P-256", "d": "{P1}"}}]}}',
        [P1],
    ),
    (f'JWK="{{\\"kty\\":\\"oct\\",\\"k\\":\\"{Q1}\\"}}"', [Q1]),  # JSON-escaped, a symmetric key
    (f'{{"kty": "RSA", "n": "{N}", "e": "AQAB"}}', []),  # a public key
    ('{"d": "2024-01-01T00:00:00Z", "p": "abcdefghijklmnopqrst", "type": "x"}', []),  # no kty
    (
        f"<RSAKeyValue><Modulus>{N}</Modulus><Exponent>AQAB</Exponent><P>{P1}</P><D>{D64}</D></RSAKeyValue>",
        [P1, D64],
    ),
    (f"<RSAKeyValue><Modulus>{N}</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>", []),
    (f"<RSAKeyValue><D>{D64}</P></RSAKeyValue>", []),  # mismatched tags
]


@pytest.mark.parametrize(("payload", "secrets"), JWK_CASES)
def test_jwk_and_xml_private_members(payload: str, secrets: list[str]) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["private_key"]))]
    assert found == secrets


@pytest.mark.parametrize(
    "unit",
    [
        '{"kty":"RSA","d":"',
        '"kty":"EC"}{',
        '"kty":"RSA",',
        '{"kty":"oct",',
        "<RSAKeyValue><D>AAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_jwk_and_xml_linear_on_a_megabyte(unit: str) -> None:
    from detector_support import flood_cpu_seconds
    from support import CPU_CEILING

    from sanitize.detectors.private_keys import JWK_PRIVATE_KEY, RSA_XML_KEY

    for detector in (JWK_PRIVATE_KEY, RSA_XML_KEY):
        assert flood_cpu_seconds(detector, unit, ["private_key"]) < CPU_CEILING
