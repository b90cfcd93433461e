"""The scanner's shape-trigger dispatch (sanitize.scanner.dispatch) against each family matched alone."""

from __future__ import annotations

from sanitize import ScanConfig
from sanitize.scanner.dispatch import dispatcher


def _dispatch_loop(families: list, text: str, s: int) -> list[tuple[int, int]]:
    """Reference: every family matched alone, in order (what the scanner did before combining),
    with the end of that family's own match."""
    out = []
    for pattern, idx in families:
        m = pattern.match(text, s)
        if m is not None:
            out.extend((i, m.end()) for i in idx)
    return out


def test_combined_family_dispatch_matches_one_family_at_a_time() -> None:
    import random

    from sanitize.scanner.engine import Scanner
    from sanitize_lab import synth

    scanner = Scanner(ScanConfig(include_ip=True))
    families = scanner._families
    assert len(families) > 10  # the built-in shape triggers
    rng = random.Random(0)
    values = [synth.fake(t, rng) for t in synth.TYPES for _ in range(2)]
    text = " ".join(values) + " 0123-456 +44 (0)20 7946 0958 192.168.0.1 GB82WEST12345698765432"
    dispatch = dispatcher(families)
    hits = 0
    for s in range(len(text)):
        expected = _dispatch_loop(families, text, s)
        assert dispatch(text, s) == expected, (s, text[s : s + 20])
        hits += bool(expected)
    assert hits > len(values)  # the comparison saw many matching starts, not only misses


def test_dispatch_keeps_order_with_backreferences_re2_only_and_clashing_names() -> None:
    import re

    import re2

    text = "aax abc ab 1x bb9"
    mixed = [
        (re.compile(r"a"), (0,)),
        (re.compile(r"(\w)\1x"), (1,)),  # a backreference: matched alone
        (re2.compile(r"\pL\d"), (2,)),  # RE2 syntax
        (re.compile(r"(?P<n>ab)c"), (3, 4)),
        (re.compile(r"[ab]"), (5,)),
    ]
    clashing = [*mixed, (re.compile(r"(?P<n>b)"), (6,))]  # one group name twice: no combined pattern
    for families in (mixed, clashing):
        dispatch = dispatcher(families)
        for s in range(len(text)):
            assert dispatch(text, s) == _dispatch_loop(families, text, s), (s, len(families))
    assert dispatcher(mixed)(text, 0) == [(0, 1), (1, 3), (5, 1)]


def test_prefix_trigger_caps_bounded_tails_only() -> None:
    from sanitize.scanner.dispatch import prefix_trigger

    assert prefix_trigger(r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_") == r"gh[pousr]_[A-Za-z0-9]{8}|github_pat_"
    assert prefix_trigger(r"\d{8,10}:[A-Za-z0-9_-]{35}") == r"\d{8,10}:[A-Za-z0-9_-]{8}"  # only the tail
    assert prefix_trigger(r"(?:SK|AC)[0-9a-f]{32}") == r"(?:SK|AC)[0-9a-f]{8}"
    for unbounded in (
        r"eyJ[A-Za-z0-9_-]{8,}\.eyJ",
        r"(?:\d{4}[ -]?){3}[\d .()+-]*",
        r"x[a-z]{12,}",
        r"ab+",
        r"[ab]{3}",
    ):
        assert (
            prefix_trigger(unbounded) == unbounded
        )  # a run swallowed whole stays one match; short tails stay
    assert prefix_trigger(r"a(b|c") == r"a(b|c"  # unreadable: as it is
    assert prefix_trigger(r"a\{36}|b[|]{20}") == r"a\{36}|b[|]{8}"  # an escaped brace; a | inside a class


def test_prefix_triggers_match_wherever_the_full_triggers_do() -> None:
    """The RE2 shape pass searches each built-in trigger's prefix form: at every position where a trigger
    matches, its prefix form matches too (the pass can only find more starts, never fewer)."""
    import random
    import re

    from sanitize.scanner.dispatch import prefix_trigger
    from sanitize.scanner.engine import Scanner
    from sanitize_lab import synth

    scanner = Scanner(ScanConfig(include_ip=True))
    triggers = {d.trigger for d in scanner.detectors if d.trigger}
    rng = random.Random(1)
    text = " ".join(synth.fake(t, rng) for t in synth.TYPES for _ in range(3))
    checked = 0
    for trigger in triggers:
        full, prefix = re.compile(trigger), re.compile(prefix_trigger(trigger))
        for s in range(len(text)):
            m = full.match(text, s)
            if m is not None:
                assert prefix.match(text, s) is not None, (trigger, s)
                checked += 1
    assert checked > 50
