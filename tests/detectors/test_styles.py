"""Every type in every writing style of sanitize_lab.synth: found with the exact span, nothing else."""

from __future__ import annotations

import random

import pytest

from sanitize import ScanConfig
from sanitize.scanner import get_scanner
from sanitize_lab import synth

CASES = [(t, s) for t in synth.TYPES for s in sorted(synth.CONTEXTS[t])]


@pytest.mark.parametrize(("secret_type", "style"), CASES)
def test_type_in_style(secret_type: str, style: str) -> None:
    scanner = get_scanner(ScanConfig(include_ip=True))
    rng = random.Random(f"{secret_type}/{style}")
    for _ in range(4):
        value, _fmt = synth.surface(secret_type, synth.fake(secret_type, rng), rng)
        text, spans, _ = synth.render(secret_type, value, rng, style)
        got = sorted((f.start, f.end, f.type) for f, _v in scanner.scan_text(text))
        assert got == sorted(spans), f"{secret_type}/{style}: {[text[s:e][:12] + '...' for s, e, _ in spans]}"


@pytest.mark.parametrize("kind", sorted(synth.DECOY_KINDS))
def test_decoys_not_reported(kind: str) -> None:
    scanner = get_scanner(ScanConfig(include_ip=True))
    rng = random.Random(kind)
    for template in range(40):
        text = synth.decoy(kind, rng)
        assert [f.type for f, _v in scanner.scan_text(text)] == [], f"{kind} decoy #{template} was reported"
