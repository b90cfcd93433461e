"""Vendor tokens, data-driven: ``data/vendors.toml`` lists each provider's token formats (one
``[[rules]]`` table per format: provider, type, RE2 regex, secret group, keywords, entropy floor,
validator, and a synthetic example the tests check).

One :class:`VendorDetector` per secret type (``vendor_token`` for most providers; a few formats
belong to an existing type such as ``gitlab_token``). Each compiles its rules once into an RE2
``Set`` (which rules match in a window, in one linear pass) and runs only those rules' own RE2
patterns, so matching stays linear-time. Its trigger is one regex over every rule's literal prefix
(shaped as a trie, so the scanner's dispatch rejects a position in a few character tests); rules
whose shape alone is not distinctive (UUIDs, hex) trigger on their keywords instead and must have
one just before the value, followed by an assignment or a separator.

The provider of a finding: :meth:`VendorDetector.rule_for` (or :func:`provider_of`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from typing import Any

from .base import Detector, Span
from .token_checks import bech32_valid, discord_bot_valid
from .vendor_rules import DEFAULT_TYPE, DEFAULT_WINDOW, MAX_MATCH, VendorRule, load_rules

_TRIGGER_REPEAT_CAP = 16  # counted repetitions in triggers are capped (many long ones blow up RE2's DFA)


def _cap_repeats(trigger: str) -> str:
    """``ab[0-9]{40}-x`` -> ``ab[0-9]{16}``: the first long counted repetition outside any group is
    capped and what follows it dropped (a trigger may match more than its rule, never less)."""
    depth = 0
    for m in re.finditer(r"\\.|[()]|\{(\d+)(?:,\d+)?\}", trigger):
        token = m.group()
        depth += (token == "(") - (token == ")")
        if m.group(1) and depth == 0 and int(m.group(1)) > _TRIGGER_REPEAT_CAP:
            return trigger[: m.start()] + f"{{{_TRIGGER_REPEAT_CAP}}}"
    return trigger


def _trie_regex(words: list[str]) -> str:
    """One alternation of literal ``words`` shaped as a trie: ``glpat-|glrt-`` -> ``gl(?:pat-|rt-)``."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [("" if ch == "" else re.escape(ch) + emit(child)) for ch, child in sorted(node.items())]
        if len(alts) == 1:
            return alts[0]
        optional = "" in node
        alts = [a for a in alts if a]
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if optional else body

    return emit(trie)


def _combined_trigger(rules: tuple[VendorRule, ...]) -> str | None:
    literals, shapes = [], []
    for r in rules:
        if r.trigger is None:
            continue
        if r.literal is not None:  # the trigger is a literal (VendorRule.literal)
            literals.append(r.literal)
        else:
            shapes.append(_cap_repeats(r.trigger))
    alts = ([_trie_regex(sorted(set(literals)))] if literals else []) + sorted(set(shapes))
    return "|".join(alts) if alts else None


@dataclasses.dataclass(frozen=True)
class _Candidates:
    """Which rules may match where in a window, from three RE2 scans of it: the rules' literal
    prefixes (a trie), their shape triggers (one group each) and their keywords (lower-cased text).
    (An RE2 ``Set`` of the full rules falls back to the NFA on base64-like text: ~50 s per MB.)"""

    literals: Any  # re2 pattern over the literal prefixes, or None
    by_literal: dict[str, tuple[int, ...]]
    shapes: Any  # re2 pattern "(t1)|(t2)|...", or None
    shape_rules: tuple[int, ...]
    shape_triggers: tuple[Any, ...]  # each shape trigger alone (several may match at one place)
    keywords: Any  # re2 pattern over the keywords, or None
    by_keyword: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, rules: tuple[VendorRule, ...]) -> _Candidates:
        import re2

        by_literal: dict[str, list[int]] = {}
        by_keyword: dict[str, list[int]] = {}
        shapes, shape_rules = [], []
        for i, r in enumerate(rules):
            if r.literal is not None:
                by_literal.setdefault(r.literal, []).append(i)
            elif r.trigger is not None:
                shapes.append("(" + _cap_repeats(r.trigger) + ")")
                shape_rules.append(i)
            for k in r.keywords:
                by_keyword.setdefault(k, []).append(i)
        literals = re2.compile(_trie_regex(sorted(by_literal)).encode()) if by_literal else None
        keywords = re2.compile(_trie_regex(sorted(by_keyword)).encode()) if by_keyword else None
        return cls(
            literals, {k: tuple(v) for k, v in by_literal.items()},
            re2.compile("|".join(shapes).encode()) if shapes else None, tuple(shape_rules),
            tuple(re2.compile(t[1:-1].encode()) for t in shapes), keywords, {k: tuple(v) for k, v in by_keyword.items()},
        )  # fmt: skip

    def regions(self, rules: tuple[VendorRule, ...], data: bytes, low: bytes) -> dict[int, tuple[int, int]]:
        """Rule index -> the ``(start, end)`` byte range of ``data`` where it may match: from its
        first trigger (or keyword) to its last, plus the rule's reach. Python looks at a bounded
        number of trigger hits; past that (a flood) each literal is located with ``find``/``rfind``."""
        hits: dict[int, tuple[int, int]] = {}  # rule -> (first, last) trigger start (keyword end)
        for pattern, table, text, at_end in (
            (self.literals, self.by_literal, data, False),
            (self.keywords, self.by_keyword, low, True),
        ):
            if pattern is None:
                continue
            seen: dict[str, tuple[int, int]] = {}
            for n, m in enumerate(pattern.finditer(text)):
                if n == _FLOOD:
                    seen = _first_last(text, table, at_end)
                    break
                g, at = m.group().decode("utf-8"), m.end() if at_end else m.start()
                seen[g] = (seen.get(g, (at, at))[0], at)
            for found, (first, last) in seen.items():
                for k in range(1, len(found) + 1):  # the literal and every shorter one it extends
                    for i in table.get(found[:k], ()):
                        f, la = hits.get(i, (first, last))
                        hits[i] = (min(f, first), max(la, last))
        if self.shapes is not None and self.shapes.search(data) is not None:
            for j, i in enumerate(self.shape_rules):  # several shapes may match at one place
                m = self.shape_triggers[j].search(data)
                if m is not None:
                    hits[i] = (m.start(), len(data))
        out = {}
        for i, (first, last) in hits.items():
            r = rules[i]
            lo = first if r.keywords else first - r.before
            hi = last + (r.window + r.max_len if r.keywords else r.max_len)
            out[i] = (max(0, lo), min(len(data), hi))
        return out


