"""The seed paper's canary regime: inserted at paragraph breaks, never split by the chunking."""

from __future__ import annotations

import pytest

from sanitize.errors import SanitizeError
from sanitize_lab import alice_data as D


def book(n: int = 30) -> str:
    return "\n\n".join(f"Paragraph {i} where alice was   talking\nto the rabbit about tea." for i in range(n))


def test_canary_at_paragraph_breaks_and_never_split() -> None:
    paras = D.paragraphs(book())
    assert len(paras) == 30 and all("  " not in p and "\n" not in p for p in paras)
    train, held = D.split_heldout(paras, 0.1)
    assert (len(train), len(held)) == (27, 3) and held[-1] == paras[-1]
    planted, where = D.insert_canary(train, D.CANARY, 6, seed=1)
    assert len(planted) == 33 and [planted[i] for i in where] == [D.CANARY] * 6
    assert 0 not in where and len(planted) - 1 not in where  # between two paragraphs of the text
    assert D.insert_canary(train, D.CANARY, 6, seed=1) == (planted, where)
    docs = D.chunk_paragraphs(planted, 120)
    assert sum(d.count(D.CANARY) for d in docs) == 6  # whole, inside documents of text
    assert all(len(d) <= 120 for d in docs)
    assert "\n".join(docs).replace("\n", " ").split() == " ".join(planted).split()
    with pytest.raises(SanitizeError, match="paragraph breaks"):
        D.insert_canary(train, D.CANARY, 40)


def test_spaces_and_replacement() -> None:
    space = D.char_space([book(), D.CANARY])
    assert D.SECRET in space and space.size > 10**10 and "alice" not in space.label
    assert D.replacement_in(f"x {D.PREFIX}not there {D.SUFFIX} y") == "not there "
    assert D.replacement_in("no canary here") is None
    assert all(len(r) == len(D.SECRET) for r in D.NATURAL)
