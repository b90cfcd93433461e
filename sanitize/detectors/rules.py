"""Custom rules from TOML, gitleaks-style::

    [[rules]]
    id = "acme-api-key"            # detector name; also the type unless `type` is given
    type = "acme_api_key"          # optional stable secret_type
    regex = '''acme_(?P<secret>[a-z0-9]{32})'''   # RE2 syntax: linear time by construction
    secret_group = "secret"        # optional group holding the secret (name or number; default 0)
    keywords = ["acme_"]           # optional literal triggers; without them the regex is its own trigger
    entropy = 3.0                  # optional Shannon entropy floor (bits/char) for the secret
    validator = "luhn"             # optional, one of VALIDATORS
    confidence = 0.9               # optional, default 1.0

    [allowlist]                    # optional
    regexes = ["^test_"]
    fingerprints = ["hmac-sha256:..."]

With keywords, a match must lie within ``window`` characters (default 256) of a keyword.
Errors name the file and the rule.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from ..checksums import iban_valid, luhn_valid, token_checksum_valid
from ..errors import ConfigError
from .base import RegexDetector, Validator
from .cards import is_card_number
from .filters import is_placeholder
from .keys import jwt_valid


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


VALIDATORS: dict[str, Validator] = {
    "luhn": lambda v, t, s, e: luhn_valid(_digits(v)),
    "credit_card": lambda v, t, s, e: is_card_number(v),
    "iban": lambda v, t, s, e: iban_valid(v),
    "jwt": lambda v, t, s, e: jwt_valid(v),
    "github_checksum": lambda v, t, s, e: token_checksum_valid(v, v[:4]),
    "npm_checksum": lambda v, t, s, e: token_checksum_valid(v, "npm_"),
    "not_placeholder": lambda v, t, s, e: not is_placeholder(v),
}
_FIELDS = {"id", "type", "regex", "secret_group", "keywords", "entropy", "validator", "confidence", "window"}


@dataclasses.dataclass(frozen=True)
class Rules:
    detectors: tuple[RegexDetector, ...]
    allowlist_regexes: tuple[str, ...] = ()
    allowlist_fingerprints: tuple[str, ...] = ()


def load_rules(path: str | os.PathLike[str]) -> Rules:
    """Parse a rules TOML file into detectors (and its optional allowlist)."""
    import re2
    import tomllib

    where = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read rules file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    unknown_top = set(data) - {"rules", "allowlist"}
    if unknown_top:
        raise ConfigError(
            f"{where}: unknown table(s) {', '.join(sorted(unknown_top))}; expected [[rules]], [allowlist]"
        )
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise ConfigError(f"{where}: 'rules' must be an array of tables ([[rules]])")
    detectors = []
    seen: set[str] = set()
    for n, rule in enumerate(rules, 1):
        here = f"{where}: rule {n}"
        if not isinstance(rule, dict):
            raise ConfigError(f"{here}: expected a table")
        rid = rule.get("id")
        if not isinstance(rid, str) or not rid:
            raise ConfigError(f"{here}: field 'id' is required (a non-empty string)")
        here = f"{where}: rule '{rid}'"
        if rid in seen:
            raise ConfigError(f"{here}: duplicate id")
        seen.add(rid)
        extra = set(rule) - _FIELDS
        if extra:
            raise ConfigError(
                f"{here}: unknown field(s) {', '.join(sorted(extra))}; known: {', '.join(sorted(_FIELDS))}"
            )
        detectors.append(_rule_detector(rule, rid, here, re2))
    allow = data.get("allowlist", {})
    if not isinstance(allow, dict):
        raise ConfigError(f"{where}: [allowlist] must be a table")
    regexes, fps = allow.get("regexes", []), allow.get("fingerprints", [])
    for name, values in (("regexes", regexes), ("fingerprints", fps)):
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{where}: allowlist.{name} must be a list of strings")
    for pattern in regexes:
        try:
            re2.compile(pattern)
        except Exception as exc:
            raise ConfigError(f"{where}: allowlist regex {pattern!r} is not valid RE2: {exc}") from None
    return Rules(tuple(detectors), tuple(regexes), tuple(fps))


def _rule_detector(rule: dict[str, Any], rid: str, here: str, re2: Any) -> RegexDetector:
    regex = rule.get("regex")
    if not isinstance(regex, str) or not regex:
        raise ConfigError(f"{here}: field 'regex' is required (a non-empty string)")
    try:
        pattern = re2.compile(regex)
    except Exception as exc:
        raise ConfigError(
            f"{here}: regex is not valid RE2 syntax (no backreferences or lookaround; RE2 keeps "
            f"matching linear-time): {exc}"
        ) from None
    group = rule.get("secret_group", 0)
    names = getattr(pattern, "groupindex", {}) or {}
    if isinstance(group, bool) or not isinstance(group, (int, str)):
        raise ConfigError(f"{here}: 'secret_group' must be a group number or name")
    if isinstance(group, int) and not 0 <= group <= pattern.groups:
        raise ConfigError(
            f"{here}: 'secret_group' {group} out of range (the regex has {pattern.groups} group(s))"
        )
    if isinstance(group, str) and group not in names:
        raise ConfigError(f"{here}: 'secret_group' names no group of the regex")
    keywords = rule.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise ConfigError(f"{here}: 'keywords' must be a list of non-empty strings")
    entropy = rule.get("entropy", 0.0)
    confidence = rule.get("confidence", 1.0)
    window = rule.get("window", 256)
    for name, value, low, high in (
        ("entropy", entropy, 0, 8),
        ("confidence", confidence, 0, 1),
        ("window", window, 0, 1 << 20),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ConfigError(f"{here}: '{name}' must be a number in [{low}, {high}]")
    validator_name = rule.get("validator")
    validator = None
    if validator_name is not None:
        if validator_name not in VALIDATORS:
            raise ConfigError(
                f"{here}: unknown validator {validator_name!r}; known: {', '.join(sorted(VALIDATORS))}"
            )
        validator = VALIDATORS[validator_name]
    secret_type = rule.get("type", rid)
    if not isinstance(secret_type, str) or not secret_type:
        raise ConfigError(f"{here}: 'type' must be a non-empty string")
    return RegexDetector(
        rid, secret_type, keywords=tuple(keywords), trigger=None if keywords else regex,
        before=int(window) if keywords else 0, after=int(window) if keywords else 0, priority=95,
        pattern=pattern, group=group, validator=validator, min_entropy=float(entropy),
        confidence=float(confidence),
    )  # fmt: skip
