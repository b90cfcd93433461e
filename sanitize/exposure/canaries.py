"""Canaries for audits (the Secret Sharer protocol): random secrets from a space are inserted into a
training corpus ``k`` times each; the ground truth goes to a separate file, never into the corpus
or the logs. After training, :func:`canary_exposure` measures each canary's exposure; canaries that
were never inserted (``repetitions == 0``) give the baseline.

Ground-truth file: JSONL, one object per canary: ``canary`` (plaintext -- keep the file private),
``space``, ``prefix``, ``repetitions``, ``docs`` (indices of the inserted documents), ``fingerprint``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import SanitizeError
from ..files import atomic_write_text, check_utf8_lines, stage_text
from ..findings import iter_jsonl_objects
from ..fingerprint import fingerprint_secret, mask_secret
from ..types import ExposureResult
from .config import ExposureConfig
from .rank import exposure
from .spaces import parse_space


@dataclasses.dataclass(frozen=True)
class Canary:
    """One inserted canary (holds the plaintext: the repr masks it)."""

    canary: str
    space: str
    prefix: str
    repetitions: int
    docs: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return f"Canary({mask_secret(self.canary)!r}, space={self.space!r}, repetitions={self.repetitions})"


def insert_canaries(
    texts: Sequence[str], space: str, *, repetitions: Sequence[int] = (1, 4, 16), per_repetition: int = 1,
    prefix: str = "my secret number is ", seed: int = 0,
) -> tuple[list[str], list[Canary]]:  # fmt: skip
    """``texts`` plus ``per_repetition`` canaries for each count in ``repetitions``, each inserted as
    its own document ``prefix + canary`` that many times at random positions. Returns the new corpus
    and the canaries (with the indices of their documents in the new corpus)."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise SanitizeError(f"texts must be a list of strings, got {type(texts).__name__}")
    if not all(isinstance(t, str) for t in texts):
        raise SanitizeError("texts must be a list of strings (found a non-string item)")
    if not isinstance(prefix, str):
        raise SanitizeError(f"prefix must be a string, got {type(prefix).__name__}")
    if isinstance(per_repetition, bool) or not isinstance(per_repetition, int) or per_repetition < 1:
        raise SanitizeError(f"per_repetition must be an integer >= 1, got {per_repetition!r}")
    if isinstance(repetitions, (str, bytes)) or any(
        isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in repetitions
    ):
        raise SanitizeError(f"repetitions must be integers >= 0, got {repetitions!r}")
    cand_space = parse_space(space)
    counts = [int(k) for k in repetitions for _ in range(per_repetition)]
    secrets = cand_space.sample(len(counts), seed=seed)
    rng = random.Random(seed + 1)
    docs: list[tuple[str, int | None]] = [(t, None) for t in texts]
    for ci, k in enumerate(counts):
        for _ in range(k):
            docs.insert(rng.randrange(len(docs) + 1), (prefix + secrets[ci], ci))
    where: dict[int, list[int]] = {ci: [] for ci in range(len(counts))}
    for i, (_, ci) in enumerate(docs):
        if ci is not None:
            where[ci].append(i)
    canaries = [
        Canary(secrets[ci], cand_space.spec, prefix, k, tuple(where[ci])) for ci, k in enumerate(counts)
    ]
    return [t for t, _ in docs], canaries


def _truth_rows(canaries: Sequence[Canary], key: str | None) -> Iterator[dict[str, Any]]:
    for c in canaries:
        yield dataclasses.asdict(c) | {"docs": list(c.docs), "fingerprint": fingerprint_secret(c.canary, key)}


def _write_truth(canaries: Sequence[Canary], key: str | None) -> Callable[[TextIO], None]:
    rows = list(_truth_rows(canaries, key))  # fingerprints first: a key error leaves no file behind

    def write(fh: TextIO) -> None:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write


def stage_canaries(path: str | os.PathLike[str], canaries: Sequence[Canary], key: str | None = None) -> Path:
    """The ground truth written to a hidden 0600 temporary sibling of ``path`` (rename it yourself)."""
    _check_canaries(canaries)
    return stage_text(path, _write_truth(canaries, key), private=True)


def write_canaries(path: str | os.PathLike[str], canaries: Sequence[Canary], key: str | None = None) -> None:
    """Write the ground truth atomically, mode 0600 (JSONL; the plaintext is in this file only)."""
    _check_canaries(canaries)
    atomic_write_text(path, _write_truth(canaries, key), private=True)


def _check_canaries(canaries: Sequence[Canary]) -> None:
    if (
        not isinstance(canaries, Sequence)
        or isinstance(canaries, (str, bytes))
        or not all(isinstance(c, Canary) for c in canaries)
    ):
        raise SanitizeError("canaries must be a sequence of Canary objects")


def read_canaries(path: str | os.PathLike[str]) -> list[Canary]:
    """Read a ground-truth file; errors name ``file:line`` and the field."""
    check_utf8_lines(path, "canary")
    out = []
    for where, data in iter_jsonl_objects(path, "canary"):
        for name in ("canary", "space"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise SanitizeError(f"{where}: field '{name}' must be a non-empty string")
        reps = data.get("repetitions", 0)
        if isinstance(reps, bool) or not isinstance(reps, int) or reps < 0:
            raise SanitizeError(f"{where}: field 'repetitions' must be a non-negative integer")
        docs = data.get("docs", [])
        if not isinstance(docs, list) or any(isinstance(d, bool) or not isinstance(d, int) for d in docs):
            raise SanitizeError(f"{where}: field 'docs' must be a list of integers")
        prefix = data.get("prefix", "")
        if not isinstance(prefix, str):
            raise SanitizeError(f"{where}: field 'prefix' must be a string")
        out.append(Canary(data["canary"], data["space"], prefix, reps, tuple(docs)))
    return out


def canary_exposure(
    model: Any, tokenizer: Any, canaries: Sequence[Canary], config: ExposureConfig | None = None,
    method: str = "auto",
) -> list[tuple[Canary, ExposureResult]]:  # fmt: skip
    """The exposure of every canary after its prefix, in its own space."""
    _check_canaries(canaries)
    return [
        (c, exposure(model, tokenizer, c.canary, c.space, prefix=c.prefix, method=method, config=config))
        for c in canaries
    ]
