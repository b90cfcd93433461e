"""Issue 17: a flood of one assignment (``key=`` 250k times) costs the generic-secret detector a
bounded number of value checks, and the scanner stays under 1 CPU-second per MB (README)."""

from __future__ import annotations

import pytest
from support import best_cpu_seconds

from sanitize.detectors import entropy
from sanitize.scanner import ScanConfig, get_scanner

MB = 1_000_000


def _flood(unit: str) -> str:
    return (unit * (MB // len(unit) + 1))[:MB]


def test_a_flood_of_one_assignment_is_judged_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = [0]
    real = entropy.generic_value_ok

    def counted(value: str, quoted: bool = False) -> bool:
        calls[0] += 1
        return real(value, quoted)

    monkeypatch.setattr(entropy, "generic_value_ok", counted)
    text = _flood("key=")
    assert list(entropy.GENERIC_SECRET.find(text, 0, len(text))) == []
    assert calls[0] < 2_000  # was one 200-character value check per keyword: 250,000


def test_the_flood_still_finds_a_secret_after_it() -> None:
    secret = "Zq8Lw3Rt6Yp1Xs5V"
    text = _flood("key=")[: MB // 2] + f"\napi_key={secret}\n"
    spans = list(entropy.GENERIC_SECRET.find(text, 0, len(text)))
    assert [text[s:e] for s, e, _ in spans] == [secret]


@pytest.mark.parametrize("unit", ["key=", "api_key=", "key= ", "token: ", "key=a1", "secret=abcdefgh"])
def test_scanner_under_one_cpu_second_per_mb(unit: str) -> None:
    scanner = get_scanner(ScanConfig())
    text = _flood(unit)
    best = best_cpu_seconds(lambda: scanner.spans(text))
    assert best < 1.0, f"{unit!r}: {best:.2f} CPU-s per MB"
