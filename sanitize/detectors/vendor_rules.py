"""The vendor rules catalogue: ``data/vendors.toml`` parsed into :class:`VendorRule` objects (one
``[[rules]]`` table per token format: provider, type, RE2 regex, secret group, keywords, entropy
floor, validator, and a synthetic example the tests check), each compiled once per process.

:meth:`VendorRule.accepts` holds the per-rule checks after a regex match (edges, the keyword before
a keyed value, entropy, placeholders, sequential or encrypted values, checksums).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from .base import shannon_entropy
from .filters import is_example_key, is_placeholder
from .hard_negatives import is_encrypted, is_sequential
from .token_checks import bech32_valid, discord_bot_valid

try:  # Python 3.11+: the regex parser (used for literal prefixes and widths) moved
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

DATA_FILE = "vendors.toml"
DEFAULT_TYPE = "vendor_token"
DEFAULT_WINDOW = 48  # characters between a keyword's start and the value it names
MAX_MATCH = 1600  # no rule may match more than this many characters (bounded quantifiers only)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_RIGHT_EDGE = _WORD | {"-"}  # a token followed by one of these is part of something longer
_KEYED_EDGE = _WORD | set("-+/")  # a bare hex/UUID value inside a longer token is not one
_OPERATOR = re.compile(r"[=:>,(|]|\bis\b|\bas\b")  # between a keyword and its value
_PROSE_KEY = re.compile(r"^[\w .\"'-]{0,40}\s$")  # "Heroku API key 0123..." (a key word, then the value)
_KEY_WORD = re.compile(r"key|token|secret|api|pass|auth|cred")
_FIELDS = {
    "id", "provider", "type", "regex", "secret_group", "keywords", "window", "trigger", "before",
    "entropy", "validator", "confidence", "example", "secret",
}  # fmt: skip

VALIDATORS: dict[str, Callable[[str], bool]] = {"bech32": bech32_valid, "discord_bot": discord_bot_valid}

# --- rules ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VendorRule:
    id: str
    provider: str
    secret_type: str
    regex: str
    group: int
    keywords: tuple[str, ...]
    window: int
    trigger: str | None  # None for keyword rules
    before: int
    max_len: int
    entropy: float
    validator: Callable[[str], bool] | None
    confidence: float
    example: str
    secret: str
    keyword_pattern: str | None = None  # regex over the lower-cased text before a value (compiled on use)
    literal: str | None = None  # the trigger, when it is a literal: the rule runs only around it

    @functools.cached_property
    def pattern(self) -> Any:
        """The RE2-compiled regex, compiled when the rule first runs (most rules never do in a
        process: compiling all 300 was a fifth of the package's import time)."""
        import re2

        return re2.compile(self.regex)

    def accepts(self, text: str, s: int, e: int) -> bool:
        """Whether ``text[s:e]``, matched by this rule, is a secret of it (edges, keyword, filters)."""
        edge = _KEYED_EDGE if self.keywords else _WORD
        if (s > 0 and text[s - 1] in edge) or (e < len(text) and text[e] in _RIGHT_EDGE):
            return False
        value = text[s:e]
        if self.keyword_pattern is not None and not self._keyword_before(text, s):
            return False
        if self.entropy and shannon_entropy(value) < self.entropy:
            return False
        if is_placeholder(value) or is_example_key(value) or is_sequential(value) or is_encrypted(value):
            return False
        return self.validator is None or self.validator(value)

    def _keyword_before(self, text: str, s: int) -> bool:
        lo = max(0, s - self.window)
        segment = text[lo:s].lower()
        for m in _compiled(self.keyword_pattern).finditer(segment):  # type: ignore[arg-type]
            between = segment[m.end() :]
            if between.count("\n") > 2:
                continue
            if _OPERATOR.search(between) or (_PROSE_KEY.match(between) and _KEY_WORD.search(between)):
                return True
        return False


@functools.cache
def _compiled(regex: str) -> re.Pattern[str]:
    """A keyword pattern, compiled the first time a rule needs it (most never do in a process:
    compiling all of them was a fifth of the package's import time)."""
    return re.compile(regex)


@functools.lru_cache(maxsize=4096)
def _parsed(regex: str) -> Any:
    return sre_parse.parse(regex)  # the slow part of loading the catalogue: parse each regex once


def literal_prefix(regex: str) -> str:
    prefix = []
    for op, av in _parsed(regex):
        if op is not sre_constants.LITERAL:
            break
        prefix.append(chr(av))
    return "".join(prefix)


def _max_width(regex: str) -> int:
    return int(_parsed(regex).getwidth()[1])


def _rule(raw: dict[str, Any]) -> VendorRule:
    rid = raw.get("id")
    where = f"{DATA_FILE}: rule {rid!r}"
    extra = set(raw) - _FIELDS
    if extra:
        raise ValueError(f"{where}: unknown field(s) {sorted(extra)}")
    for name in ("id", "provider", "regex", "example", "secret"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise ValueError(f"{where}: field {name!r} is required (a non-empty string)")
    regex = raw["regex"]
    group = raw.get("secret_group", 0)
    if isinstance(group, str):  # RE2 numbers groups as Python does
        group = _parsed(regex).state.groupdict[group]
    max_len = _max_width(regex)
    if max_len > MAX_MATCH:
        raise ValueError(
            f"{where}: the regex may match {max_len} characters (unbounded?); at most {MAX_MATCH}"
        )
    keywords = tuple(k.lower() for k in raw.get("keywords", ()))
    validator = raw.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise ValueError(f"{where}: unknown validator {validator!r}; known: {sorted(VALIDATORS)}")
    trigger = raw.get("trigger")
    if not keywords and trigger is None:
        prefix = literal_prefix(regex)
        if len(prefix) < 4:
            raise ValueError(f"{where}: a literal prefix of 4+ characters or an explicit trigger is required")
        trigger = re.escape(prefix)
    keyword_pattern = "|".join(re.escape(k) for k in keywords) if keywords else None
    literal = None
    if not keywords and trigger is not None and re.escape(literal_prefix(trigger)) == trigger:
        literal = literal_prefix(trigger)
    return VendorRule(
        id=rid, provider=raw["provider"], secret_type=raw.get("type", DEFAULT_TYPE), regex=regex,
        group=group, keywords=keywords, window=int(raw.get("window", DEFAULT_WINDOW)),
        trigger=None if keywords else trigger, before=int(raw.get("before", 0)), max_len=max_len,
        entropy=float(raw.get("entropy", 3.0 if keywords else 2.5)),
        validator=VALIDATORS[validator] if validator else None,
        confidence=float(raw.get("confidence", 0.9 if keywords else 1.0)), example=raw["example"],
        secret=raw["secret"], keyword_pattern=keyword_pattern, literal=literal,
    )  # fmt: skip


@functools.lru_cache(maxsize=1)
def load_rules() -> tuple[VendorRule, ...]:
    """Every rule of the packaged ``data/vendors.toml``, parsed once per process (each regex is
    compiled when its rule first runs)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    raw = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    rules = tuple(_rule(r) for r in tomllib.loads(raw)["rules"])
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{DATA_FILE}: duplicate rule ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return rules


__all__ = ["DEFAULT_TYPE", "MAX_MATCH", "VALIDATORS", "VendorRule", "load_rules"]


def providers_markdown() -> str:
    """The provider table of ``docs/providers.md`` (kept in sync by a test): one row per provider,
    its secret type(s) and each format's literal prefix (or "keyword + shape")."""
    by_provider: dict[str, list[VendorRule]] = {}
    for r in load_rules():
        by_provider.setdefault(r.provider, []).append(r)
    lines = [
        "# Vendor token providers",
        "",
        f"Generated from `sanitize/detectors/data/vendors.toml` ({len(load_rules())} formats, "
        f"{len(by_provider)} providers) by `sanitize.detectors.vendor_rules.providers_markdown()`.",
        "A format with a literal prefix is found anywhere; a keyed format (UUID, hex or base62 shape) only",
        "just after one of its provider's keywords and an assignment or separator.",
        "",
        "| provider | type | formats |",
        "|---|---|---|",
    ]
    for name in sorted(by_provider):
        rules = by_provider[name]
        types = ", ".join(sorted({f"`{r.secret_type}`" for r in rules}))
        shapes = []
        for r in rules:
            prefix = literal_prefix(r.regex)
            shape = f"`{prefix}…`" if len(prefix) >= 3 else ("keyword + shape" if r.keywords else "shape")
            shapes.append(f"{r.id} ({shape})".replace("|", "\\|"))
        lines.append(f"| {name} | {types} | {'; '.join(shapes)} |")
    return "\n".join(lines) + "\n"
