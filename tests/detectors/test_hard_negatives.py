"""Hard-negative predicates checked against brute-force references."""

from __future__ import annotations

import random

import pytest

from sanitize.detectors import hard_negatives
from sanitize.detectors.hard_negatives import _SEQUENCES, is_sequential


def _sequential_reference(value: str) -> bool:
    """The definition, walked character by character: the longest run of sequential bigrams."""
    if len(value) < 6:
        return False
    low = value.lower()
    longest = run = 0
    for i in range(len(low) - 1):
        run = run + 1 if low[i : i + 2] in hard_negatives._BIGRAMS else 0
        longest = max(longest, run + 1)
    return longest >= 6 and longest * 2 >= len(value)


def _values(rng: random.Random, n: int) -> list[str]:
    """Random strings with sequence runs of every length planted at every offset (the quick test's edges)."""
    pieces = [*_SEQUENCES, "abcdefghijklmnopqrstuvwxyzyxwvu", "QWERTYuiop"]
    out = []
    for _ in range(n):
        size = rng.randint(1, 70)
        value = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(size))
        seq = rng.choice(pieces)
        start = rng.randint(0, len(seq) - 1)
        run = seq[start : start + rng.randint(1, len(seq))]
        at = rng.randint(0, len(value))
        out.append(value[:at] + run + value[at:])
    return out


def test_is_sequential_equals_the_character_walk() -> None:
    values = _values(random.Random(0), 20_000)
    flagged = [v for v in values if _sequential_reference(v)]
    assert len(flagged) > 500  # the sample reaches the positive side, not only random noise
    assert [v for v in values if is_sequential(v) != _sequential_reference(v)] == []


@pytest.mark.parametrize(
    ("value", "sequential"),
    [
        ("abcdefghijklmnop", True),
        ("1234567890", True),
        ("xx1234567890xxxx", True),  # the run is 10 of 16 characters
        ("xxxxx123456xxxxxx", False),  # 6 of 17: not half
        ("Zq8Lw3Rt6Yp1Xs5V", False),
        ("abcde", False),
    ],
)
def test_is_sequential_table(value: str, sequential: bool) -> None:
    assert is_sequential(value) is sequential


@pytest.mark.parametrize(
    ("value", "node"),
    [("&default_pass", True), ("*default_pass", True), ("*db.pw-1", True), ("&Kq8#mZ2x", False), ("*", False),
     ("Kq8mZ2xW", False), ("&1abc", False)],
)  # fmt: skip
def test_is_yaml_node(value: str, node: bool) -> None:
    assert hard_negatives.is_yaml_node(value) is node
    assert not node or hard_negatives.is_weak_value(value)


@pytest.mark.parametrize(
    ("value", "name"),
    [("vision_feats", True), ("token_type_ids", True), ("Qwen2_5OmniPreTrainedModel", True), ("LayoutLMv3PreTrainedModel", True),
     ("stringEndArchive64", True), ("MistralForSequenceClassification", True), ("sk_live_a8f3k2q9x7", False),
     ("aBcDeFgHiJ", False), ("Qm7Rt2Kp9Xw4Lz8NvB3c", False), ("SummerVacation2024", False), ("KLYQhWfq88", False),
     ("input_weight_equalization_recommended", True), ("strip_view_copy_name", True), ("qzx_vbnm_plkj", False),
     ("1QoeZaqHra1", False), ("2_stage_model", False)],  # a leading digit: no language's name
)  # fmt: skip
def test_is_code_identifier(value: str, name: bool) -> None:
    """Names in code against random tokens that alternate case or carry a prefix."""
    assert hard_negatives.is_code_identifier(value) is name


def test_is_title_table() -> None:
    """A capitalised word followed by another word, or ending a parameter; not a capitalised word alone."""
    for line, value, title in [("Note [Functionalization Pass - Inplace View Ops]", "Inplace", True),
                               ("def f(self, pw: Split, red: Split)", "Split", True), ("pw: Tiger, user: bob", "Tiger", False),
                               ("pass: Hunter", "Hunter", False), ("pass: Hunter2 is", "Hunter2", False)]:  # fmt: skip
        s = line.index(value)
        assert hard_negatives.is_title(line, s - 4, s, s + len(value)) is title, line


@pytest.mark.parametrize(
    ("line", "annotation"),
    [("password: SecretStr", True), ("key: PositionalIndexer2D) -> Self", True), ("pw: HiddenText | None = None", True),
     ("password: SecretBytes, user: str", True), ("password: Summer2024", False), ("password: Hx7mQ2zRt9", False),
     ("token: SecretStr9x", False), ("password: BlueSky", False)],
)  # fmt: skip
def test_is_type_annotation(line: str, annotation: bool) -> None:
    """The value after the colon (up to the first blank) is a type, not a value."""
    s = line.index(": ") + 2
    e = line.find(" ", s) if " " in line[s:] else len(line)
    assert hard_negatives.is_type_annotation(line, s, e) is annotation


def test_random_tokens_are_rarely_names() -> None:
    """The cost of the rule: random tokens of 8-40 characters over four alphabets judged names (measured 0.05-0.5%
    per alphabet when written; lower case and "_" is the worst, and no secret format uses it alone)."""
    import string

    rng = random.Random(7)
    for alphabet in (string.ascii_letters + string.digits, string.ascii_letters, string.ascii_lowercase + "_",
                     string.ascii_letters + string.digits + "_"):  # fmt: skip
        tokens = ["".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40))) for _ in range(10_000)]
        assert sum(map(hard_negatives.is_code_identifier, tokens)) < 60, alphabet  # < 0.6%


def test_wordy_names_the_same_values_as_its_backtracking_spelling_in_linear_time() -> None:
    """WORDY once read ``[_.-]?[A-Z]?[a-z]+`` parts: the same names, but a lower-case run followed by a
    non-name character was split every possible way (22 letters: 0.2 s, doubling per letter)."""
    import re
    import time

    spelled = re.compile(r"[A-Za-z][a-z]*(?:[_.-]?[A-Z]?[a-z]+)*|[A-Z]+(?:[_.-][A-Z]+)*")
    rng = random.Random(0)
    for _ in range(50_000):
        value = "".join(rng.choice("abAB_.-1") for _ in range(rng.randint(1, 9)))
        assert bool(hard_negatives.WORDY.fullmatch(value)) == bool(spelled.fullmatch(value)), value
    start = time.process_time()
    for n in range(1, 2001, 50):
        assert hard_negatives.WORDY.fullmatch("a" * n + "!") is None
    assert time.process_time() - start < 0.5


@pytest.mark.parametrize(
    ("value", "name"),
    [("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", True), ("user:1234:profile", True),
     ("session:{user_id}:cart", True), ("queue:jobs:7", True), ("user:1234", False),  # two parts: a login pair
     ("prod:payments:7f3a9c2e41b8d6f05a1c", False), ("Kq8:mZ2x:Wv9", False)],
)  # fmt: skip
def test_is_resource_name(value: str, name: bool) -> None:
    assert hard_negatives.is_resource_name(value) is name
    assert not name or hard_negatives.is_weak_value(value)
