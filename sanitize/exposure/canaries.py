"""Canaries for audits (the Secret Sharer protocol): random secrets from a space are inserted into a
training corpus ``k`` times each; the ground truth goes to a separate file, never into the corpus
or the logs. After training, :func:`canary_exposure` measures each canary's exposure; canaries that
were never inserted (``repetitions == 0``) give the baseline.

Ground-truth file: JSONL, one object per canary: ``canary`` (plaintext -- keep the file private),
``space``, ``prefix``, ``repetitions``, ``docs`` (indices of the inserted documents), ``fingerprint``.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Sequence
from typing import Any

from ..errors import SanitizeError
from ..findings import iter_jsonl_objects, write_jsonl
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
    cand_space = parse_space(space)
    counts = [int(k) for k in repetitions for _ in range(per_repetition)]
    if any(k < 0 for k in counts):
        raise SanitizeError("repetitions must be >= 0")
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


def write_canaries(path: str | os.PathLike[str], canaries: Sequence[Canary], key: str | None = None) -> None:
    """Write the ground truth atomically (JSONL; the plaintext is in this file only)."""
    write_jsonl(path, (
        dataclasses.asdict(c) | {"docs": list(c.docs), "fingerprint": fingerprint_secret(c.canary, key)}
        for c in canaries
    ))  # fmt: skip


def read_canaries(path: str | os.PathLike[str]) -> list[Canary]:
    """Read a ground-truth file; errors name ``file:line`` and the field."""
    out = []
    for where, data in iter_jsonl_objects(path, "canary"):
        for name in ("canary", "space"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise SanitizeError(f"{where}: field '{name}' must be a non-empty string")
        reps = data.get("repetitions", 0)
        if isinstance(reps, bool) or not isinstance(reps, int) or reps < 0:
            raise SanitizeError(f"{where}: field 'repetitions' must be a non-negative integer")
        out.append(
            Canary(data["canary"], data["space"], str(data.get("prefix", "")), reps,
                   tuple(int(d) for d in data.get("docs", ())))
        )  # fmt: skip
    return out


def canary_exposure(
    model: Any, tokenizer: Any, canaries: Sequence[Canary], config: ExposureConfig | None = None,
    method: str = "auto",
) -> list[tuple[Canary, ExposureResult]]:  # fmt: skip
    """The exposure of every canary after its prefix, in its own space."""
    return [
        (c, exposure(model, tokenizer, c.canary, c.space, prefix=c.prefix, method=method, config=config))
        for c in canaries
    ]
