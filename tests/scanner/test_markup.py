"""The decoded view of HTML/XML-escaped text (sanitize.scanner.markup) and the scanner on it: spans
found in the view land on the original text; tokens nested in a URL's userinfo get their own type."""

from __future__ import annotations

import html
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanitize import scan
from sanitize.detectors import fakes
from sanitize.scanner.markup import _ESCAPED_BACKSLASH, _REPLACEMENTS, decoded_view

# pieces that never form an entity or a marker across their boundaries: the list is the ground truth
_PIECES = [*_REPLACEMENTS, _ESCAPED_BACKSLASH, "a", "&x", "quot;", "<!", "]]", "x;", " ", "\n", "é"]


def _reference(pieces: list[str]) -> tuple[str, list[int], list[int]]:
    """(view, original start, original end) per view character, decoded piece by piece."""
    view, starts, ends, at, cdata = [], [], [], 0, False
    for p in pieces:
        if p in _REPLACEMENTS and (p != "]]>" or cdata):
            cdata = p == "<![CDATA[" or (cdata and p != "]]>")
            for ch in _REPLACEMENTS[p]:
                view.append(ch)
                starts.append(at)
                ends.append(at + len(p))
        else:
            for k, ch in enumerate(p):
                view.append(ch)
                starts.append(at + k)
                ends.append(at + k + 1)
        at += len(p)
    return "".join(view), starts, ends


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_view_and_offsets_match_a_piece_by_piece_decoding(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected, starts, ends = _reference(pieces)
    view = decoded_view(text)
    if view is None:  # nothing to decode: the scanner reads the text itself
        assert expected == text
        return
    decoded, offsets = view
    assert decoded == expected
    assert [offsets.start(x) for x in range(len(decoded))] == starts  # where each view character came from
    assert [offsets.end(y) for y in range(1, len(decoded) + 1)] == ends  # where a span ending there ends


def test_entities_are_decoded_once_like_the_standard_library() -> None:
    text = "&quot;a&quot; &amp;quot; &lt;b&gt; &#39;c&#x27;"
    view = decoded_view(text)
    assert view is not None and view[0] == html.unescape(text) == "\"a\" &quot; <b> 'c'"
    assert decoded_view("R&D, <![if IE]>, a & b") is None  # no entity, no CDATA marker


SECRET = "Xk9#mPq2vLr"


@pytest.mark.parametrize(
    "template, kind",
    [
        (
            '<div data-config="{&quot;password&quot;:&quot;{s}&quot;,&quot;user&quot;:&quot;bob&quot;}">',
            "password",
        ),
        ("<pre>db_password = &#39;{s}&#39;</pre>", "password"),
        ("<code>export DB_PASSWORD=&quot;{s}&quot;</code>", "password"),
        ("&lt;password&gt;{s}&lt;/password&gt;", "password"),
        ("<password><![CDATA[{s}]]></password>", "password"),
        ("<db>\n  <pass><![CDATA[{s}]]></pass>\n</db>", "password"),
        ('<a href="/login?user=bob&amp;password={s}&amp;next=/">', "password"),
        ('<add value="{&quot;apiSecret&quot;: &quot;q8Zr3LmW9xTv2Kp7&quot;}" />', "generic_secret"),
        # JSON-escaped quotes: a notebook's source lines, a JSON document inside a JSON string
        ('  "source": ["import db\\n", "db.connect(password=\\"{s}\\")\\n"]', "password"),
        ('{"log": "{\\"user\\": \\"bob\\", \\"password\\": \\"{s}\\"}"}', "password"),
        ('{"config": "{\\"password\\": \\"{s}\\"}"}', "password"),  # once the assignment family's own pattern
        ('"cell": "api_secret = \\"q8Zr3LmW9xTv2Kp7\\"\\n"', "generic_secret"),
        ('{"path": "C:\\\\tmp\\\\", "password": "{s}"}', "password"),  # an escaped backslash, then the quote
        ("cfg = 'db_password = \\'{s}\\''", "password"),  # escaped single quotes
    ],
)
def test_escaped_markup_is_scanned_as_it_reads(template: str, kind: str) -> None:
    text = template.replace("{s}", SECRET)
    found = [(f.type, text[f.start : f.end]) for f in scan([text])]
    expected = "q8Zr3LmW9xTv2Kp7" if kind == "generic_secret" else SECRET
    assert found == [(kind, expected)]


@pytest.mark.parametrize(
    "text",
    [
        "<p>Enter your password &amp; confirm it.</p>",
        "&lt;password&gt;&lt;/password&gt;",
        '<input type="password" placeholder="&quot;Password&quot;">',
        "<![CDATA[ if (a && b) { run(); } ]]>",
    ],
)
def test_escaped_markup_negatives(text: str) -> None:
    assert scan([text]) == []


def test_a_quote_escaped_inside_a_json_string_stays_in_the_secret() -> None:
    """``"Xk9\\"vQ2mLp8"`` is one JSON string holding a quote: read as escaped JSON it would end at the quote
    and leave the rest unsanitized, so the text as written is scanned as well and the longer span kept."""
    text = '{"password": "Xk9\\"vQ2mLp8"}'
    assert [text[f.start : f.end] for f in scan([text])] == ['Xk9\\"vQ2mLp8']


def test_a_vendor_token_as_a_urls_password_gets_its_own_type() -> None:
    rng = random.Random(7)
    for make, kind in ((fakes.github_token, "github_token"), (fakes.gitlab_token, "gitlab_token")):
        token = make(rng)
        text = f"git clone https://oauth2:{token}@example.com/group/repo.git"
        assert [(f.type, text[f.start : f.end]) for f in scan([text])] == [(kind, token)]
    text = "git clone https://deploy:Xk9mPq2vLr88@example.com/group/repo.git"  # a plain password stays one
    assert [(f.type, text[f.start : f.end]) for f in scan([text])] == [("password", "Xk9mPq2vLr88")]
