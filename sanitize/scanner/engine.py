"""The compiled scanner: every selected detector behind one keyword automaton and two RE2 passes.

Per document, cheap passes decide where to look, then only the triggered detectors run, and only
on windows around their triggers (see :mod:`sanitize.detectors.base` for the contract):

1. one RE2 pass for the detectors triggered by a shape (token prefixes such as ``ghp_``/``AKIA``,
   digit runs for cards/phones/SSNs, ``x@y.`` for e-mail); each match's shape families are then
   told apart by one Python-re match (:mod:`.dispatch`);
2. one RE2 pass for every detector keyword (``password``, ``secret``, ``ssn`` ...), then one
   Aho-Corasick pass (pyahocorasick) over the lower-cased neighbourhood of each keyword run, which
   says which keywords and so which detectors. RE2 is linear-time and, when matches are rare,
   runs at hundreds of MB/s.

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
from .dispatch import dispatcher, prefix_trigger
from .markup import decoded_view

_DFA_MEMORY = 64 << 20  # RE2's budget for the prefilter (its DFA states are built lazily, ~25 MB used)
# Which RE2 passes look for a detector's trigger or keywords (Detector.trigger_pass/.keyword_pass);
# a pass name mapped to its own name gets passes of its own. Each name gets two passes, its shapes and
# its keyword runs: in one pattern the shapes' counted repetitions and the keyword alternation made a
# product automaton whose DFA states RE2 kept building through 20 MB (0.99 s first pass, 0.51 s warm);
# apart, 0.50 s and 0.35 s (stop 36). The vendor catalogue's passes apart (4 passes) measured 0.41-0.43 s warm
# against 0.32-0.38 s; digit shapes apart (3 passes) 0.36 s: no gain.
_PREFILTER: dict[str, str] = {"": "", "digits": "", "vendors": ""}
_FLOOD = 2048  # touching keyword neighbourhoods longer than this (merged in _keyword_pass) are a flood
_TRIGGER_REACH = 256  # longer than the fixed part of any shape trigger: what a search inside a match needs
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
        triggers: dict[str, dict[str, list[int]]] = {}  # RE2 pass -> shape trigger -> detector indices
        words: dict[str, set[str]] = {}  # RE2 pass -> keywords
        for i, d in enumerate(self.detectors):
            group = words.setdefault(_PREFILTER.get(d.keyword_pass, ""), set())
            for k in d.keywords:
                by_keyword.setdefault(k.lower(), []).append(i)
                group.add(k.lower())
            if d.trigger:
                triggers.setdefault(_PREFILTER.get(d.trigger_pass, ""), {}).setdefault(d.trigger, []).append(
                    i
                )
        self._automaton = None
        if by_keyword:
            automaton = ahocorasick.Automaton()
            for k, idx in by_keyword.items():
                # (length, (detector, before, after) of every detector each hit opens a window for,
                #  (follow regex, its detectors) pairs: those open one only where it matches)
                ds = [(i, self.detectors[i].before, self.detectors[i].after) for i in idx]
                plain = tuple(x for x in ds if self.detectors[x[0]].follow is None)
                guarded: dict[Any, list[tuple[int, int, int]]] = {}
                for x in ds:
                    if self.detectors[x[0]].follow is not None:
                        guarded.setdefault(self.detectors[x[0]].follow, []).append(x)
                automaton.add_word(k, (len(k), plain, *_follows(guarded)))
            automaton.make_automaton()
            self._automaton = automaton
        # around a match the automaton looks this far: a keyword overlapping the match is always seen
        self._reach = max((len(k) for k in by_keyword), default=0) + 1
        # Two RE2 passes over the UTF-8 bytes (see _PREFILTER): one finds every shape trigger, the other
        # every keyword (case-insensitively; a run of keywords close together is one match, so a flood
        # of "key=" is one match, not a million). RE2 reports non-overlapping matches, so every shape
        # family is tested at a shape match's start (Python re: RE2's group lookups are slow from
        # Python), shape triggers starting inside a longer match are searched for there, and around each
        # keyword run the keyword automaton runs on a small neighbourhood (keywords across it are not lost).
        options = re2.Options()
        options.max_mem = _DFA_MEMORY
        self._families: list[tuple[Any, tuple[int, ...]]] = []
        # (RE2 pattern, its shapes alone or None, dispatch or None): a shape pass dispatches its matches
        # and looks for shapes a longer match swallowed; a keyword pass (dispatch None) feeds the automaton
        self._passes: list[tuple[Any, Any, Callable[[str, int], list[tuple[int, int]]] | None]] = []
        for name in sorted(set(triggers) | set(words)):
            families: list[tuple[Any, tuple[int, ...]]] = []
            for pattern, idx in triggers.get(name, {}).items():
                try:
                    families.append((re.compile(pattern), tuple(idx)))
                except re.error:  # a custom rule in RE2-only syntax
                    families.append((re2.compile(pattern), tuple(idx)))
            self._families += families
            # where a trigger may start: its prefix (prefix_trigger); the families are matched in full there
            shapes = "|".join(f"(?:{prefix_trigger(p)})" for p in triggers.get(name, {}))
            keywords = sorted(words.get(name, ()), key=lambda k: (-len(k), k))  # longest first, deterministic
            if shapes:
                compiled = re2.compile(shapes.encode(), options)
                self._passes.append((compiled, compiled, dispatcher(families)))
            if keywords:
                # keywords joined by at most 4 blanks or punctuation are one run (a flood of "key= " is one match);
                # a gap of any 24 characters merged more, but its DFA states (built per process) cost 0.099 CPU-s on
                # the 20 MB benchmark corpus's first pass against 0.051 (warm 0.043 / 0.039), for the same windows
                alt = "(?i:" + "|".join(_re2_literal(k) for k in keywords) + ")"
                run = f"(?:{alt}[^\\w\\n]{{0,4}})+"  # the separators after the last keyword too: harmless
                self._passes.append((re2.compile(run.encode(), options), None, None))
        self._allow = [re2.compile(p) for p in allow_regexes]
        self._allow_fps = allow_fps
        self._key = fingerprint_key(config.fingerprint_key)
        self._min_confidence = config.min_confidence

    def __repr__(self) -> str:
        return f"Scanner(detectors={len(self.detectors)}, types={sorted({d.secret_type for d in self.detectors})})"

    def spans(self, text: str) -> list[tuple[int, int, float, Detector]]:
        """(start, end, confidence, detector) of every secret in ``text``, sorted, overlaps resolved.
        Text escaped for HTML/XML or holding JSON-escaped quotes is scanned as it reads (:mod:`.markup`), spans mapped back to ``text``."""
        view = decoded_view(text)
        if view is None:
            return self._spans(text)
        decoded, offsets = view
        found = [(offsets.start(s), offsets.end(e), c, d) for s, e, c, d in self._spans(decoded)]
        if offsets.escaped_quotes:  # "ab\"cd" may be one JSON string holding a quote: the text as written too
            found += self._spans(text)
            return _resolve_overlaps(found) if len(found) > 1 else found
        return found

    def _spans(self, text: str) -> list[tuple[int, int, float, Detector]]:
        """:meth:`spans` of ``text`` as given: the prefilter passes, then the triggered detectors' windows."""
        windows: dict[int, list[list[int]]] = {}  # detector -> its windows [start, end]
        ascii_text = text.isascii()
        data = text.encode("utf-8")
        for prefilter, shapes, dispatch in self._passes:
            self._open_windows(text, data, ascii_text, prefilter, shapes, dispatch, windows)
        if not windows:
            return []
        detectors = self.detectors
        n = len(text)
        found: list[tuple[int, int, float, Detector]] = []
        for i, spans in windows.items():
            d = detectors[i]
            if len(spans) > 1:
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

    def _open_windows(
        self, text: str, data: bytes, ascii_text: bool, prefilter: Any, shapes: Any,
        dispatch: Callable[[str, int], list[tuple[int, int]]] | None, windows: dict[int, list[list[int]]],
    ) -> None:  # fmt: skip
        """One RE2 pass: the windows of the detectors its matches trigger, added to ``windows``."""
        if dispatch is None:  # a keyword pass: the automaton around each run of keywords
            self._keyword_pass(text, data, ascii_text, prefilter, windows)
            return
        detectors = self.detectors
        n_data = len(data)
        for bs, be, s, e in _char_spans(prefilter.finditer(data), data, ascii_text):
            explained, nests = -1, False  # the farthest end of a shape trigger matching at s
            for i, te in dispatch(text, s):  # shape families matching at s, each with its own end
                d = detectors[i]
                _open(windows, i, s - d.before, te + d.after)
                explained, nests = max(explained, te), nests or d.nests
            if (explained < e or nests) and be - bs > 1:
                # a longer match than the family that matched at s (or a nesting shape): shape triggers
                # starting inside it were swallowed by it
                for m in shapes.finditer(data, bs + 1, min(n_data, be + _TRIGGER_REACH)):
                    p = m.start()
                    if p >= be:
                        break
                    p = s + (p - bs if ascii_text else len(data[bs:p].decode("utf-8")))
                    for i, te in dispatch(text, p):
                        d = detectors[i]
                        _open(windows, i, p - d.before, te + d.after)

    def _keyword_pass(
        self, text: str, data: bytes, ascii_text: bool, prefilter: Any, windows: dict[int, list[list[int]]]
    ) -> None:
        """The keyword automaton on the neighbourhood of every keyword run the RE2 pass finds."""
        reach = self._reach
        pending_lo = pending_hi = -1  # neighbourhoods of consecutive matches, merged: one automaton run
        for _, _, s, e in _char_spans(prefilter.finditer(data), data, ascii_text):
            lo, hi = max(0, s - reach), e + reach  # keywords in and around the match
            if lo <= pending_hi:
                pending_hi = max(pending_hi, hi)
                continue
            if pending_hi >= 0:
                self._keyword_windows(text, ascii_text, pending_lo, pending_hi, windows)
            pending_lo, pending_hi = lo, hi
        if pending_hi >= 0:
            self._keyword_windows(text, ascii_text, pending_lo, pending_hi, windows)

    def _keyword_windows(
        self, text: str, ascii_text: bool, lo: int, hi: int, windows: dict[int, list[list[int]]]
    ) -> None:
        """The windows of every keyword in ``text[lo:hi]`` (the automaton, on the lower-cased region)."""
        region = text[lo:hi]
        # ASCII-only lower-casing keeps offsets (str.lower() turns some characters into two)
        low = region.lower() if ascii_text else region.encode("utf-8").lower().decode("utf-8")
        # a long run of keywords (a flood) is one window per detector whatever follows them: each
        # keyword's follow test would cost more than the detector's own look at the window
        flood = hi - lo > _FLOOD
        for last, (length, plain, follows, guarded) in self._automaton.iter(low):  # type: ignore[union-attr]
            end = lo + last + 1
            first = end - length
            for i, before, after in plain:
                _open(windows, i, first - before, end + after)
            regs = None  # every follow regex of this keyword tested at once, when first needed
            for g, members in guarded:  # only where the keyword is followed as they need
                for i, before, after in members:
                    ws, we = first - before, end + after
                    spans = windows.get(i)
                    # inside an open window: widen it, no follow test (no max(): a flood comes here a lot)
                    if spans is not None and (last := spans[-1])[0] <= ws <= last[1]:
                        if we > last[1]:
                            last[1] = we
                        continue
                    if not flood:
                        if regs is None:
                            regs = follows.match(text, end).regs
                        if regs[g][0] < 0:
                            break
                    _open(windows, i, ws, we)

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


