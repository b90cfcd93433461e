"""Detector registry: every built-in detector, by stable ``secret_type``.

One small module per family: :mod:`.cards`, :mod:`.keys` (API keys and tokens), :mod:`.passwords`,
:mod:`.private_keys`, :mod:`.pii` (email, phone, IBAN, SSN, IP), :mod:`.entropy` (generic secrets),
:mod:`.formats` and :mod:`.assignments` (real-world credential formats), :mod:`.vendors` (provider
tokens from ``data/vendors.toml``);
pure hard-negative predicates live in :mod:`.filters`, custom TOML rules in :mod:`.rules`.
:mod:`.specs` holds one :class:`SecretSpec` per type (its detectors, validity rule, :mod:`.fakes`
value generator and :mod:`.surrogates` replacement), the single description of each type.
"""

from __future__ import annotations

from . import cards, entropy, formats, keys, passwords, pii, private_keys, vendors
from .base import Detector, RegexDetector
from .specs import SPECS, SecretSpec

DETECTORS: tuple[Detector, ...] = (
    *private_keys.DETECTORS,
    *keys.DETECTORS,
    *cards.DETECTORS,
    *pii.DETECTORS,
    *passwords.DETECTORS,
    *entropy.DETECTORS,
    *formats.all_detectors(),  # SQL, connection strings, curl, HTTP auth, assignment syntaxes, k8s...
    *vendors.all_detectors(),  # data/vendors.toml: one detector per type, 200+ providers
)
# The documented type names, in the order the README lists them (the spec table's order).
SECRET_TYPES: tuple[str, ...] = tuple(SPECS)
DEFAULT_TYPES: tuple[str, ...] = tuple(t for t, spec in SPECS.items() if spec.default)  # not ip_address

assert sorted(DETECTORS, key=id) == sorted((d for s in SPECS.values() for d in s.detectors), key=id), (
    "every detector belongs to exactly one spec"
)
assert all(d.secret_type == s.type for s in SPECS.values() for d in s.detectors), "a spec lists another type"

__all__ = ["DEFAULT_TYPES", "DETECTORS", "SECRET_TYPES", "SPECS", "Detector", "RegexDetector", "SecretSpec"]
