"""Replacement strategies: what a secret becomes in the sanitized twin z̃ of a training sequence.

Strategies are registered by name (``PairConfig.replacement`` picks one):

* ``surrogate`` -- a format-preserving fake of the same type, deterministic from the seed and the
  secret's *keyed* fingerprint (so the same secret maps to the same surrogate everywhere, and a
  surrogate cannot be brute-forced back to a short secret without the key), drawn by the type's
  spec (:mod:`sanitize.detectors.specs`; per type in :mod:`sanitize.detectors.surrogates`: cards
  stay Luhn-valid, IBANs mod-97-valid, GitHub/npm tokens checksum-valid ...). A surrogate never
  equals the secret.
* ``placeholder`` -- ``[CREDIT_CARD]``-style type tags.
* ``model`` -- sampled from the fine-tuned model itself given the preceding text, excluding the
  secret's own first token (the choice of Warnecke et al., NDSS 2023).
* your own: ``register_replacer("mine", lambda secret, type, seed: ...)``, or with
  ``contextual=True`` a function of an :class:`Occurrence` (secret, type, preceding text, model...).
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import random
import re
import string
from collections.abc import Callable
from typing import Any

from .detectors.specs import SPECS
from .detectors.surrogates import vendor_key
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
def _rng(secret: str, type: str, seed: int, key: str | None) -> random.Random:
    """Deterministic from (seed, type, keyed fingerprint); never from the plaintext alone."""
    material = f"{seed}\x00{type}\x00{fingerprint_secret(secret, key)}".encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest(), "big"))


def surrogate(secret: str, type: str, seed: int = 0, *, key: str | None = None) -> str:
    """A format-preserving fake of ``secret`` of the same ``type``; never equal to ``secret``.

    Deterministic for (``seed``, ``type``, keyed fingerprint of ``secret``); the type's
    :attr:`SecretSpec.surrogate <sanitize.detectors.specs.SecretSpec.surrogate>` draws it. Unknown
    types keep a known vendor prefix and the character classes (a sane default for custom rules).
    """
    spec = SPECS.get(type)
    generate = spec.surrogate if spec is not None else vendor_key
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
