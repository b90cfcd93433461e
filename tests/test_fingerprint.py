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


# -- key file hygiene (issue 17) -------------------------------------------------------------------
@pytest.fixture
def key_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SANITIZE_FINGERPRINT_KEY", raising=False)
    monkeypatch.setenv("SANITIZE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_empty_key_file_is_refused_not_used_unkeyed(key_home) -> None:
    from sanitize.errors import SanitizeError

    key_home.mkdir()
    (key_home / "fingerprint.key").write_text("  \n")
    with pytest.raises(SanitizeError, match=r"fingerprint key file .*fingerprint.key is empty"):
        fingerprint_secret("1234")


def test_readable_key_file_warns_with_the_fix(key_home, caplog) -> None:
    key_home.mkdir()
    key = key_home / "fingerprint.key"
    key.write_text("a-shared-key")
    key.chmod(0o644)
    with caplog.at_level("WARNING", logger="sanitize.fingerprint"):
        assert fingerprint_secret("1234") == fingerprint_secret("1234", key="a-shared-key")
    assert f"chmod 600 {key}" in caplog.text and "readable by other users" in caplog.text
    caplog.clear()
    key.chmod(0o600)
    with caplog.at_level("WARNING", logger="sanitize.fingerprint"):
        fingerprint_secret("1234")
    assert caplog.text == ""


def test_unwritable_sanitize_home_is_a_clear_error(tmp_path, monkeypatch, cli) -> None:
    from sanitize.errors import SanitizeError

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.delenv("SANITIZE_FINGERPRINT_KEY", raising=False)
    monkeypatch.setenv("SANITIZE_HOME", str(blocker / "home"))  # cannot be created, even as root
    with pytest.raises(SanitizeError, match="SANITIZE_HOME"):
        fingerprint_key()
    corpus = tmp_path / "c.txt"
    corpus.write_text("the wifi password is Tr0ub4dor&3xyz\n")
    res = cli("scan", corpus)
    assert res.code == 2 and res.err.startswith("error: fingerprint key file") and "Traceback" not in res.err


def test_key_file_is_read_once_per_version(key_home, monkeypatch) -> None:
    first = fingerprint_key()
    reads = []
    real = type(key_home).read_bytes
    monkeypatch.setattr(type(key_home), "read_bytes", lambda self: reads.append(self) or real(self))
    assert [fingerprint_key() for _ in range(3)] == [first] * 3 and reads == []
