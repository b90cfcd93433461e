"""The pure hard-negative predicates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanitize.detectors import filters

CASES = [
    (filters.is_placeholder, "<password>", True),
    (filters.is_placeholder, "pass<word>", True),
    (filters.is_placeholder, "<your-token", True),
    (filters.is_placeholder, "token>", True),
    (filters.is_placeholder, "Sx3<Lm9Qw4", False),  # a "<" inside a random value is no slot
    (filters.is_placeholder, "{password!r", True),  # f"password={password!r}" read up to the brace
    (filters.is_placeholder, "{password!r}", True),
    (filters.is_placeholder, "unknown_%d", True),  # a name around a printf conversion
    (filters.is_placeholder, "%s-token", True),
    (filters.is_placeholder, "Gz6%dT3w", False),  # a "%d" inside a random value
    (filters.is_placeholder, "a%20secret", False),  # URL-encoded "a secret": %20s is no conversion
    (filters.is_placeholder, "#976806", True),  # a colour
    (filters.is_entry_point, "IPython.core.magics.osm:OSMagics", True),
    (filters.is_entry_point, "myapp.web.main:app", True),
    (filters.is_entry_point, "Kx9.mQ2:pLv", False),  # one dot: could be a password
    (filters.is_placeholder, "#97a8Zq", False),
    (filters.is_placeholder, "%s:%s", True),  # a format string
    (filters.is_placeholder, "%(user)s:%(password)s", True),
    (filters.is_placeholder, "{}:{}", True),
    (filters.is_placeholder, "user:passwd", True),  # field names joined
    (filters.is_placeholder, "user:Kq8mZ2x", False),
    (filters.is_placeholder, "[MASK]", True),  # a tokenizer's special token
    (filters.is_placeholder, "|SPEAKER|", True),
    (filters.is_placeholder, "{prefix}embed_tokens.", True),  # an f-string's field
    (filters.is_placeholder, "Kq8>mZ2x", False),
    (filters.is_placeholder, "********", True),
    (filters.is_placeholder, "changeme", True),
    (filters.is_placeholder, "${VAR}", True),
    (filters.is_placeholder, "{{ var }}", True),
    (filters.is_placeholder, "%VAR%", True),
    (filters.is_placeholder, "$DB_PASS", True),
    (filters.is_placeholder, "your-api-key-here", True),
    (filters.is_placeholder, "password_here", True),
    (filters.is_placeholder, "put your unique phrase here", True),
    (filters.is_placeholder, "{0}", True),  # str.format
    (filters.is_placeholder, "{}", True),
    (filters.is_placeholder, "__DB_PASSWORD__", True),  # build-time substitution markers
    (filters.is_placeholder, "@DB_PASSWORD@", True),
    (filters.is_placeholder, "@@PASSWORD@@", True),
    (filters.is_placeholder, "#{db_password}", True),  # Ruby interpolation
    (filters.is_placeholder, ":app_password", True),  # SQL bind variable
    (filters.is_placeholder, ":x9Lq#2", False),
    (filters.is_placeholder, "fake_password", True),  # a fixture's name for a secret
    (filters.is_placeholder, "mock-token", True),
    (filters.is_placeholder, "wrong.password", True),
    (filters.is_placeholder, "super_secret", False),  # no fixture word: a (weak) real value
    (filters.is_placeholder, "fake_Pa55word", False),  # not spelled from words
    (filters.is_placeholder, "{0}x9Lq", False),
    (filters.is_placeholder, "user@example@", True),  # "example" (substring rule, as before)
    (filters.is_placeholder, "Nowhere7x!", False),
    (filters.is_placeholder, "hunter2", False),
    (filters.is_placeholder, "Tr0ub4dor&3", False),
    (filters.is_example_key, "AKIAIOSFODNN7EXAMPLE", True),
    (filters.is_example_key, "AKIAZ3MEXQ7RTYUIOPAB", False),
    (filters.is_uuid, "123e4567-e89b-12d3-a456-426614174000", True),
    (filters.is_uuid, "123e4567e89b12d3a456426614174000", False),  # no dashes: could be a secret
    (filters.is_hex_hash, "3f2a9c1d4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c", True),
    (filters.is_hex_hash, "3f2a9c1", True),
    (filters.is_hex_hash, "3F2a9c1d", False),  # mixed case is not a digest
    (filters.is_version, "1.26.4", True),
    (filters.is_version, "v2.0.1-rc.1", True),
    (filters.is_version, "hunter2", False),
    (filters.is_timestamp, "2024-01-15T12:30:45.123Z", True),
    (filters.is_timestamp, "1705312345678", True),
    (filters.is_timestamp, "4539148803436467", False),
    (filters.is_code_reference, "get_password()", True),
    (filters.is_code_reference, "self.password", True),
    (filters.is_code_reference, "hunter2", False),
    (filters.is_code_reference, "S3CredentialsKind::Default", True),
    (filters.is_code_reference, "Ab3::cd9#x", False),
    (filters.is_example_key, "8a477f597d28d172789f06886806bc55", True),  # CACHEDIR.TAG's signature
    (filters.is_word, "keyboard", True),
    (filters.is_word, "Monkey1", False),
]


@pytest.mark.parametrize(("predicate", "value", "expected"), CASES)
def test_filters(predicate, value: str, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert predicate(value) is expected


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [("a\\nb", 3, True), ("a\\tb", 3, True), ("%22b", 3, True), ("x%3Db", 4, True), ("ab", 1, False),
     ("nb", 1, False), ("%2b", 2, False), ("\\xb", 2, False), ("b", 0, False)],
)  # fmt: skip
def test_after_escape(text: str, start: int, expected: bool) -> None:
    assert filters.after_escape(text, start) is expected


@pytest.mark.parametrize(
    ("text", "key_start", "expected"),
    [("${DB_PASSWORD:-x}", 2, True), ("a ${PASSWORD}", 4, True), ("$PASSWORD", 1, False),
     ("PASSWORD=x ${", 0, False), ("{PASSWORD", 1, False)],
)  # fmt: skip
def test_in_variable_expansion(text: str, key_start: int, expected: bool) -> None:
    assert filters.in_variable_expansion(text, key_start) is expected


@pytest.mark.parametrize(
    ("text", "key_start", "end"),
    [("?token=abc&x=1", 1, 10), ("#token=abc&x=1", 1, 10), ("token=abc&x=1", 0, 9), ("token=a&b c", 0, 11),
     ("token=abc", 0, 9)],
)  # fmt: skip
def test_query_value_end(text: str, key_start: int, end: int) -> None:
    start = text.index("=") + 1
    assert filters.query_value_end(text, key_start, start, len(text)) == end


def test_url_userinfo() -> None:
    text = "see postgres://bob:pw@db/x and mail bob@x.com"
    assert filters.is_url_userinfo(text, text.index("bob:"))
    assert not filters.is_url_userinfo(text, text.index("bob@"))


@settings(max_examples=300)
@given(st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_char_classes_counts_like_the_str_predicates(value: str) -> None:
    expected = sum(
        [
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        ]
    )
    assert filters.char_classes(value) == expected


@pytest.mark.parametrize(
    ("text", "end"),
    [("abc", 3), ("ab\\ncd", 2), ("ab\\tcd", 2), ("ab\\r\\n", 2), ("a\\b\\nc", 3), ("C:\\Users", 8), ("ab\\", 3),
     ("\\n", 0)],
)  # fmt: skip
def test_escape_end_stops_at_the_first_literal_line_break_or_tab(text: str, end: int) -> None:
    assert filters.escape_end(text, 0, len(text)) == end


@settings(max_examples=300)
@given(st.text(alphabet="ab\\nrt\n", max_size=60))
def test_escape_end_is_the_first_escape_match(text: str) -> None:
    import re

    m = re.search(r"\\*\\[nrt]", text)  # with the backslashes before it: 'secret\\\\n' in source
    assert filters.escape_end(text, 0, len(text)) == (m.start() if m else len(text))