def _char_spans(matches: Iterable[Any], data: bytes, ascii_text: bool) -> Iterator[tuple[int, int, int, int]]:
    """``(byte start, byte end, char start, char end)`` of RE2 matches over ``data`` (the text's
    UTF-8 bytes). google-re2's str API converts offsets for every match, which is slow; here only
    matches of non-ASCII text are converted, resuming from the previous match (linear overall)."""
    byte_at = char_at = 0
    for m in matches:
        bs, be = m.span()
        if ascii_text:
            yield bs, be, bs, be
            continue
        char_at += len(data[byte_at:bs].decode("utf-8"))
        byte_at = bs
        yield bs, be, char_at, char_at + len(data[bs:be].decode("utf-8"))


def _follows(guarded: dict[Any, list[tuple[int, int, int]]]) -> tuple[Any, tuple[Any, ...]]:
    """One regex testing a keyword's follow regexes at once (each a capturing lookahead, as in
    :func:`.dispatch.dispatcher`), and ``(its group, the detectors it admits)`` per follow regex."""
    parts, groups, g = [], [], 1
    for follow, members in guarded.items():
        source = follow.pattern if not follow.flags & re.IGNORECASE else f"(?i:{follow.pattern})"
        parts.append(f"(?:(?=({source}))|)")
        groups.append((g, tuple(members)))
        g += 1 + follow.groups
    return (re.compile("".join(parts)) if parts else None), tuple(groups)


def _open(windows: dict[int, list[list[int]]], i: int, start: int, end: int) -> None:
    """Add the window ``[start, end]`` to detector ``i``'s, widening the last one when they overlap
    (keyword hits come in order: a run of them is one window, not a list to sort)."""
    spans = windows.get(i)
    if spans is None:
        windows[i] = [[start, end]]
        return
    last = spans[-1]
    if last[0] <= start <= last[1]:
        if end > last[1]:
            last[1] = end
    else:
        spans.append([start, end])


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
