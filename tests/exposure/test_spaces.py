"""Candidate spaces: sizes, index order, membership, Luhn, sampling, specs and space_for."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sanitize.checksums import luhn_valid
from sanitize.errors import SanitizeError
from sanitize.exposure.spaces import ListSpace, parse_space, space_for


@pytest.mark.parametrize(
    ("spec", "size", "first", "last"),
    [
        ("digits:3", 1000, "000", "999"),
        ("hex:2", 256, "00", "ff"),
        ("lower:2", 676, "aa", "zz"),
        ("upper:1", 26, "A", "Z"),
        ("alnum:2", 62 * 62, "00", "zz"),
        ("pattern:dd-l", 2600, "00-a", "99-z"),
        ("pattern:\\d\\\\d", 10, "d\\0", "d\\9"),  # escaped placeholder and backslash are literal
        ("list:b,a,b", 2, "b", "a"),
    ],
)
def test_sizes_order_and_membership(spec: str, size: int, first: str, last: str) -> None:
    space = parse_space(spec)
    items = list(space)
    assert (space.size, len(items), items[0], items[-1]) == (size, size, first, last)
    assert len(set(items)) == size and all(c in space for c in items[:50])
    assert [space[i] for i in range(0, size, max(1, size // 7))] == items[:: max(1, size // 7)]


def test_luhn_space_enumerates_exactly_the_valid_numbers() -> None:
    space = parse_space("luhn:dd-dd")
    valid = ["".join(t) for t in itertools.product("0123456789", repeat=4) if luhn_valid("".join(t))]
    assert [c.replace("-", "") for c in space] == valid and space.size == 1000
    assert "42-42" in space if luhn_valid("4242") else "42-42" not in space
    assert "12-34" not in space and "1234" not in space
    card = parse_space("luhn:dddd dddd dddd dddd")
    assert card.size == 10**15 and luhn_valid(card[123456789012345].replace(" ", ""))


def test_huge_spaces_index_and_sample_without_enumerating() -> None:
    space = parse_space("alnum:40")
    assert space.size == 62**40 and len(space[space.size - 1]) == 40
    sample = space.sample(50, seed=1)
    assert len(set(sample)) == 50 and all(s in space for s in sample)
    small = parse_space("digits:1")
    assert sorted(small.sample(9, exclude="3")) == [d for d in "012456789"]
    with pytest.raises(SanitizeError, match="cannot sample 10"):
        small.sample(10, exclude="3")


def test_file_space_and_bad_specs(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("alpha\nbeta\n\nalpha\n")
    space = parse_space(f"file:{tmp_path / 'c.txt'}")
    assert list(space) == ["alpha", "beta"] and "alpha" not in repr(space)
    assert isinstance(parse_space(["x", "y"]), ListSpace)
    for spec, message in [
        ("digits", "expected KIND:ARG"),
        ("digits:0", "positive integer"),
        ("digits:x", "positive integer"),
        ("nope:3", "unknown kind 'nope'"),
        ("luhn:dddl", "only have digit slots"),
        ("luhn:dd-9", "must be a 'd' slot"),
        ("pattern:dd\\", "lone backslash"),
        (f"file:{tmp_path / 'missing.txt'}", "not found"),
        ("list:", "at least one candidate"),
    ]:
        with pytest.raises(SanitizeError, match=message):
            parse_space(spec)


@pytest.mark.parametrize(
    ("secret", "type_", "spec"),
    [
        ("4821", None, "digits:4"),
        ("0123456789", "phone", "digits:10"),
        ("4539 1488 0343 6467", "credit_card", "luhn:dddd dddd dddd dddd"),
        ("4539-1488-0343-6467", None, "luhn:dddd-dddd-dddd-dddd"),
        ("deadbeef00c0ffee", "api_key", "hex:16"),
        ("hunter2", "password", "pattern:lllllld"),
        ("Ab3dE9", None, "pattern:aaaaaa"),
        ("sk-Proj-abc123", None, "pattern:aa-aaaa-aaaaaa"),
        ("me@x.io", "email", "pattern:ll@l.ll"),
    ],
)
def test_space_for(secret: str, type_: str | None, spec: str) -> None:
    space = space_for(secret, type_)
    assert space.spec == spec and secret in space
