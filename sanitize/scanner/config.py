"""What the scanner looks for and what it lets through (:class:`ScanConfig`)."""

from __future__ import annotations

import dataclasses

from ..config import BaseConfig, option
from ..errors import ConfigError


@dataclasses.dataclass
class ScanConfig(BaseConfig):
    """What :func:`sanitize.scan` looks for and what it lets through (see ``sanitize scan --help``)."""

    types: list[str] = option(
        [], help="Secret types to report (empty = every built-in type except ip_address, plus custom rules)."
    )
    exclude_types: list[str] = option([], help="Secret types never to report.")
    include_ip: bool = option(False, help="Also report IPv4 addresses (type ip_address); off by default.")
    min_confidence: float = option(0.0, help="Drop findings whose detector confidence is below this (0..1).")
    rules: str | None = option(
        None,
        help="TOML file of custom rules ([[rules]] id, regex, secret_group, keywords, entropy, validator).",
    )
    allowlist_regexes: list[str] = option(
        [], help="Regexes (RE2 syntax); a finding whose secret value matches one is dropped."
    )
    allowlist_fingerprints: list[str] = option(
        [], help="Fingerprints (hmac-sha256:...) of known non-secrets; matching findings are dropped."
    )
    fingerprint_key: str | None = option(
        None,
        secret=True,
        help="HMAC key for fingerprints (default: $SANITIZE_FINGERPRINT_KEY or the per-user key file). "
        "Anyone holding it can test guesses against fingerprints: do not publish it.",
    )

    def __post_init__(self) -> None:
        from ..detectors import SECRET_TYPES

        for name in ("types", "exclude_types", "allowlist_regexes", "allowlist_fingerprints"):
            value = getattr(self, name)
            if isinstance(value, tuple):
                setattr(self, name, list(value))
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self._fail(name, "must be a list of strings")
        if not self.rules:  # custom rule types are checked once the rules are loaded
            for name in ("types", "exclude_types"):
                unknown = [t for t in getattr(self, name) if t not in SECRET_TYPES]
                if unknown:
                    self._fail(
                        name, f"unknown type(s) {', '.join(unknown)}; known: {', '.join(SECRET_TYPES)}"
                    )
        self._check_range("min_confidence", 0.0, 1.0)
        if not isinstance(self.include_ip, bool):
            self._fail("include_ip", "must be true or false")
        for pattern in self.allowlist_regexes:
            try:
                import re2

                re2.compile(pattern)
            except Exception as exc:  # re2.error is not a subclass of re.error
                raise ConfigError(
                    f"ScanConfig.allowlist_regexes: invalid RE2 regex {pattern!r}: {exc}"
                ) from None
        for fp in self.allowlist_fingerprints:
            if not fp.startswith("hmac-sha256:"):
                self._fail("allowlist_fingerprints", f"{fp!r} is not a fingerprint (hmac-sha256:<hex>)")
