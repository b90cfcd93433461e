"""Values of the ``vendor_token`` type, drawn from the rules catalogue (:mod:`.vendor_rules`): a random
valid token of a random provider (:func:`fake`) and a shape-preserving replacement of a found one
(:func:`surrogate`). Both redraw the characters of a rule's value by class (digits, lower, upper,
hex runs) behind its literal prefix, and keep a draw only when the rule itself accepts it.
"""

from __future__ import annotations

import functools
import random

from .surrogates import _shape, vendor_key
from .vendor_rules import DEFAULT_TYPE, VendorRule, literal_prefix, load_rules

_TRIES = 64


@functools.lru_cache(maxsize=1)
def _fake_rules() -> tuple[VendorRule, ...]:
    """``vendor_token`` rules whose value stands alone: no keyword, no checksum, the whole match."""
    return tuple(
        r
        for r in load_rules()
        if r.secret_type == DEFAULT_TYPE
        and not r.keywords
        and r.validator is None
        and r.group == 0
        and r.pattern.fullmatch(r.secret)
    )


def _found(rule: VendorRule, text: str, value: str) -> bool:
    """Whether ``rule`` finds exactly ``value`` in ``text`` (its regex, secret group and checks)."""
    at = text.find(value)
    for m in rule.pattern.finditer(text):
        if m.span(rule.group) == (at, at + len(value)):
            return rule.accepts(text, at, at + len(value))
    return False


def _redraw(rule: VendorRule, secret: str, rng: random.Random, context: str | None = None) -> str | None:
    """``secret`` with every character after the rule's literal prefix redrawn by class, or None
    when no draw in a few tries satisfies the rule (its regex and :meth:`VendorRule.accepts`) --
    alone, or in ``context`` (the secret's surroundings, for rules that need their keyword)."""
    prefix = literal_prefix(rule.regex)
    if not secret.startswith(prefix):
        prefix = ""
    for _ in range(_TRIES):
        value = prefix + _shape(secret[len(prefix) :], rng)
        if value == secret:
            continue
        if context is None:
            if rule.pattern.fullmatch(value) and rule.accepts(value, 0, len(value)):
                return value
        elif _found(rule, context.replace(secret, value), value):
            return value
    return None


def fake_for_rule(rule: VendorRule, rng: random.Random) -> str | None:
    """A fresh value of ``rule``'s format (its secret redrawn by class), or None when the rule's
    checks (a checksum, say) reject every draw."""
    return _redraw(rule, rule.secret, rng, rule.example)


def fake(rng: random.Random) -> str:
    """A random valid token of a random provider's format (a keyless, checksum-less rule)."""
    rules = _fake_rules()
    while True:
        rule = rng.choice(rules)
        value = _redraw(rule, rule.secret, rng)
        if value is not None:
            return value


def surrogate(secret: str, rng: random.Random) -> str:
    """The same provider's format (the rule that matches ``secret`` whole), fresh characters of the
    same classes; :func:`~.surrogates.vendor_key` when no rule matches it whole."""
    for rule in load_rules():
        if rule.group == 0 and rule.validator is None and rule.pattern.fullmatch(secret):
            value = _redraw(rule, secret, rng)
            if value is not None:
                return value
    return vendor_key(secret, rng)


__all__ = ["fake", "fake_for_rule", "surrogate"]
