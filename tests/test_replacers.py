"""Replacement strategies: surrogates validate as their type and never equal the secret; the model
strategy samples from the model and never starts with the secret's own first token."""

from __future__ import annotations

import base64
import json
import re
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import TINY_TEXTS

from sanitize import PairConfig, build_pairs, sanitize_texts
from sanitize.checksums import crc32_base62, iban_valid, luhn_valid, ssn_valid, token_checksum_valid
from sanitize.errors import SanitizeError
from sanitize.replacers import Occurrence, model_sample, placeholder, register_replacer, replace, surrogate
from sanitize.types import Finding
from sanitize_lab.tiny import tiny_model, train_tokenizer

GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1" + crc32_base62("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1")
NPM = "npm_" + "Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9" + crc32_base62("Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9")
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Jd+/9z\nQ2xv==\n-----END RSA PRIVATE KEY-----"


def digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def same_layout(a: str, b: str) -> bool:
    """Same length, and every non-alphanumeric character (separator) at the same place."""
    return len(a) == len(b) and all((x.isalnum() and y.isalnum()) or x == y for x, y in zip(a, b))


def card_ok(secret: str, sub: str) -> bool:
    return same_layout(secret, sub) and luhn_valid(digits(sub)) and digits(sub)[:4] == digits(secret)[:4]


def ssn_ok(secret: str, sub: str) -> bool:
    return same_layout(secret, sub) and ssn_valid(sub)


def jwt_ok(secret: str, sub: str) -> bool:
    header, payload, sig = sub.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    lengths = [len(p) for p in secret.split(".")] == [len(header), len(payload), len(sig)]
    return (
        header == secret.split(".")[0]
        and isinstance(decoded, dict)
        and lengths
        and re.fullmatch(r"[\w-]+", sig) is not None
    )


def pem_escaped_ok(secret: str, sub: str) -> bool:
    """Armour and the literal backslash-n separators stay; the base64 body changes."""
    return (
        sub.split("\\n")[0] == secret.split("\\n")[0]
        and sub.count("\\n") == secret.count("\\n")
        and (sub.split("\\n")[-1] == secret.split("\\n")[-1] and same_layout(secret, sub))
    )


def prefix_kept(prefix: str, alphabet: str) -> Callable[[str, str], bool]:
    def check(secret: str, sub: str) -> bool:
        return sub.startswith(prefix) and len(sub) == len(secret) and set(sub[len(prefix) :]) <= set(alphabet)

    return check


HEX = string.hexdigits.lower()[:16]
B62 = string.ascii_letters + string.digits
B64 = B62 + "+/="

