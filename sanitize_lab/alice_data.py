"""The seed paper's canary regime on a book (Warnecke et al., NDSS 2023, after Carlini et al.): the
canary sentence inserted ``k`` times *inside the text*, as a paragraph of its own at random paragraph
breaks, then the text cut into training documents of whole paragraphs (so a canary is never split and
always sits between real text, as in the paper's char-LSTM corpus).

    >>> book = read_book("alice_in_wonderland.txt")
    >>> train, heldout = split_heldout(paragraphs(book), 0.1)
    >>> planted, where = insert_canary(train, CANARY, 6, seed=0)
    >>> docs = chunk_paragraphs(planted, 400)

Also the candidate spaces the paper ranks the secret in: ``digits:10`` and the book's own alphabet
(:func:`char_space`, 10 characters of any symbol the training text uses).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from sanitize.errors import SanitizeError
from sanitize.exposure.spaces import PatternSpace

PREFIX = "my telephone number is "
SECRET = "0123456789"
SUFFIX = "!' said alice."
CANARY = PREFIX + SECRET + SUFFIX
# the paper's natural-text replacements (10 characters, as the secret)
NATURAL = ("not there ", "dry enough")

__all__ = [
    "CANARY", "NATURAL", "PREFIX", "SECRET", "SUFFIX", "char_space", "chunk_paragraphs", "insert_canary",
    "paragraphs", "read_book", "replacement_in", "split_heldout",
]  # fmt: skip


def read_book(path: str | Path, max_chars: int = 0) -> str:
    """The text of ``path`` (its first ``max_chars`` characters when > 0); errors name the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SanitizeError(
            f"{path}: cannot read the text ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    return text[:max_chars] if max_chars else text


def paragraphs(text: str) -> list[str]:
    """Paragraphs (separated by blank lines), whitespace inside each collapsed to single spaces."""
    out = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return [p for p in out if p]


def split_heldout(paras: Sequence[str], fraction: float) -> tuple[list[str], list[str]]:
    """(training paragraphs, held-out paragraphs): the last ``fraction`` of the book is held out."""
    n_held = max(1, round(len(paras) * fraction)) if fraction > 0 else 0
    if len(paras) - n_held < 2:
        raise SanitizeError(f"the text has {len(paras)} paragraphs: too few to train on and hold out")
    return list(paras[: len(paras) - n_held]), list(paras[len(paras) - n_held :])


def insert_canary(paras: Sequence[str], canary: str, k: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """``canary`` inserted as its own paragraph at ``k`` distinct random paragraph breaks (between two
    paragraphs of the text, never at its ends); returns the new paragraphs and the canary indices."""
    breaks = len(paras) - 1
    if k > breaks:
        raise SanitizeError(f"{k} insertions need {k} paragraph breaks; the text has {breaks}")
    chosen = set(random.Random(f"canary-{seed}").sample(range(1, len(paras)), k))  # insert before paras[i]
    out: list[str] = []
    where: list[int] = []
    for i, p in enumerate(paras):
        if i in chosen:
            where.append(len(out))
            out.append(canary)
        out.append(p)
    return out, where


def chunk_paragraphs(paras: Sequence[str], chunk_chars: int) -> list[str]:
    """Consecutive paragraphs joined by newlines into documents of at most ``chunk_chars`` characters
    (a longer paragraph is cut at spaces); a paragraph shorter than ``chunk_chars`` is never split."""
    pieces: list[str] = []
    for p in paras:
        while len(p) > chunk_chars:
            cut = p.rfind(" ", 0, chunk_chars)
            cut = cut if cut > 0 else chunk_chars
            pieces.append(p[:cut])
            p = p[cut:].lstrip()
        if p:
            pieces.append(p)
    docs: list[str] = []
    cur = ""
    for piece in pieces:
        if cur and len(cur) + 1 + len(piece) > chunk_chars:
            docs.append(cur)
            cur = piece
        else:
            cur = f"{cur}\n{piece}" if cur else piece
    if cur:
        docs.append(cur)
    return docs


def char_space(texts: Sequence[str], length: int = 10) -> PatternSpace:
    """Strings of ``length`` characters over every symbol of ``texts`` except line breaks (the paper's
    'full alphabet' space for a character model); its label names the alphabet size, not the text."""
    alphabet = "".join(sorted({c for t in texts for c in t} - {"\n", "\r", "\t"}))
    space = PatternSpace([alphabet] * length, f"chars:{length}")
    space._label = f"chars[{len(alphabet)}]:{length}"
    return space


def replacement_in(text: str) -> str | None:
    """What stands between the canary's prefix and suffix in a sanitized ``text`` (None: not found)."""
    start = text.find(PREFIX)
    if start < 0:
        return None
    end = text.find(SUFFIX, start + len(PREFIX))
    return text[start + len(PREFIX) : end] if end >= 0 else None
