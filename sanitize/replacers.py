"""Replacement strategies: what a secret becomes in the sanitized twin z̃ of a training sequence.

Strategies are registered by name (``PairConfig.replacement`` picks one):

* ``surrogate`` -- a format-preserving fake of the same type, deterministic from the seed and the
  secret's *keyed* fingerprint (so the same secret maps to the same surrogate everywhere, and a
  surrogate cannot be brute-forced back to a short secret without the key). Cards keep their
  length, separators and first four digits (the brand/IIN a masked preview shows anyway) and pass
  Luhn; IBANs keep the country and get fresh mod-97 check digits; GitHub/npm tokens keep their
  prefix and get a valid CRC32 trailer; other keys keep their vendor prefix and alphabet; passwords
  keep their length and character classes; e-mail, phone, SSN and JWT keep their shape. A surrogate
  never equals the secret.
* ``placeholder`` -- ``[CREDIT_CARD]``-style type tags.
* ``model`` -- sampled from the fine-tuned model itself given the preceding text, excluding the
  secret's own first token (the choice of Warnecke et al., NDSS 2023).
* your own: ``register_replacer("mine", lambda secret, type, seed: ...)``, or with
  ``contextual=True`` a function of an :class:`Occurrence` (secret, type, preceding text, model...).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import inspect
import random
import re
import string
from collections.abc import Callable
from typing import Any

from .checksums import BASE62, crc32_base62, iban_check_digits, luhn_check_digit
from .errors import SanitizeError
from .fingerprint import fingerprint_secret

SimpleReplacer = Callable[[str, str, int], str]


@dataclasses.dataclass(frozen=True)
class Occurrence:
    """One occurrence of a secret, as a contextual replacer sees it. ``repr`` hides text."""

    secret: str = dataclasses.field(repr=False)
    type: str
    seed: int
    fingerprint: str
    prefix: str = dataclasses.field(default="", repr=False)  # document text before the secret
    doc: int = 0
    start: int = 0
    model: Any = dataclasses.field(default=None, repr=False)
    tokenizer: Any = dataclasses.field(default=None, repr=False)
    context_tokens: int = 256
    temperature: float = 1.0
    key: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class _Entry:
    fn: Callable[..., str]
    contextual: bool


_REGISTRY: dict[str, _Entry] = {}


def register_replacer(name: str, fn: Callable[..., str], *, contextual: bool = False) -> None:
    """Register a strategy under ``name`` (usable as ``PairConfig(replacement=name)``).

    ``fn(secret, type, seed) -> str``, or with ``contextual=True`` ``fn(occurrence) -> str``.
    Re-registering a name replaces it.
    """
    if not isinstance(name, str) or not name:
        raise SanitizeError(f"replacer name must be a non-empty string, got {name!r}")
    if not callable(fn):
        raise SanitizeError(f"replacer '{name}' must be callable, got {type(fn).__name__}")
    _REGISTRY[name] = _Entry(fn, contextual)


def available_replacers() -> list[str]:
    return sorted(_REGISTRY)


def replace(occurrence: Occurrence, strategy: str) -> str:
    """Apply the strategy ``strategy`` to ``occurrence``; errors never show the secret."""
    entry = _REGISTRY.get(strategy)
    if entry is None:
        raise SanitizeError(
            f"unknown replacement strategy '{strategy}'; registered: {', '.join(available_replacers())}"
        )
    o = occurrence
    out = entry.fn(o) if entry.contextual else entry.fn(o.secret, o.type, o.seed)
    if not isinstance(out, str):
        raise SanitizeError(
            f"replacer '{strategy}' returned {type(out).__name__} for a {o.type} finding "
            f"({o.fingerprint}); it must return a string"
        )
    return out


# -- placeholder -----------------------------------------------------------------------------------
def placeholder(secret: str, type: str, seed: int = 0) -> str:
    """``[CREDIT_CARD]`` for ``credit_card`` and so on."""
    return "[" + re.sub(r"[^A-Za-z0-9]+", "_", type).strip("_").upper() + "]"


# -- surrogate -------------------------------------------------------------------------------------
# Vendor prefixes kept verbatim (longest match wins); the rest of the key keeps its alphabet.
KEY_PREFIXES = tuple(sorted((
    "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "gldt-", "glrt-", "glptt-",
    "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "sk_live_", "sk_test_", "rk_live_",
    "rk_test_", "pk_live_", "pk_test_", "whsec_", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-",
    "sk-", "AIza", "SG.", "hf_", "npm_", "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA",
    "ANVA", "APKA", "SK", "AC", "-----BEGIN ",
), key=len, reverse=True))  # fmt: skip
CHECKSUM_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_")
_SYMBOLS = "!*+-_=~"  # safe unquoted in URL userinfo, .env, YAML, JSON and shells' single quotes
_HEX = set(string.hexdigits)


def _rng(secret: str, type: str, seed: int, key: str | None) -> random.Random:
    """Deterministic from (seed, type, keyed fingerprint); never from the plaintext alone."""
    material = f"{seed}\x00{type}\x00{fingerprint_secret(secret, key)}".encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest(), "big"))


def _is_hex_run(run: str) -> bool:
    """A run of at least 8 hex digits with a letter, in one case (a hex id, digest or key)."""
    return (
        len(run) >= 8
        and all(c in _HEX for c in run)
        and any(c.isalpha() for c in run)
        and not (any(c.isupper() for c in run) and any(c.islower() for c in run))
    )


def _shape(text: str, rng: random.Random, *, symbols: bool = False, hex_runs: bool = True) -> str:
    """Replace each character by a random one of the same class; separators stay.

    Digits -> digits, lower -> lower, upper -> upper; each hexadecimal run between separators stays
    hexadecimal (``hex_runs``); with ``symbols`` punctuation is redrawn from a safe set (passwords),
    otherwise kept.
    """
    out = []
    for run in _RUNS.findall(text):
        if hex_runs and _is_hex_run(run):
            alphabet = "0123456789ABCDEF" if any(c.isupper() for c in run) else "0123456789abcdef"
            out.append("".join(rng.choice(alphabet) for _ in run))
            continue
        for c in run:
            if not c.isascii():
                out.append(rng.choice(string.ascii_letters) if c.isalnum() else c)
            elif c.isdigit():
                out.append(rng.choice(string.digits))
            elif c.islower():
                out.append(rng.choice(string.ascii_lowercase))
            elif c.isupper():
                out.append(rng.choice(string.ascii_uppercase))
            elif symbols and c in string.punctuation:
                out.append(rng.choice(_SYMBOLS))
            else:
                out.append(c)
    return "".join(out)


_RUNS = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")
# PEM armour lines and escaped newlines (a key written into a .env string) stay verbatim
_PEM_KEEP = re.compile(r"(-----(?:BEGIN|END)[^\n-]*-----|\\[nr])")


def _pem(secret: str, rng: random.Random) -> str:
    """Keep the BEGIN/END armour, indentation and (escaped) newlines; redraw the base64 body."""
    return "".join(
        part if i % 2 else _shape(part, rng, hex_runs=False) for i, part in enumerate(_PEM_KEEP.split(secret))
    )


def _aws_key_id(secret: str, rng: random.Random) -> str:
    """``AKIA``/``ASIA``... + base32 (A-Z, 2-7), as AWS issues them."""
    prefix, body = secret[:4], secret[4:]
    if not (prefix.isalpha() and prefix.isupper() and re.fullmatch(r"[A-Z2-7]+", body)):
        return _key(secret, rng)
    return prefix + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in body)


def _card(secret: str, rng: random.Random) -> str:
    digits = [c for c in secret if c.isdigit()]
    if len(digits) < 8:
        return _shape(secret, rng)
    keep = digits[:4]
    body = keep + [rng.choice(string.digits) for _ in range(len(digits) - 5)]
    new = "".join(body)
    new += luhn_check_digit(new)
    it = iter(new)
    return "".join(next(it) if c.isdigit() else c for c in secret)


def _iban(secret: str, rng: random.Random) -> str:
    compact = secret.replace(" ", "")
    if len(compact) < 15 or not compact[:2].isalpha():
        return _shape(secret, rng)
    country = compact[:2].upper()
    bban = "".join(
        rng.choice(string.digits) if c.isdigit() else rng.choice(string.ascii_uppercase) for c in compact[4:]
    )
    new = country + iban_check_digits(country, bban) + bban
    it = iter(new)
    return "".join(next(it) if c != " " else c for c in secret)


def _ssn(secret: str, rng: random.Random) -> str:
    while True:
        area, group, serial = rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999)
        if area != 666:
            break
    digits = iter(f"{area:03d}{group:02d}{serial:04d}")
    return "".join(next(digits, "0") if c.isdigit() else c for c in secret)


def _phone(secret: str, rng: random.Random) -> str:
    """Digits redrawn (2-9 where the original had 2-9, so area/exchange rules hold); a leading
    ``+country`` group and a national trunk ``0`` are kept."""
    keep_until = 0
    if secret.startswith("+"):
        m = re.match(r"\+\d{1,3}(?=\D)", secret)
        keep_until = m.end() if m else 2
    elif secret[:1] == "0" or secret[:2] == "(0":
        keep_until = secret.index("0") + 1
    out = []
    for i, c in enumerate(secret):
        if i < keep_until or not c.isdigit():
            out.append(c)
        else:
            out.append(rng.choice("23456789" if c in "23456789" else string.digits))
    return "".join(out)


def _email(secret: str, rng: random.Random) -> str:
    local, at, domain = secret.rpartition("@")
    if not at or "." not in domain:
        return _shape(secret, rng)
    host, dot, tld = domain.rpartition(".")
    return _shape(local, rng, hex_runs=False) + "@" + _shape(host, rng, hex_runs=False) + dot + tld


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(secret: str, rng: random.Random) -> str:
    parts = secret.split(".")
    if len(parts) != 3:
        return _shape(secret, rng)
    header, payload, signature = parts
    n_bytes = len(payload) * 3 // 4
    filler = n_bytes - len('{"sub":""}')
    if filler >= 1:
        body = '{"sub":"' + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(filler))
        new_payload = _b64url((body + '"}').encode())
    else:
        new_payload = _shape(payload, rng)
    alphabet = string.ascii_letters + string.digits + "-_"
    new_signature = "".join(rng.choice(alphabet) for _ in signature)
    return f"{header}.{new_payload}.{new_signature}"


def _ip(secret: str, rng: random.Random) -> str:
    parts = secret.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return ".".join(str(rng.randint(10 ** (len(p) - 1) if len(p) > 1 else 1, min(254, 10 ** len(p) - 1)))
                        for p in parts)  # fmt: skip
    return _shape(secret, rng)


def _key(secret: str, rng: random.Random) -> str:
    prefix = next((p for p in KEY_PREFIXES if secret.startswith(p)), "")
    if prefix == "-----BEGIN ":
        return _pem(secret, rng)
    body = secret[len(prefix) :]
    if prefix in CHECKSUM_PREFIXES and len(body) == 36 and all(c in BASE62 for c in body):
        random_part = "".join(rng.choice(BASE62) for _ in range(30))
        return prefix + random_part + crc32_base62(random_part)
    return prefix + _shape(body, rng)


def _password(secret: str, rng: random.Random) -> str:
    return _shape(secret, rng, symbols=True, hex_runs=False)


_GENERATORS: dict[str, Callable[[str, random.Random], str]] = {
    "credit_card": _card,
    "iban": _iban,
    "us_ssn": _ssn,
    "ssn": _ssn,
    "phone": _phone,
    "email": _email,
    "jwt": _jwt,
    "ip_address": _ip,
    "password": _password,
    "private_key": _pem,
    "aws_access_key_id": _aws_key_id,
}


def surrogate(secret: str, type: str, seed: int = 0, *, key: str | None = None) -> str:
    """A format-preserving fake of ``secret`` of the same ``type``; never equal to ``secret``.

    Deterministic for (``seed``, ``type``, keyed fingerprint of ``secret``); unknown types keep a
    known vendor prefix and the character classes (a sane default for custom rules).
    """
    generate = _GENERATORS.get(type, _key)
    rng = _rng(secret, type, seed, key)
    for _ in range(64):
        out = generate(secret, rng)
        if out != secret:
            return out
    # a secret with nothing to redraw (e.g. only punctuation): fall back to random letters
    alphabet = string.ascii_letters + string.digits
    out = "".join(rng.choice(alphabet) for _ in secret)
    while out == secret:  # pragma: no cover - one-in-62**n
        out = "".join(rng.choice(alphabet) for _ in secret)
    return out


# -- model -----------------------------------------------------------------------------------------
def model_sample(o: Occurrence) -> str:
    """Sample a replacement from ``o.model`` given the preceding text, excluding the secret's own
    first token at the first step (and special tokens at every step); as many tokens as the secret
    takes in context. Falls back to the surrogate if no different, non-blank text comes out."""
    import torch

    if o.model is None or o.tokenizer is None:
        raise SanitizeError(
            "replacement strategy 'model' needs build_pairs(..., model=...) and its tokenizer"
        )
    tok, model = o.tokenizer, o.model
    ctx = list(tok(o.prefix)["input_ids"])
    full = list(tok(o.prefix + o.secret)["input_ids"])
    common = 0
    while common < min(len(ctx), len(full)) and ctx[common] == full[common]:
        common += 1
    n_new = max(1, len(full) - common)
    banned_first = {full[common]} if common < len(full) else set()
    banned_first.update(tok(o.secret, add_special_tokens=False)["input_ids"][:1])
    ctx = ctx[-o.context_tokens :]
    if not ctx:
        ctx = [tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id]
    special = [
        i for i in tok.all_special_ids if i is not None and i < model.get_output_embeddings().weight.shape[0]
    ]
    material = f"{o.seed}\x00model\x00{o.fingerprint}\x00{o.doc}\x00{o.start}".encode()
    gen = torch.Generator().manual_seed(int.from_bytes(hashlib.sha256(material).digest()[:8], "big") >> 1)
    device = next(model.parameters()).device
    base_text = tok.decode(ctx)
    # transformers >= 5.2x names the KV cache `cache`; earlier 5.x releases `past_key_values`
    cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    for _attempt in range(4):
        ids = torch.tensor([ctx], device=device)  # (1, T)
        new: list[int] = []
        past = None
        with torch.no_grad():
            for step in range(n_new):
                out = model(input_ids=ids, use_cache=True, **{cache_arg: past})
                past = getattr(out, cache_arg, None)
                logits = out.logits[0, -1].float().cpu()  # (V,) next-token logits
                logits[special] = float("-inf")
                if step == 0:
                    logits[list(banned_first)] = float("-inf")
                probs = torch.softmax(logits / o.temperature, dim=-1)  # (V,)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
                new.append(nxt)
                ids = torch.tensor([[nxt]], device=device)  # (1, 1)
        text = tok.decode(ctx + new)
        text = text[len(base_text) :] if text.startswith(base_text) else tok.decode(new)
        if o.prefix[-1:].isspace():
            text = text.lstrip()
        if text.strip() and text != o.secret:
            return text
    return surrogate(o.secret, o.type, o.seed, key=o.key)


def _surrogate_occurrence(o: Occurrence) -> str:
    return surrogate(o.secret, o.type, o.seed, key=o.key)


register_replacer("surrogate", _surrogate_occurrence, contextual=True)
register_replacer("placeholder", placeholder)
register_replacer("model", model_sample, contextual=True)

__all__ = [
    "Occurrence",
    "available_replacers",
    "model_sample",
    "placeholder",
    "register_replacer",
    "replace",
    "surrogate",
]
