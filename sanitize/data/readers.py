"""Local corpus files: which files a source expands to, and one reader per format.

Each reader yields ``(index within the file, text)`` and raises a
:class:`~sanitize.errors.CorpusError` naming the file and the line (JSONL, CSV, JSON) or byte
offset (invalid UTF-8); messages show field names and types, never document text.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from .config import CorpusConfig

FORMATS = {".txt": "text", ".text": "text", ".md": "text", ".jsonl": "jsonl", ".json": "json",
           ".csv": "csv", ".parquet": "parquet"}  # fmt: skip


def file_format(path: Path) -> str:
    """The reader for ``path`` from its suffix (``.gz`` allowed on top), or a CorpusError."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None or (fmt == "parquet" and path.suffix.lower() == ".gz"):
        raise CorpusError(
            f"{path}: unsupported format '{''.join(path.suffixes) or '(no suffix)'}'; supported: "
            f"{', '.join(sorted(FORMATS))} (optionally .gz), a folder of such files, "
            "a dataset saved with save_to_disk, or a hub dataset id"
        )
    return fmt


def is_saved_dataset(path: Path) -> bool:
    return (path / "dataset_dict.json").is_file() or (
        (path / "state.json").is_file() and (path / "dataset_info.json").is_file()
    )


def corpus_files(source: str | os.PathLike[str]) -> list[Path]:
    """The files a local source expands to, in document order (a CorpusError if there are none).

    A folder that cannot be listed (the source or any visible sub-folder), and a source that is
    neither a file nor a folder (a FIFO, a socket, a device), are errors naming the path: a corpus is
    never read in part without saying so."""
    from ..errors import SanitizeError
    from ..files import check_input_path

    path = Path(source)
    try:
        check_input_path(path, "corpus")
    except SanitizeError as exc:
        raise CorpusError(str(exc)) from None
    if path.is_file():
        file_format(path)
        return [path]
    if not path.is_dir():
        raise CorpusError(f"{path}: no such file or directory")

    def unreadable(exc: OSError) -> None:
        raise CorpusError(
            f"{exc.filename or path}: cannot read this corpus folder ({exc.strerror or exc}); "
            "fix its permissions or leave it out of the corpus"
        )

    files = []
    for root, dirs, names in os.walk(path, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # hidden folders are skipped, unread
        for name in names:
            p = Path(root, name)
            if name.startswith(".") or not p.is_file():
                continue
            try:
                file_format(p)
            except CorpusError:
                continue
            files.append(p)
    if not files:
        raise CorpusError(f"{path}: folder holds no corpus files (looked for {', '.join(sorted(FORMATS))})")
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


# -- decoding --------------------------------------------------------------------------------------
def _decode(data: bytes, where: str, offset: int, errors: str) -> tuple[str, int]:
    """Decode UTF-8; return (text, number of invalid sequences replaced)."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise CorpusError(
                f"{where}: invalid UTF-8 at byte offset {offset + exc.start} "
                "(pass encoding_errors='replace' / --encoding-errors replace to substitute U+FFFD)"
            ) from None
    replaced = data.decode("utf-8", "replace")
    genuine = data.decode("utf-8", "ignore").count("\ufffd")
    return replaced, replaced.count("\ufffd") - genuine


_BUFFER = 1 << 20  # read-ahead for line iteration: 8 KiB buffers cost more than the lines' decoding


def _open_binary(path: Path) -> io.BufferedIOBase:
    try:
        if path.suffix.lower() == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb", buffering=_BUFFER)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot open: {exc.strerror or exc}") from None


class _Lines:
    """Iterate a file's lines as (1-based line number, decoded text), counting replacements."""

    def __init__(self, path: Path, errors: str) -> None:
        self.path, self.errors, self.replaced = path, errors, 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for lineno, raw, offset in self.raw():
            yield lineno, self.decode(raw, lineno, offset)

    def raw(self) -> Iterator[tuple[int, bytes, int]]:
        """(1-based line number, the line's bytes, its byte offset), undecoded."""
        offset = 0
        with _open_binary(self.path) as fh:
            try:
                for lineno, raw in enumerate(fh, start=1):
                    yield lineno, raw, offset
                    offset += len(raw)
            except (OSError, EOFError) as exc:  # truncated gzip and the like
                raise CorpusError(f"{self.path}: read failed: {exc}") from None

    def decode(self, raw: bytes, lineno: int, offset: int) -> str:
        """A line's text; invalid UTF-8 raises a CorpusError or is replaced (and counted)."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:  # the error message (or replacement count) only now
            text, bad = _decode(raw, f"{self.path}:{lineno}", offset, self.errors)
            self.replaced += bad
            return text


def _warn_replaced(path: Path, count: int) -> None:
    if count:
        warnings.warn(f"{path}: replaced {count} invalid UTF-8 sequence(s) with U+FFFD", stacklevel=3)


def text_value(value: Any, field: str, where: str, fields: Iterable[str]) -> str:
    if value is _MISSING:
        raise CorpusError(
            f"{where}: no field '{field}'; fields present: {', '.join(map(str, fields)) or '(none)'}"
        )
    if not isinstance(value, str):
        raise CorpusError(f"{where}: field '{field}' must be a string, got {type(value).__name__}")
    return value


_MISSING = object()


# -- one reader per format: yield (index within file, text) ----------------------------------------
def _read_text(path: Path, cfg: CorpusConfig) -> Iterator[tuple[int, str]]:
    if cfg.split is None:
        with _open_binary(path) as fh:
            data = fh.read()
        text, bad = _decode(data, str(path), 0, cfg.encoding_errors)
        _warn_replaced(path, bad)
        yield 0, text
        return
    lines = _Lines(path, cfg.encoding_errors)
    index = 0
    if cfg.split == "lines":
        for _, line in lines:
            line = line.rstrip("\r\n")
            if line.strip():
                yield index, line
                index += 1
    else:  # paragraphs: blocks separated by blank lines, inner newlines kept
        block: list[str] = []
        for _, line in lines:
            if line.strip():
                block.append(line)
            elif block:
                yield index, "".join(block).rstrip("\r\n")
                index, block = index + 1, []
        if block:
            yield index, "".join(block).rstrip("\r\n")
    _warn_replaced(path, lines.replaced)


def _read_jsonl(path: Path, cfg: CorpusConfig) -> Iterator[tuple[int, str]]:
    import orjson  # 2x the json module on these lines, and it parses the bytes (no decode + re-encode)

    lines = _Lines(path, cfg.encoding_errors)
    index = 0
    field = cfg.text_field
    # the hot loop of `sanitize scan`: orjson accepts a subset of what json does (strict RFC 8259,
    # valid UTF-8), so any line it rejects goes the json module's way, which has the last word
    # (NaN, lone surrogates, invalid UTF-8 under --encoding-errors replace, the error message)
    for lineno, raw, offset in lines.raw():
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            line = lines.decode(raw, lineno, offset)
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if not line.strip():  # blank lines are skipped (json rejects them)
                    continue
                raise CorpusError(
                    f"{path}:{lineno}: malformed JSON: {exc.msg} (column {exc.colno})"
                ) from None
        text = record.get(field, _MISSING) if isinstance(record, dict) else _MISSING
        if not isinstance(text, str):
            where = f"{path}:{lineno}"
            if not isinstance(record, dict):
                raise CorpusError(f"{where}: expected a JSON object, got {type(record).__name__}")
            text_value(text, field, where, record)  # raises: missing field or not a string
        yield index, text
        index += 1
    _warn_replaced(path, lines.replaced)


def _read_json(path: Path, cfg: CorpusConfig) -> Iterator[tuple[int, str]]:
    with _open_binary(path) as fh:
        head = fh.read(4096).lstrip()
    if not head.startswith(b"["):  # JSON Lines saved as .json (what Dataset.to_json writes)
        yield from _read_jsonl(path, cfg)
        return
    with _open_binary(path) as fh:
        data = fh.read()
    text, bad = _decode(data, str(path), 0, cfg.encoding_errors)
    _warn_replaced(path, bad)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg} (column {exc.colno})") from None
    for index, record in enumerate(records):
        where = f"{path}: record {index}"
        if not isinstance(record, dict):
            raise CorpusError(f"{where}: expected a JSON object, got {type(record).__name__}")
        yield index, text_value(record.get(cfg.text_field, _MISSING), cfg.text_field, where, record)


def _read_csv(path: Path, cfg: CorpusConfig) -> Iterator[tuple[int, str]]:
    lines = _Lines(path, cfg.encoding_errors)
    reader = csv.reader(line for _, line in lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CorpusError(f"{path}: empty CSV file (no header row)") from None
    except csv.Error as exc:
        raise CorpusError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    if cfg.text_field not in header:
        raise CorpusError(f"{path}:1: no column '{cfg.text_field}'; columns present: {', '.join(header)}")
    column = header.index(cfg.text_field)
    index = 0
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise CorpusError(
                    f"{path}:{reader.line_num}: row has {len(row)} fields, header has {len(header)}"
                )
            yield index, row[column]
            index += 1
    except csv.Error as exc:
        raise CorpusError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    _warn_replaced(path, lines.replaced)


def _read_parquet(path: Path, cfg: CorpusConfig) -> Iterator[tuple[int, str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise CorpusError(f"{path}: not a readable Parquet file: {exc}") from None
    names = pf.schema_arrow.names
    if cfg.text_field not in names:
        raise CorpusError(f"{path}: no column '{cfg.text_field}'; columns present: {', '.join(names)}")
    kind = pf.schema_arrow.field(cfg.text_field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise CorpusError(f"{path}: column '{cfg.text_field}' must hold strings, has type {kind}")
    index = 0
    for batch in pf.iter_batches(columns=[cfg.text_field], batch_size=1024):
        for value in batch.column(0).to_pylist():
            if value is None:
                raise CorpusError(f"{path}: row {index}: column '{cfg.text_field}' is null")
            yield index, value
            index += 1


READERS = {"text": _read_text, "jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv,
            "parquet": _read_parquet}  # fmt: skip
