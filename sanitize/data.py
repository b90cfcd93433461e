"""Corpus loading: files, folders, saved datasets and hub ids -> documents with a stable ``doc`` index.

Two entry points share one reader per format:

* :func:`iter_documents` streams :class:`Document` records (constant memory; the scanner uses it);
* :func:`load_corpus` materialises them as a ``datasets.Dataset`` (Arrow, memory-mapped) with the
  columns ``doc`` (0-based, input order), ``text``, ``source`` (file) and ``index`` (record number
  within that file, 0-based).

Document order: a folder is walked recursively, files sorted by their relative POSIX path
(hidden files and folders skipped); within a file, records keep their order. ``doc`` counts across
files in that order, so it is stable for the same inputs.

Every error is a :class:`~sanitize.errors.CorpusError` naming the file and, where there is one,
the line (JSONL, CSV, JSON) or byte offset (invalid UTF-8). Messages show field names and types,
never document text.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import BaseConfig, option
from .errors import CorpusError

if TYPE_CHECKING:  # datasets is imported lazily: it is slow to import
    import datasets

FORMATS = {".txt": "text", ".text": "text", ".md": "text", ".jsonl": "jsonl", ".json": "json",
           ".csv": "csv", ".parquet": "parquet"}  # fmt: skip
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclasses.dataclass
class CorpusConfig(BaseConfig):
    """How a corpus source is read into documents (see :func:`sanitize.load_corpus`)."""

    text_field: str = option("text", help="Name of the field/column holding the document text.")
    split: str | None = option(
        None,
        help="For .txt files: None = one document per file, 'lines' = one per line, "
        "'paragraphs' = one per blank-line-separated block.",
    )
    encoding_errors: str = option(
        "strict",
        help="'strict' = invalid UTF-8 is an error naming the byte offset; 'replace' = substitute U+FFFD "
        "and warn with a count.",
    )
    dataset_split: str = option(
        "train", help="Split to use when the source is a DatasetDict on disk or a hub dataset."
    )

    def __post_init__(self) -> None:
        if not isinstance(self.text_field, str) or not self.text_field:
            self._fail("text_field", "must be a non-empty string")
        self._check_choice("split", (None, "lines", "paragraphs"))
        self._check_choice("encoding_errors", ("strict", "replace"))


@dataclasses.dataclass(frozen=True)
class Document:
    """One document of a corpus. ``repr`` shows where it came from, not its text."""

    doc: int
    text: str = dataclasses.field(repr=False)
    source: str
    index: int


def _config(config: CorpusConfig | None, overrides: dict[str, Any]) -> CorpusConfig:
    if config is not None and overrides:
        raise CorpusError("pass either a CorpusConfig or keyword options, not both")
    return config if config is not None else CorpusConfig(**overrides)


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


def _is_saved_dataset(path: Path) -> bool:
    return (path / "dataset_dict.json").is_file() or (
        (path / "state.json").is_file() and (path / "dataset_info.json").is_file()
    )


def corpus_files(source: str | os.PathLike[str]) -> list[Path]:
    """The files a local source expands to, in document order (a CorpusError if there are none)."""
    path = Path(source)
    if path.is_file():
        file_format(path)
        return [path]
    if not path.is_dir():
        raise CorpusError(f"{path}: no such file or directory")
    files = []
    for p in path.rglob("*"):
        rel = p.relative_to(path)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
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
        offset = 0
        with _open_binary(self.path) as fh:
            try:
                for lineno, raw in enumerate(fh, start=1):
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:  # the error message (or replacement count) only now
                        text, bad = _decode(raw, f"{self.path}:{lineno}", offset, self.errors)
                        self.replaced += bad
                    offset += len(raw)
                    yield lineno, text
            except (OSError, EOFError) as exc:  # truncated gzip and the like
                raise CorpusError(f"{self.path}: read failed: {exc}") from None


def _warn_replaced(path: Path, count: int) -> None:
    if count:
        warnings.warn(f"{path}: replaced {count} invalid UTF-8 sequence(s) with U+FFFD", stacklevel=3)


def _text_value(value: Any, field: str, where: str, fields: Iterable[str]) -> str:
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
    lines = _Lines(path, cfg.encoding_errors)
    index = 0
    field = cfg.text_field
    # the hot loop of `sanitize scan`: the error location (an f-string) is built only for an error
    for lineno, line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if not line.strip():  # blank lines are skipped (json rejects them)
                continue
            raise CorpusError(f"{path}:{lineno}: malformed JSON: {exc.msg} (column {exc.colno})") from None
        text = record.get(field, _MISSING) if isinstance(record, dict) else _MISSING
        if not isinstance(text, str):
            where = f"{path}:{lineno}"
            if not isinstance(record, dict):
                raise CorpusError(f"{where}: expected a JSON object, got {type(record).__name__}")
            _text_value(text, field, where, record)  # raises: missing field or not a string
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
        yield index, _text_value(record.get(cfg.text_field, _MISSING), cfg.text_field, where, record)


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


_READERS = {"text": _read_text, "jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv,
            "parquet": _read_parquet}  # fmt: skip


# -- datasets (saved to disk, hub, in memory) ------------------------------------------------------
def _open_dataset(source: Any, cfg: CorpusConfig) -> datasets.Dataset:
    import datasets

    if isinstance(source, datasets.DatasetDict):
        if cfg.dataset_split not in source:
            raise CorpusError(
                f"dataset has no split '{cfg.dataset_split}'; splits present: {', '.join(source)}"
            )
        source = source[cfg.dataset_split]
    if isinstance(source, datasets.Dataset):
        return source
    path = Path(source)
    if path.is_dir() and _is_saved_dataset(path):
        return _open_dataset(datasets.load_from_disk(str(path)), cfg)
    try:
        return datasets.load_dataset(str(source), split=cfg.dataset_split)
    except Exception as exc:  # the hub raises many types; the message is what matters
        offline = os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1"
        hint = " (HF_HUB_OFFLINE=1 is set)" if offline else ""
        raise CorpusError(
            f"{source}: not a local file or folder, and loading it as a Hugging Face dataset failed{hint}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None


def _dataset_texts(ds: datasets.Dataset, cfg: CorpusConfig, name: str) -> Iterator[tuple[int, str]]:
    if cfg.text_field not in ds.column_names:
        raise CorpusError(
            f"{name}: no column '{cfg.text_field}'; columns present: {', '.join(ds.column_names)}"
        )
    index = 0
    for batch in ds.select_columns([cfg.text_field]).iter(batch_size=1024):
        for value in batch[cfg.text_field]:
            yield index, _text_value(value, cfg.text_field, f"{name}: row {index}", ds.column_names)
            index += 1


def _is_local(source: Any) -> bool:
    if not isinstance(source, (str, os.PathLike)):
        return False
    path = Path(source)
    if path.exists():
        return not (path.is_dir() and _is_saved_dataset(path))
    text = os.fspath(source)
    # something that cannot be a hub id, or names a file by its suffix, is a missing local path
    return not _HUB_ID.match(text) or any(text.lower().endswith(s) for s in FORMATS) or text.endswith(".gz")


# -- public API ------------------------------------------------------------------------------------
def iter_documents(
    source: str | os.PathLike[str] | Any, config: CorpusConfig | None = None, **options: Any
) -> Iterator[Document]:
    """Stream the documents of ``source`` in order, in constant memory.

    ``source``: a file, a folder, a dataset saved with ``save_to_disk``, a ``datasets.Dataset``,
    a list of strings, or a hub dataset id. ``options`` are :class:`CorpusConfig` fields.
    """
    cfg = _config(config, options)
    doc = 0
    if isinstance(source, (list, tuple)):
        for index, text in enumerate(source):
            yield Document(doc, _text_value(text, "text", f"item {index}", ()), "<list>", index)
            doc += 1
        return
    if _is_local(source):
        for path in corpus_files(source):
            for index, text in _READERS[file_format(path)](path, cfg):
                yield Document(doc, text, str(path), index)
                doc += 1
        return
    ds = _open_dataset(source, cfg)
    name = source if isinstance(source, (str, os.PathLike)) else "dataset"
    for index, text in _dataset_texts(ds, cfg, str(name)):
        yield Document(doc, text, str(name), index)
        doc += 1


def load_corpus(
    source: str | os.PathLike[str] | Any,
    text_field: str = "text",
    *,
    split: str | None = None,
    encoding_errors: str = "strict",
    dataset_split: str = "train",
    cache_dir: str | None = None,
) -> datasets.Dataset:
    """Load ``source`` as a ``datasets.Dataset`` with columns ``doc``, ``text``, ``source``, ``index``.

    See the module docstring for sources and ordering; ``split`` splits ``.txt`` files into
    ``"lines"`` or ``"paragraphs"``. The Arrow cache is keyed by the files' paths, sizes and
    modification times, so an edited file is read again.
    """
    import datasets

    cfg = CorpusConfig(
        text_field=text_field, split=split, encoding_errors=encoding_errors, dataset_split=dataset_split
    )
    if isinstance(source, (list, tuple)):
        return datasets.Dataset.from_dict(
            {"doc": list(range(len(source))),
             "text": [_text_value(t, "text", f"item {i}", ()) for i, t in enumerate(source)],
             "source": ["<list>"] * len(source), "index": list(range(len(source)))},
            features=_features(),
        )  # fmt: skip
    if not _is_local(source):
        return _normalise_dataset(
            _open_dataset(source, cfg),
            cfg,
            str(source) if isinstance(source, (str, os.PathLike)) else "dataset",
        )
    files = corpus_files(source)
    for path in files:  # validate formats and headers before writing any cache
        file_format(path)
    stamp = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    key = json.dumps([stamp, cfg.to_dict()], sort_keys=True)
    if cfg.encoding_errors == "replace":  # regenerate, so the replacement warning is always shown
        key += secrets.token_hex(8)
    try:
        return datasets.Dataset.from_generator(
            _generate,
            gen_kwargs={"source": os.fspath(source), "config": cfg.to_dict()},
            features=_features(),
            cache_dir=cache_dir,
            fingerprint=hashlib.sha256(key.encode()).hexdigest()[:32],
        )
    except datasets.exceptions.DatasetGenerationError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, CorpusError):
            raise CorpusError(str(cause)) from None
        raise
    except ValueError as exc:  # datasets refuses to build a split with no rows
        if "corresponds to no data" not in str(exc):
            raise
        return datasets.Dataset.from_dict({name: [] for name in _features()}, features=_features())


def _normalise_dataset(ds: datasets.Dataset, cfg: CorpusConfig, name: str) -> datasets.Dataset:
    import datasets

    if cfg.text_field not in ds.column_names:
        raise CorpusError(
            f"{name}: no column '{cfg.text_field}'; columns present: {', '.join(ds.column_names)}"
        )
    kind = ds.features[cfg.text_field]
    if not (isinstance(kind, datasets.Value) and kind.dtype in ("string", "large_string")):
        raise CorpusError(f"{name}: column '{cfg.text_field}' must hold strings, has type {kind}")

    def columns(batch: dict[str, list[Any]], indices: list[int]) -> dict[str, list[Any]]:
        for i, value in zip(indices, batch[cfg.text_field]):
            if value is None:
                raise CorpusError(f"{name}: row {i}: column '{cfg.text_field}' is null")
        return {
            "doc": indices,
            "text": batch[cfg.text_field],
            "source": [name] * len(indices),
            "index": indices,
        }

    out = ds.select_columns([cfg.text_field]).map(
        columns, batched=True, with_indices=True, remove_columns=[cfg.text_field], features=_features()
    )
    return out.select_columns(["doc", "text", "source", "index"])


def _generate(source: str, config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for d in iter_documents(source, CorpusConfig.from_dict(config)):
        yield {"doc": d.doc, "text": d.text, "source": d.source, "index": d.index}


def _features() -> datasets.Features:
    import datasets

    return datasets.Features(
        doc=datasets.Value("int64"), text=datasets.Value("string"),
        source=datasets.Value("string"), index=datasets.Value("int64"),
    )  # fmt: skip
