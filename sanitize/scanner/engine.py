"""The compiled scanner: every selected detector behind one keyword automaton and one RE2 trigger.

Per document, two cheap passes decide where to look, then only the triggered detectors run, and
only on windows around their triggers (see :mod:`sanitize.detectors.base` for the contract):

1. one Aho-Corasick pass (pyahocorasick) over the lower-cased text for every detector keyword
   (``password``, ``secret``, ``ssn`` ...);
2. one RE2 pass for the detectors triggered by a shape (token prefixes such as ``ghp_``/``AKIA``,
   digit runs for cards/phones/SSNs, ``x@y.`` for e-mail); RE2 is linear-time and, when matches
   are rare, runs at hundreds of MB/s.

Candidates then go through each detector's validator (checksums, filters), overlapping findings
are resolved by detector priority (a GitHub token beats the ``password`` it is assigned to), the
allowlists are applied, and every remaining occurrence becomes a :class:`~sanitize.types.Finding`
with a keyed fingerprint and a masked preview -- never the plaintext.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..detectors import DETECTORS, SECRET_TYPES, Detector
from ..errors import ConfigError
from ..fingerprint import fingerprint_key, fingerprint_secret, mask_secret
from ..types import Finding
from .config import ScanConfig

_NEIGHBOURHOOD = 32  # longer than any keyword: keywords overlapping an RE2 match are all seen
_RE2_SPECIAL = frozenset("\\.^$*+?()[]{}|-#&~")


def _re2_literal(word: str) -> str:
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in word)


FINDING_COLUMNS = ("doc", "start", "end", "type", "detector", "confidence", "fingerprint", "preview")


class Scanner:
    """Detectors selected by a :class:`ScanConfig`, compiled into one keyword automaton and one
    RE2 trigger pattern. Build once, then call :meth:`scan_text` per document."""

    def __init__(self, config: ScanConfig | None = None, detectors: Iterable[Detector] | None = None) -> None:
        """``detectors``: the built-in detectors to select from (default: all of them,
        :data:`~sanitize.detectors.DETECTORS`; a benchmark passes a subset to compare)."""
        import ahocorasick
        import re2

        self.config = config = config or ScanConfig()
        allow_regexes = list(config.allowlist_regexes)
        allow_fps = set(config.allowlist_fingerprints)
        custom: tuple[Detector, ...] = ()
        if config.rules:
            from ..detectors.rules import load_rules

            rules = load_rules(config.rules)
            custom = rules.detectors
            allow_regexes += rules.allowlist_regexes
            allow_fps |= set(rules.allowlist_fingerprints)
        builtin = DETECTORS if detectors is None else tuple(detectors)
        known = set(SECRET_TYPES) | {d.secret_type for d in custom}
        for name in ("types", "exclude_types"):
            unknown = [t for t in getattr(config, name) if t not in known]
            if unknown:
                raise ConfigError(
                    f"ScanConfig.{name}: unknown type(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
                )
        wanted = set(config.types) if config.types else None
        excluded = set(config.exclude_types)
        if wanted is None:
            wanted = {d.secret_type for d in (*builtin, *custom) if d.default or d in custom}
            if config.include_ip:
                wanted.add("ip_address")
        self.detectors: tuple[Detector, ...] = tuple(
            d for d in (*builtin, *custom) if d.secret_type in wanted and d.secret_type not in excluded
        )
        # keyword automaton: lower-cased keyword -> (length, detector indices)
        by_keyword: dict[str, list[int]] = {}
        groups: dict[str, tuple[dict[str, list[int]], set[str]]] = {}  # pass -> (triggers, keywords)
        for i, d in enumerate(self.detectors):
            words = groups.setdefault(d.keyword_pass, ({}, set()))[1]
            for k in d.keywords:
                by_keyword.setdefault(k.lower(), []).append(i)
                words.add(k.lower())
            if d.trigger:
                groups.setdefault(d.trigger_pass, ({}, set()))[0].setdefault(d.trigger, []).append(i)
        self._automaton = None
        if by_keyword:
            automaton = ahocorasick.Automaton()
            for k, idx in by_keyword.items():
                automaton.add_word(k, (len(k), tuple(idx)))
            automaton.make_automaton()
            self._automaton = automaton
        # Per prefilter pass (Detector.trigger_pass, .keyword_pass), one RE2 pattern over the UTF-8 bytes finds its
        # shape triggers and one its keywords (case-insensitively): RE2's DFA stays small when
        # unlike shapes (digit runs, token prefixes, provider names) are searched in separate passes.
        # RE2 reports non-overlapping matches, so around each keyword match the keyword automaton is
        # run on a small neighbourhood (keywords that overlap it are not lost) and the shape families
        # are tested at each shape match's start (RE2's group lookups are slow from Python).
        self._shapes: list[tuple[Any, Callable[[str, int], list[int]]]] = []
        self._keywords: list[Any] = []
        self._families: list[tuple[Any, tuple[int, ...]]] = []  # every group's, in group order
        for _, (triggers, words) in sorted(groups.items()):
            if triggers:
                families: list[tuple[Any, tuple[int, ...]]] = []
                for pattern, idx in triggers.items():
                    try:
                        families.append((re.compile(pattern), tuple(idx)))
                    except re.error:  # a custom rule in RE2-only syntax
                        families.append((re2.compile(pattern), tuple(idx)))
                shapes = re2.compile("|".join(f"(?:{p})" for p in triggers).encode())
                self._shapes.append((shapes, _dispatcher(families)))
                self._families += families
            if words:
                alternation = (
                    "(?i:" + "|".join(_re2_literal(k) for k in sorted(words, key=len, reverse=True)) + ")"
                )
                # a run of keywords close together is one match (a flood of "@" is not a million matches)
                self._keywords.append(re2.compile(f"{alternation}(?:.{{0,24}}{alternation})*".encode()))
        self._allow = [re2.compile(p) for p in allow_regexes]
        self._allow_fps = allow_fps
        self._key = fingerprint_key(config.fingerprint_key)
        self._min_confidence = config.min_confidence

    def __repr__(self) -> str:
        return f"Scanner(detectors={len(self.detectors)}, types={sorted({d.secret_type for d in self.detectors})})"

    def spans(self, text: str) -> list[tuple[int, int, float, Detector]]:
        """(start, end, confidence, detector) of every secret in ``text``, sorted, overlaps resolved."""
        windows: dict[int, list[tuple[int, int]]] = {}
        detectors = self.detectors
        ascii_text = text.isascii()
        data = text.encode("utf-8")
        for shapes, dispatch in self._shapes:  # token shapes and digit runs -> the families matching there
            for s, e in _char_spans(shapes.finditer(data), data, ascii_text):
                for i in dispatch(text, s):
                    d = detectors[i]
                    windows.setdefault(i, []).append((s - d.before, e + d.after))
        automaton = self._automaton
        for keywords in self._keywords:  # keyword runs -> every keyword in and around them
            for s, e in _char_spans(keywords.finditer(data), data, ascii_text):
                lo = max(0, s - _NEIGHBOURHOOD)
                region = text[lo : e + _NEIGHBOURHOOD]
                # ASCII-only lower-casing keeps offsets (str.lower() turns some characters into two)
                low = region.lower() if ascii_text else region.encode("utf-8").lower().decode("utf-8")
                for last, (length, idx) in automaton.iter(low):
                    first = lo + last + 1 - length
                    for i in idx:
                        d = detectors[i]
                        windows.setdefault(i, []).append((first - d.before, lo + last + 1 + d.after))
        if not windows:
            return []
        n = len(text)
        found: list[tuple[int, int, float, Detector]] = []
        for i, spans in windows.items():
            d = detectors[i]
            spans.sort()
            ws, we = spans[0]
            for s, e in spans[1:]:
                if s <= we:
                    we = max(we, e)
                    continue
                found.extend((a, b, c, d) for a, b, c in d.find(text, max(ws, 0), min(we, n)))
                ws, we = s, e
            found.extend((a, b, c, d) for a, b, c in d.find(text, max(ws, 0), min(we, n)))
        return _resolve_overlaps(found) if len(found) > 1 else found

    def scan_text(self, text: str, doc: int = 0) -> list[tuple[Finding, str]]:
        """Findings (with their plaintext, for the caller to drop or reveal) in one document."""
        out = []
        for s, e, confidence, d in self.spans(text):
            if confidence < self._min_confidence:
                continue
            value = text[s:e]
            if self._allow and any(r.search(value) for r in self._allow):
                continue
            fp = fingerprint_secret(value, self._key)
            if fp in self._allow_fps:
                continue
            finding = Finding(
                doc, s, e, d.secret_type, d.name, confidence, fp, mask_secret(value, d.secret_type)
            )
            out.append((finding, value))
        return out


def _dispatcher(families: list[tuple[Any, tuple[int, ...]]]) -> Callable[[str, int], list[int]]:
    """``dispatch(text, s)``: the detector indices of every family whose trigger matches at ``s``,
    in family order.

    One Python-re match tests the families at once: each is a lookahead that captures when it
    matches, ``(?:(?=(TRIGGER))|)``, so a match start costs one call rather than one per family
    (a flood of one shape stays cheap). Families that cannot be combined safely -- RE2-only custom
    syntax, or a pattern with backreferences, which renumbering would change -- are matched alone.
    """
    plan: list[tuple[int, Any, tuple[int, ...]]] = []  # (group in the combined pattern or 0, pattern, idx)
    combined: list[str] = []
    group = 1
    for pattern, idx in families:
        source = getattr(pattern, "pattern", None)
        if isinstance(pattern, re.Pattern) and isinstance(source, str) and not _BACKREF.search(source):
            combined.append(f"(?:(?=({source}))|)")
            plan.append((group, pattern, idx))
            group += 1 + pattern.groups
        else:
            plan.append((0, pattern, idx))
    every = None
    if combined:
        try:
            every = re.compile("".join(combined))
        except re.error:  # e.g. one group name in two custom triggers: match each family alone
            plan = [(0, pattern, idx) for pattern, idx in families]

    def dispatch(text: str, s: int) -> list[int]:
        regs = every.match(text, s).regs if every is not None else ()  # type: ignore[union-attr]  # always matches
        out: list[int] = []
        for g, pattern, idx in plan:
            if (regs[g][0] >= 0) if g else (pattern.match(text, s) is not None):
                out.extend(idx)
        return out

    return dispatch


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")  # numbered or named backreference (conservative)


def _char_spans(matches: Iterable[Any], data: bytes, ascii_text: bool) -> Iterator[tuple[int, int]]:
    """Character spans of RE2 matches over ``data`` (the text's UTF-8 bytes). google-re2's str API
    converts offsets for every match, which is slow; here only matches of non-ASCII text are
    converted, resuming from the previous match (linear overall)."""
    byte_at = char_at = 0
    for m in matches:
        s, e = m.span()
        if not ascii_text:
            char_at += len(data[byte_at:s].decode("utf-8"))
            byte_at = s
            s, e = char_at, char_at + len(data[s:e].decode("utf-8"))
        yield s, e


def _resolve_overlaps(
    found: list[tuple[int, int, float, Detector]],
) -> list[tuple[int, int, float, Detector]]:
    """Keep every non-overlapping span; where spans overlap keep the higher-priority detector's
    (then the longer span). Identical spans of one type are one finding."""
    found.sort(key=lambda f: (f[0], -f[3].priority, f[0] - f[1]))
    kept: list[tuple[int, int, float, Detector]] = []
    for f in found:
        if kept and f[0] < kept[-1][1]:
            last = kept[-1]
            if (f[3].priority, f[1] - f[0]) > (last[3].priority, last[1] - last[0]):
                kept[-1] = f
            continue
        kept.append(f)
    return kept


_SCANNERS: dict[tuple[str, bytes], Scanner] = {}  # (config JSON, resolved key) -> scanner
_MAX_SCANNERS = 8


def get_scanner(config: ScanConfig | None = None) -> Scanner:
    """A compiled :class:`Scanner` for ``config``, cached per process (so batched maps reuse it).

    The resolved fingerprint key is part of the cache key (the config's JSON never holds it: it is
    a secret field): a changed ``$SANITIZE_FINGERPRINT_KEY`` or key file must not keep
    fingerprinting with the old key.
    """
    config = config or ScanConfig()
    cache_key = (config.to_json(), fingerprint_key(config.fingerprint_key))
    scanner = _SCANNERS.get(cache_key)
    if scanner is None:
        scanner = Scanner(config)
        if len(_SCANNERS) >= _MAX_SCANNERS:
            _SCANNERS.pop(next(iter(_SCANNERS)))
        _SCANNERS[cache_key] = scanner
    return scanner
