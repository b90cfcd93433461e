"""Findings files: one JSON object per line, as ``sanitize scan --out`` writes them.

Only ``doc``, ``start``, ``end`` and ``type`` are required when reading, so auditors can write
findings by hand. The plaintext is written only when the caller passes it explicitly (``--reveal``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import SanitizeError
from .types import Finding


class FindingsError(SanitizeError):
    """A findings file that cannot be read; the message names the file and line."""


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line atomically (temporary file + rename); returns the count."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def iter_jsonl_objects(
    path: str | os.PathLike[str], what: str, error: type[SanitizeError] = SanitizeError
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, object)`` per non-blank line, ``where`` being ``file:line``; errors name it."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} file not found")
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise error(f"{where}: malformed JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise error(f"{where}: expected a JSON object, got {type(data).__name__}")
            yield where, data


def write_findings(
    path: str | os.PathLike[str], findings: Iterable[Finding], values: Sequence[str] | None = None
) -> int:
    """Write ``findings`` as JSONL atomically (temporary file + rename); returns the count.

    ``values`` (the plaintext of each finding, same order) is written as ``"value"`` only when given.
    """

    def records() -> Iterator[dict[str, Any]]:
        for i, finding in enumerate(findings):
            record = finding.to_dict()
            if values is not None:
                record["value"] = values[i]
            yield record

    return write_jsonl(path, records())


def read_findings(path: str | os.PathLike[str]) -> list[Finding]:
    """Read a findings JSONL file; errors name ``file:line``. A ``value`` key is ignored."""
    findings = []
    for where, data in iter_jsonl_objects(path, "findings", FindingsError):
        try:
            findings.append(Finding.from_dict(data, where=where))
        except SanitizeError as exc:
            raise FindingsError(str(exc)) from None
    return findings
