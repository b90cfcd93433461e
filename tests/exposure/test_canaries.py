"""Canary insertion keeps the corpus intact, records the truth apart, and reads back strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanitize.errors import SanitizeError
from sanitize.exposure.canaries import insert_canaries, read_canaries, write_canaries


def test_insert_and_round_trip(tmp_path: Path) -> None:
    texts = [f"doc {i}" for i in range(20)]
    new, canaries = insert_canaries(texts, "hex:8", repetitions=(0, 2, 5), per_repetition=2, prefix="key=")
    assert [c.repetitions for c in canaries] == [0, 0, 2, 2, 5, 5]
    assert len(new) == 20 + 14 and [t for t in new if t.startswith("doc")] == texts
    assert len({c.canary for c in canaries}) == 6
    for c in canaries:
        assert [new[d] for d in c.docs] == ["key=" + c.canary] * c.repetitions
        assert c.canary not in repr(c)
    write_canaries(tmp_path / "truth.jsonl", canaries)
    assert read_canaries(tmp_path / "truth.jsonl") == canaries
    again, same = insert_canaries(texts, "hex:8", repetitions=(0, 2, 5), per_repetition=2, prefix="key=")
    assert (again, same) == (new, canaries)  # seeded


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"truth\.jsonl:2: malformed JSON"),
        ('{"space": "digits:3"}', r"truth\.jsonl:2: field 'canary'"),
        ('{"canary": "123", "space": "digits:3", "repetitions": -1}', r"truth\.jsonl:2: field 'repetitions'"),
        ("[1]", r"truth\.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_truth_files_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "truth.jsonl"
    path.write_text('{"canary": "123", "space": "digits:3"}\n' + line + "\n")
    with pytest.raises(SanitizeError, match=message):
        read_canaries(path)