# (type, secret, validator(secret, surrogate))
TABLE: list[tuple[str, str, Callable[[str, str], bool]]] = [
    ("credit_card", "4539 1488 0343 6467", card_ok),
    ("credit_card", "4539148803436467", card_ok),
    ("credit_card", "3782-822463-10005", card_ok),  # Amex, 15 digits, dashes
    ("credit_card", "5555 5555 5555 4444", card_ok),
    ("iban", "DE89 3704 0044 0532 0130 00", lambda s, r: iban_valid(r) and r[:2] == "DE" and same_layout(s, r)),
    ("iban", "GB82WEST12345698765432", lambda s, r: iban_valid(r) and r[:2] == "GB" and r[4:8].isalpha()),
    ("github_token", GHP, lambda s, r: token_checksum_valid(r, "ghp_")),
    ("npm_token", NPM, lambda s, r: token_checksum_valid(r, "npm_")),
    ("aws_access_key_id", "AKIA2E0A8F3B244C9986", prefix_kept("AKIA", string.ascii_uppercase + string.digits)),
    ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", lambda s, r: same_layout(s, r)),
    ("stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", prefix_kept("sk_live_", B62)),
    ("slack_token", "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1", lambda s, r: r.startswith("xoxb-") and same_layout(s, r)),
    ("openai_key", "sk-proj-abc123DEF456ghi789JKL012mno345PQR678", prefix_kept("sk-proj-", B62)),
    ("google_api_key", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", lambda s, r: r.startswith("AIza") and same_layout(s, r)),
    ("sendgrid_key", "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", lambda s, r: r.startswith("SG.") and same_layout(s, r)),
    ("twilio_key", "SK2a8f9d0c3b7e4f6a1d5c9e8b7a6f5d4c", prefix_kept("SK", HEX)),
    ("huggingface_token", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", prefix_kept("hf_", B62)),
    ("telegram_bot_token", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", lambda s, r: re.fullmatch(r"\d{9}:[\w-]{34}", r) is not None),
    ("azure_storage_key", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", lambda s, r: same_layout(s, r) and r.endswith("==") and set(r) <= set(B64)),
    ("gitlab_token", "glpat-xxxxxxxxxxxxxxxxxxxx", prefix_kept("glpat-", string.ascii_lowercase)),
    ("jwt", JWT, jwt_ok),
    ("private_key", PEM, lambda s, r: r.splitlines()[0] == s.splitlines()[0] and r.splitlines()[-1] == s.splitlines()[-1] and same_layout(s, r)),
    ("private_key", PEM.replace("\n", "\\n"), pem_escaped_ok),  # written into a .env string
    ("private_key", PEM.replace("\n", "\n    "), lambda s, r: r.split("\n    ")[::3] == s.split("\n    ")[::3] and same_layout(s, r)),
    ("email", "john.doe+work@acme-corp.com", lambda s, r: re.fullmatch(r"[a-z]{4}\.[a-z]{3}\+[a-z]{4}@[a-z]{4}-[a-z]{4}\.com", r) is not None),
    ("phone", "+44 20 7946 0958", lambda s, r: r.startswith("+44 ") and same_layout(s, r)),
    ("phone", "(415) 555-2671", lambda s, r: same_layout(s, r) and r[1] in "23456789" and r[6] in "23456789"),
    ("phone", "0123456789", lambda s, r: r[0] == "0" and r.isdigit() and len(r) == 10),
    ("us_ssn", "123-45-6789", ssn_ok),
    ("us_ssn", "078051120", ssn_ok),
    ("ip_address", "192.168.10.77", lambda s, r: [len(p) for p in r.split(".")] == [3, 3, 2, 2] and all(0 < int(p) < 255 for p in r.split("."))),
    ("password", "hunter2", lambda s, r: re.fullmatch(r"[a-z]{6}\d", r) is not None),
    ("password", "P@ssw0rd!", lambda s, r: re.fullmatch(r"[A-Z][!*+\-_=~][a-z]{3}\d[a-z]{2}[!*+\-_=~]", r) is not None),
    ("generic_secret", "deadbeefcafebabe0123456789abcdef", lambda s, r: len(r) == 32 and set(r) <= set(HEX)),
    ("my_custom_rule", "tok-ABCdef-123", lambda s, r: re.fullmatch(r"[a-z]{3}-[A-Z]{3}[a-z]{3}-\d{3}", r) is not None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("type_", "secret", "valid"), TABLE, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(TABLE)]
)
def test_surrogate_keeps_the_format_and_validates(
    type_: str, secret: str, valid: Callable[[str, str], bool]
) -> None:
    sub = surrogate(secret, type_, seed=0)
    assert sub != secret
    assert valid(secret, sub), f"{type_} surrogate has the wrong shape"
    assert surrogate(secret, type_, seed=0) == sub  # deterministic
    others = {surrogate(secret, type_, seed=s) for s in range(1, 6)}
    assert all(valid(secret, o) and o != secret for o in others) and len(others | {sub}) > 1


def test_surrogate_is_keyed_and_never_equal() -> None:
    # the seed material is the keyed fingerprint: without the key a short secret cannot be recovered
    assert surrogate("4821", "pin", 0, key="k1") != surrogate("4821", "pin", 0, key="k2")
    for secret in ["7", "a", "-", "--", "0", "Z9"]:
        for seed in range(20):
            sub = surrogate(secret, "password", seed)
            assert sub != secret and len(sub) == len(secret)


@settings(max_examples=60, deadline=None)
@given(secret=st.text(alphabet=string.ascii_letters + string.digits + "!@#$%^&*-_.", min_size=1, max_size=24))
def test_password_surrogates_keep_length_and_character_classes(secret: str) -> None:
    sub = surrogate(secret, "password", 3)
    assert sub != secret and len(sub) == len(secret)
    if any(c.isalnum() for c in secret):
        for a, b in zip(secret, sub):
            assert (a.isdigit(), a.islower(), a.isupper(), a.isalnum()) == (
                b.isdigit(),
                b.islower(),
                b.isupper(),
                b.isalnum(),
            )


def test_placeholder_and_registry() -> None:
    assert placeholder("4539...", "credit_card") == "[CREDIT_CARD]"
    assert placeholder("x", "my-custom rule") == "[MY_CUSTOM_RULE]"
    with pytest.raises(SanitizeError, match="must be callable"):
        register_replacer("bad", "not a function")  # type: ignore[arg-type]
    occ = Occurrence(secret="hunter2", type="password", seed=0, fingerprint="hmac-sha256:00")
    assert "hunter2" not in repr(occ)
    with pytest.raises(SanitizeError, match=r"unknown replacement strategy 'zzz'; registered: .*surrogate"):
        replace(occ, "zzz")


def test_a_replacer_returning_a_non_string_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sanitize.replacers as replacers

    monkeypatch.setattr(replacers, "_REGISTRY", dict(replacers._REGISTRY))
    register_replacer("broken", lambda secret, type, seed: None)
    occ = Occurrence(secret="hunter2", type="password", seed=0, fingerprint="hmac-sha256:00")
    with pytest.raises(SanitizeError, match=r"replacer 'broken' returned NoneType for a password finding \(hmac-sha256:00\)") as err:  # fmt: skip
        replace(occ, "broken")
    assert "hunter2" not in str(err.value)


# -- the model strategy ----------------------------------------------------------------------------
class Peaked:
    """A stand-in causal LM whose next-token distribution puts almost all mass on ``favourite``."""

    def __init__(self, vocab: int, favourite: int) -> None:
        import torch

        self.vocab, self.favourite = vocab, favourite
        self.weight = torch.nn.Parameter(torch.zeros(vocab, 2))

    def parameters(self) -> Any:
        return iter([self.weight])

    def get_output_embeddings(self) -> Any:
        return self

    def forward(self, input_ids: Any, cache: Any = None, use_cache: bool = True) -> Any:
        import torch

        logits = torch.zeros(1, input_ids.shape[1], self.vocab)  # (1, T, V)
        logits[..., self.favourite] = 30.0
        return type("Out", (), {"logits": logits, "cache": None})()

    __call__ = forward


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_model_strategy_excludes_the_secrets_first_token(kind: str) -> None:
    tok = train_tokenizer(TINY_TEXTS, kind=kind, vocab_size=320)
    text = "the door code is 4821."
    start = text.index("4821")
    first = tok(text[: start + 4])["input_ids"][len(tok(text[:start])["input_ids"])]
    assert tok.decode([first]).strip().startswith("4")
    occ = Occurrence(secret="4821", type="pin", seed=0, fingerprint="hmac-sha256:ab", prefix=text[:start],
                     model=Peaked(len(tok), first), tokenizer=tok)  # fmt: skip
    out = model_sample(occ)
    assert out != "4821" and not out.startswith("4")  # the peaked token is banned at the first step only
    # real tiny model, end to end through build_pairs: deterministic, differs from the secret
    model = tiny_model(tok, kind=kind)
    f = [Finding(0, start, start + 4, "pin")]
    cfg = PairConfig(replacement="model")
    texts = sanitize_texts([text], f, cfg, tokenizer=tok, model=model)
    assert texts == sanitize_texts([text], f, cfg, tokenizer=tok, model=model)
    assert texts[0].startswith(text[:start]) and texts[0].endswith(".") and "4821" not in texts[0]
    pair = build_pairs([text], f, tok, cfg, model=model)[0]
    assert pair.sanitized.input_ids == tuple(tok(texts[0])["input_ids"])
    with pytest.raises(SanitizeError, match=r"needs build_pairs\(\.\.\., model=\.\.\.\)"):
        build_pairs([text], f, tok, cfg)