_FLOOD = 64  # trigger hits per window looked at one by one


def _first_last(text: bytes, table: dict[str, tuple[int, ...]], at_end: bool) -> dict[str, tuple[int, int]]:
    out = {}
    for literal in table:
        word = literal.encode("utf-8")
        first = text.find(word)
        if first >= 0:
            shift = len(word) if at_end else 0
            out[literal] = (first + shift, text.rfind(word) + shift)
    return out


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class VendorDetector(Detector):
    """Every vendor rule of one secret type; :meth:`find` yields the spans of their secrets."""

    rules: tuple[VendorRule, ...] = ()

    @functools.cached_property
    def candidates(self) -> _Candidates:
        """Built when the detector first runs (its RE2 tries cost a few ms of every start-up)."""
        return _Candidates.build(self.rules)

    @classmethod
    def build(cls, secret_type: str, rules: tuple[VendorRule, ...]) -> VendorDetector:
        keywords = tuple(sorted({k for r in rules for k in r.keywords}))
        after = max(r.max_len + (r.window if r.keywords else 0) for r in rules)
        return cls(
            name=secret_type.replace("_", "-") + ("" if secret_type == DEFAULT_TYPE else "-vendor"),
            secret_type=secret_type, keywords=keywords, trigger=_combined_trigger(rules),
            before=max(r.before for r in rules), after=after, priority=92, rules=rules,
            trigger_pass="vendors", keyword_pass="vendors",
        )  # fmt: skip

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        for s, e, confidence, _ in self.find_rules(text, start, end):
            yield s, e, confidence

    def find_rules(self, text: str, start: int, end: int) -> Iterator[tuple[int, int, float, VendorRule]]:
        """``(start, end, confidence, rule)`` of each secret in ``text[start:end]``.

        RE2 runs on the window's UTF-8 bytes (google-re2 would otherwise re-encode its input and
        convert offsets on every call); each rule runs only where its trigger or keyword is."""
        window = text[start:end]
        ascii_window = window.isascii()
        data = window.encode("utf-8")
        seen: set[tuple[int, int]] = set()
        for i, (a, b) in sorted(self.candidates.regions(self.rules, data, data.lower()).items()):
            rule = self.rules[i]
            for m in rule.pattern.finditer(data[a:b] if (a, b) != (0, len(data)) else data):
                s, e = m.span(rule.group)
                if s < 0 or e <= s:
                    continue
                s, e = s + a, e + a
                if not ascii_window:  # byte offsets -> character offsets
                    s, e = (
                        len(data[:s].decode("utf-8", "ignore")),
                        len(data[:e].decode("utf-8", "ignore")),
                    )
                s, e = s + start, e + start
                if (s, e) not in seen and rule.accepts(text, s, e):
                    seen.add((s, e))
                    yield s, e, rule.confidence, rule

    def rule_for(self, text: str, start: int, end: int) -> VendorRule | None:
        """The rule (and so the provider) that found the secret ``text[start:end]``."""
        lo = max(0, start - self.before - DEFAULT_WINDOW - 64)
        for s, e, _, rule in self.find_rules(text, lo, min(len(text), end + 64)):
            if (s, e) == (start, end):
                return rule
        return None

    def __repr__(self) -> str:
        return f"VendorDetector({self.name!r}, type={self.secret_type!r}, rules={len(self.rules)})"


def all_detectors() -> list[Detector]:
    """One :class:`VendorDetector` per secret type named in the rules file (``vendor_token`` first)."""
    return list(_detectors())


@functools.lru_cache(maxsize=1)
def _detectors() -> tuple[VendorDetector, ...]:
    by_type: dict[str, list[VendorRule]] = {}
    for r in load_rules():
        by_type.setdefault(r.secret_type, []).append(r)
    order = sorted(by_type, key=lambda t: (t != DEFAULT_TYPE, t))
    return tuple(VendorDetector.build(t, tuple(by_type[t])) for t in order)


def provider_of(text: str, start: int, end: int) -> str | None:
    """The provider whose rule found ``text[start:end]`` (``None`` if no vendor rule did)."""
    for d in _detectors():
        rule = d.rule_for(text, start, end)
        if rule is not None:
            return rule.provider
    return None


__all__ = [
    "DEFAULT_TYPE", "MAX_MATCH", "VendorDetector", "VendorRule", "all_detectors", "bech32_valid",
    "discord_bot_valid", "load_rules", "provider_of",
]  # fmt: skip
