"""Findings files: one JSON object per line, as ``sanitize scan --out`` writes them.

Only ``doc``, ``start``, ``end`` and ``type`` are required when reading, so auditors can write
findings by hand. The plaintext is written only when the caller passes it explicitly (``--reveal``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import SanitizeError
from .files import atomic_write_text, check_input_path
from .types import Finding


class FindingsError(SanitizeError):
    """A findings file that cannot be read; the message names the file and line."""


def write_jsonl(
    path: str | os.PathLike[str], records: Iterable[dict[str, Any]], *, private: bool = False
) -> int:
    """Write one JSON object per line atomically (a 0600 temporary sibling renamed into place: the
    file is complete or left as it was); returns the count. ``private`` keeps it 0600 (plaintext)."""
    count = 0

    def write(fh: TextIO) -> None:
        nonlocal count
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1

    atomic_write_text(path, write, private=private)
    return count


def iter_jsonl_objects(
    path: str | os.PathLike[str], what: str, error: type[SanitizeError] = SanitizeError
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, object)`` per non-blank line, ``where`` being ``file:line``; errors name it
    (invalid UTF-8 included: lines are decoded one by one)."""
    if path is None or not isinstance(path, (str, os.PathLike)):
        raise error(f"{what} file: expected a path, got {type(path).__name__}")
    path = Path(path)
    try:
        check_input_path(path, f"{what} file")
    except SanitizeError as exc:
        raise error(str(exc)) from None
    if not path.is_file():
        raise error(f"{path}: {what} file not found")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below; only the open is guarded
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise error(f"{where}: not valid UTF-8 (byte {exc.start} of the line)") from None
            if not line.strip():
                continue
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

    ``values`` (the plaintext of each finding, same order) is written as ``"value"`` only when given,
    and the file is then private (0600).
    """

    def records() -> Iterator[dict[str, Any]]:
        for i, finding in enumerate(findings):
            record = finding.to_dict()
            if values is not None:
                record["value"] = values[i]
            yield record

    return write_jsonl(path, records(), private=values is not None)


def read_findings(path: str | os.PathLike[str]) -> list[Finding]:
    """Read a findings JSONL file; errors name ``file:line``. A ``value`` key is ignored."""
    findings = []
    for where, data in iter_jsonl_objects(path, "findings", FindingsError):
        try:
            findings.append(Finding.from_dict(data, where=where))
        except SanitizeError as exc:
            raise FindingsError(str(exc)) from None
    return findings
