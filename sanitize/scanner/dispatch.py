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
