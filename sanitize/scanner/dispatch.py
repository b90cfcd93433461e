"""Shape-trigger dispatch for the scanner: which detector families' triggers match at a position."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def dispatcher(families: list[tuple[Any, tuple[int, ...]]]) -> Callable[[str, int], list[tuple[int, int]]]:
    """``dispatch(text, s)``: ``(detector index, trigger end)`` for every family whose trigger
    matches at ``s``, in family order (each family's own end: the windows are exact).

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
            every = None

    def dispatch(text: str, s: int) -> list[tuple[int, int]]:
        regs = every.match(text, s).regs if every is not None else ()  # type: ignore[union-attr]  # always matches
        out: list[tuple[int, int]] = []
        for g, pattern, idx in plan:
            if g:
                end = regs[g][1]
            else:
                m = pattern.match(text, s)
                end = -1 if m is None else m.end()
            if end >= 0:
                out.extend((i, end) for i in idx)
        return out

    return dispatch


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")  # numbered or named backreference (conservative)


def prefix_trigger(pattern: str, cap: int = 8) -> str:
    """A pattern matching, wherever ``pattern`` matches, a prefix of that match: each top-level alternative keeps
    at most ``cap`` repetitions of a trailing bounded ``X{n}`` / ``X{n,m}``. The RE2 shape pass only needs where
    a trigger may start (:func:`dispatcher` matches the families in full there), and every counted character it
    need not track is DFA states it need not build per process: ``gh[pousr]_[A-Za-z0-9]{36}`` is searched as
    ``gh[pousr]_[A-Za-z0-9]{8}``. Unbounded tails (``*``, ``+``, ``{n,}``) stay: a match swallowing a whole run
    (``[\\d .()+-]*`` after a card's digits) is one dispatch per run, where a short one would be one per step."""
    alternatives = _alternatives(pattern)
    if alternatives is None:
        return pattern
    out = []
    for alt in alternatives:
        m = _BOUNDED_TAIL.search(alt)
        escaped = m is not None and (len(alt[: m.start()]) - len(alt[: m.start()].rstrip("\\"))) % 2 == 1
        if m is not None and not escaped and int(m.group(1)) > cap:
            alt = f"{alt[: m.start()]}{{{cap}}}"  # the same atom (whatever precedes the count), fewer times
        out.append(alt)
    return "|".join(out)


_BOUNDED_TAIL = re.compile(
    r"\{([0-9]+)(?:,[0-9]+)?\}\??\Z"
)  # a trailing bounded count (`\{8}` is a literal brace)


def _alternatives(pattern: str) -> list[str] | None:
    """``pattern`` split at its top-level ``|`` (outside groups and character classes), or None when unbalanced."""
    parts: list[str] = []
    i, n, start, depth = 0, len(pattern), 0, 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: `]` first (or after `^`) is a member, `\]` an escaped one
            i += 1 + (pattern[i + 1 : i + 2] == "^")
            i += pattern[i : i + 1] == "]"
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c in "()":
            depth += 1 if c == "(" else -1
            if depth < 0:
                return None
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return None if depth or i > n else [*parts, pattern[start:]]
