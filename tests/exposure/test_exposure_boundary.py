"""The public exposure API validates its arguments at the boundary (a SanitizeError naming the
argument, not a deep AttributeError/TypeError), refuses a secret outside its space and exact
enumeration beyond the budget before building any candidate, and never spells out a space derived
from a secret (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest

from sanitize.errors import SanitizeError
from sanitize.exposure import (
    canary_exposure,
    exposure,
    findings_exposure,
    greedy_extraction,
    greedy_extractions,
    insert_canaries,
    memorization,
    parse_space,
    space_for,
    token_accuracy,
    write_canaries,
    zlib_ratio,
)
from sanitize.exposure.config import ExposureConfig
from sanitize.types import Finding


@pytest.fixture
def fake() -> tuple[Any, Any]:
    """Stand-ins that pass the type checks; every test here fails before they are used."""
    import torch

    return torch.nn.Linear(1, 1), lambda *a, **k: None


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda m, t: exposure(None, t, "1234", "digits:4"),
            "model must be a loaded causal LM (e.g. from sanitize.models.load_model), got None",
        ),
        (
            lambda m, t: exposure(m, None, "1234", "digits:4"),
            "tokenizer must be a loaded tokenizer, got None",
        ),
        (lambda m, t: exposure(m, t, None, "digits:4"), "secret must be a string, got None"),
        (lambda m, t: exposure(m, t, "", "digits:4"), "secret is empty"),
        (lambda m, t: exposure(m, t, 1234, "digits:4"), "secret must be a string, got int"),
        (lambda m, t: exposure(m, t, "1234", None), "space must be a spec string"),
        (lambda m, t: exposure(m, t, "1234", 7), "space must be a spec string"),
        (lambda m, t: exposure(m, t, "1234", "digits:4", prefix=None), "prefix must be a string"),
        (lambda m, t: exposure(m, t, "1234", "digits:4", context=3), "context must be a string"),
        (lambda m, t: exposure(m, t, "1234", "digits:4", method="fast"), "method must be"),
        (lambda m, t: exposure(m, t, "1234", "digits:4", config={}), "config must be an ExposureConfig"),
        (lambda m, t: findings_exposure(m, t, None, []), "corpus must be"),
        (lambda m, t: findings_exposure(m, t, ["x"], "0:1"), "findings must be a sequence of Finding"),
        (lambda m, t: findings_exposure(m, t, ["x"], [Finding(3, 0, 1, "pin")]), "finding 0 (doc 3, 0:1)"),
        (lambda m, t: canary_exposure(m, t, None), "canaries must be a sequence of Canary"),
        (lambda m, t: canary_exposure(m, t, ["1234"]), "canaries must be a sequence of Canary"),
        (lambda m, t: insert_canaries(None, "digits:4"), "texts must be a list of strings, got NoneType"),
        (lambda m, t: insert_canaries("abc", "digits:4"), "texts must be a list of strings, got str"),
        (lambda m, t: insert_canaries(["a", None], "digits:4"), "non-string item"),
        (lambda m, t: insert_canaries(["a"], "digits:4", repetitions=[-1]), "repetitions must be integers"),
        (lambda m, t: insert_canaries(["a"], "digits:4", per_repetition=0), "per_repetition must be"),
        (lambda m, t: insert_canaries(["a"], None), "space must be a spec string"),
        (lambda m, t: space_for(None), "empty (or non-string) secret"),
        (lambda m, t: memorization(None, t, "ctx", "1234"), "model must be"),
        (lambda m, t: memorization(m, t, None, "1234"), "context must be a string, got None"),
        (lambda m, t: greedy_extraction(m, t, "ctx", ""), "secret is empty"),
        (lambda m, t: greedy_extractions(m, t, [("ctx", "1"), ("ctx", "")]), "secret is empty"),
        (lambda m, t: token_accuracy(m, None, "ctx", "1"), "tokenizer must be"),
        (lambda m, t: zlib_ratio(m, t, None), "text must be a string"),
    ],
)
def test_public_boundary_names_the_argument(fake: tuple[Any, Any], call: Any, words: str) -> None:
    with pytest.raises(SanitizeError) as info:
        call(*fake)
    assert words in str(info.value)


def test_write_canaries_validates_before_creating_the_file(tmp_path: Any) -> None:
    with pytest.raises(SanitizeError, match="canaries must be"):
        write_canaries(tmp_path / "t.jsonl", ["1234"])  # type: ignore[list-item]
    assert list(tmp_path.iterdir()) == []


def test_secret_outside_its_space_is_refused(fake: tuple[Any, Any]) -> None:
    with pytest.raises(
        SanitizeError, match=r"\(\*\*\*\*\*\*\*, 7 characters\) is not in the candidate space digits:4"
    ):
        exposure(*fake, "hunter2", "digits:4")


def test_exact_over_budget_is_refused_before_enumerating(fake: tuple[Any, Any]) -> None:
    with pytest.raises(
        SanitizeError, match=r"digits:40 has 1e\+40 candidates, more than the exact-enumeration budget 100000"
    ):
        exposure(*fake, "1" * 40, "digits:40", method="exact")
    with pytest.raises(SanitizeError, match="budget 10 "):
        exposure(*fake, "123", "digits:3", method="exact", config=ExposureConfig(exact_budget=10))


@pytest.mark.parametrize(
    ("secret", "label"),
    [
        ("ДаНетaaaaПароль", "pattern(len=15: 4 lower, 11 literal)"),
        ("Tr0ub4dor&3", "pattern(len=11: 10 alnum, 1 literal)"),
        ("p@ss-w0rd!", "pattern(len=10: 1 digit, 6 lower, 3 literal)"),
        ("4539 1488 0343 6467", "luhn(len=19: 16 digit, 3 literal)"),
        ("4821", "digits:4"),
        ("deadbeefcafe", "hex:12"),
    ],
)
def test_space_label_never_shows_the_secrets_characters(secret: str, label: str) -> None:
    space = space_for(secret)
    assert space.label == label and secret in space
    assert (label in repr(space) and space.spec not in repr(space)) or space.spec == label
    for ch in set(secret) - set("0123456789abcdefghijklmnopqrstuvwxyz "):
        assert ch not in label, ch
    assert parse_space(space.spec).label == space.spec  # a spec the user gives is its own label
    with pytest.raises(SanitizeError) as info:
        space.sample(space.size + 1)
    assert space.spec not in str(info.value) or space.spec == label
