from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from sanitize.fingerprint import PREFIX, fingerprint_key, fingerprint_secret, mask_secret


def test_fingerprint_is_hmac_of_the_secret_under_the_key() -> None:
    expected = hmac.new(b"k", b"hunter2", hashlib.sha256).hexdigest()[:32]
    assert fingerprint_secret("hunter2", key="k") == PREFIX + expected
    assert fingerprint_secret("hunter2", key="other") != PREFIX + expected


def test_per_user_key_is_created_once_private_and_stable(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SANITIZE_FINGERPRINT_KEY", raising=False)
    monkeypatch.setenv("SANITIZE_HOME", str(tmp_path / "home"))
    first = fingerprint_secret("1234")
    assert fingerprint_secret("1234") == first
    key_file = tmp_path / "home" / "fingerprint.key"
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    assert len(fingerprint_key()) == 64
    monkeypatch.setenv("SANITIZE_HOME", str(tmp_path / "elsewhere"))
    assert fingerprint_secret("1234") != first  # a different key: a short PIN is not guessable


def test_environment_key_wins_over_key_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SANITIZE_HOME", str(tmp_path))
    monkeypatch.setenv("SANITIZE_FINGERPRINT_KEY", "env-key")
    assert fingerprint_secret("x") == fingerprint_secret("x", key="env-key")
    assert not (tmp_path / "fingerprint.key").exists()


@pytest.mark.parametrize(
    ("secret", "type", "preview"),
    [
        ("4539148803436467", "credit_card", "4539********6467"),
        ("4539 1488 0343 6467", "credit_card", "4539 **** **** 6467"),
        ("hunter2", "password", "*******"),
        ("correct-horse-battery", "password", "co*****************ry"),
        ("ghp_" + "a" * 36, "github_token", "ghp_" + "*" * 32 + "aaaa"),
    ],
)
def test_mask_secret(secret: str, type: str, preview: str) -> None:
    assert mask_secret(secret, type) == preview
    assert len(mask_secret(secret, type)) == len(secret)
