"""Test helpers shared by the detector tests."""

from __future__ import annotations

from support import linear_cpu_seconds

from sanitize import ScanConfig
from sanitize.detectors import Detector
from sanitize.scanner import Scanner


def flood_cpu_seconds(detector: Detector, unit: str, types: list[str], size: int = 1_000_000) -> float:
    """CPU seconds of the scanner with ``detector`` alone on ``unit`` repeated to ``size`` characters, after
    checking that it scales linearly (support.linear_cpu_seconds)."""
    text = (unit * (size // len(unit) + 1))[:size]
    scanner = Scanner(ScanConfig(types=types), detectors=(detector,))
    return linear_cpu_seconds(scanner.spans, text)


def windows(d: Detector, text: str) -> list[tuple[int, int]]:
    """The scanner's windows for ``d``: around each keyword (any case; followed as ``d.follow`` asks)
    and trigger match, merged."""
    import re2

    spans = []
    low = text.encode("utf-8").lower().decode("utf-8")  # ASCII letters only, as the scanner: offsets kept
    for k in d.keywords:
        at = low.find(k)
        while at >= 0:
            if d.follow is None or d.follow.match(text, at + len(k)) is not None:
                spans.append((at - d.before, at + len(k) + d.after))
            at = low.find(k, at + 1)
    if d.trigger:
        spans += [(m.start() - d.before, m.end() + d.after) for m in re2.compile(d.trigger).finditer(text)]
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(max(s, 0), min(e, len(text))) for s, e in merged]
