"""find_literal: every occurrence of literal secrets, keyed fingerprints, clear errors."""

from __future__ import annotations

import pytest

from sanitize import find_literal
from sanitize.errors import SanitizeError
from sanitize.fingerprint import fingerprint_secret, mask_secret


def test_find_literal_reports_every_occurrence() -> None:
    docs = ["pin 1234 and 1234", "none", "12341234", "x1234"]
    fs = find_literal(docs, ["1234", "4123"], type="pin")
    assert [(f.doc, f.start, f.end) for f in fs] == [
        (0, 4, 8),
        (0, 13, 17),
        (2, 0, 4),
        (2, 3, 7),
        (2, 4, 8),
        (3, 1, 5),
    ]
    assert fs[0].fingerprint == fingerprint_secret("1234") and fs[0].preview == mask_secret("1234", "pin")
    assert all(f.type == "pin" and f.detector == "literal" for f in fs)
    assert "1234" not in repr(fs)
    with pytest.raises(SanitizeError, match=r"secrets\[1\] must be a non-empty string"):
        find_literal(docs, ["1234", ""])


def test_find_literal_refuses_a_bare_string() -> None:
    """A str is a sequence of characters: one finding per character would be silently wrong."""
    with pytest.raises(SanitizeError, match=r"a list of strings, got a single str"):
        find_literal(["Tr0ub4dor"], "Tr0ub")  # type: ignore[arg-type]
    assert len(find_literal(["Tr0ub4dor"], ["Tr0ub"])) == 1


def test_find_literal_uses_the_given_key() -> None:
    keyed = find_literal(["pin 1234"], ["1234"], key="k1")
    assert keyed[0].fingerprint == fingerprint_secret("1234", "k1") != fingerprint_secret("1234", "k2")
