"""The scanner finds every surrogate as the same type it found the secret as (issue 4 acceptance).

It plants one fake secret of every scanner type in every
context style synth knows, keeps the occurrences the scanner finds as planted (the scanner's own
recall is measured by its benchmark, not here), replaces them with surrogates, scans again and
requires a finding of the same type on exactly the replaced span.
"""

from __future__ import annotations

import random

import pytest

from sanitize.pairs import PairConfig, sanitize_texts
from sanitize.scanner import ScanConfig, scan
from sanitize.types import Finding
from sanitize_lab import synth


@pytest.mark.parametrize("type_", synth.TYPES)
def test_scanner_finds_each_surrogate_as_the_same_type(type_: str) -> None:
    config = ScanConfig(include_ip=True)
    checked = 0
    misses = []
    for seed in range(3):
        rng = random.Random(seed)
        for style in sorted(synth.CONTEXTS[type_]):
            text, spans, _ = synth.render(type_, synth.fake(type_, rng), rng, style)
            found = {(f.start, f.end, f.type): f for f in scan([text], config)}
            planted = [found[s] for s in spans if s in found and s[2] == type_]
            if not planted:
                continue
            sanitized = sanitize_texts([text], planted, PairConfig(seed=seed))[0]
            assert len(sanitized) == len(text)  # surrogates keep the length, so spans stay put
            for f in planted:
                assert sanitized[f.start : f.end] != text[f.start : f.end]
            after = {(f.start, f.end, f.type) for f in scan([sanitized], config)}
            for f in planted:
                checked += 1
                if (f.start, f.end, f.type) not in after:
                    misses.append(f"{style} (seed {seed}): {_near(after, f)}")
    assert checked > 0, f"the scanner found no planted {type_} at all"
    assert not misses, f"{type_} surrogates not found as {type_}: " + "; ".join(misses)


def _near(after: set[tuple[int, int, str]], f: Finding) -> str:
    """What the scanner reported near the replaced span (types and offsets, never text)."""
    near = sorted(a for a in after if a[0] < f.end and a[1] > f.start)
    return f"span {f.start}-{f.end}: found {near or 'nothing'}"
