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

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CorpusError
from .config import CorpusConfig, Document, config_from
from .readers import FORMATS, READERS, corpus_files, file_format, is_saved_dataset, text_value

if TYPE_CHECKING:  # datasets is imported lazily: it is slow to import
    import datasets

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


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
    if path.is_dir() and is_saved_dataset(path):
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
            yield index, text_value(value, cfg.text_field, f"{name}: row {index}", ds.column_names)
            index += 1


def _is_local(source: Any) -> bool:
    if not isinstance(source, (str, os.PathLike)):
        return False
    path = Path(source)
    if path.exists():
        return not (path.is_dir() and is_saved_dataset(path))
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
    cfg = config_from(config, options)
    doc = 0
    if isinstance(source, (list, tuple)):
        for index, text in enumerate(source):
            yield Document(doc, text_value(text, "text", f"item {index}", ()), "<list>", index)
            doc += 1
        return
    if _is_local(source):
        for path in corpus_files(source):
            for index, text in READERS[file_format(path)](path, cfg):
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
    ``"lines"`` or ``"paragraphs"``. The Arrow copy of local files is keyed by the files' paths,
    sizes and modification times, so an edited file is read again. It holds the corpus in plaintext,
    so it is written to ``cache_dir`` only when one is given; by default to a private (0700)
    temporary folder of this process, removed when it exits (:func:`private_cache_dir`) -- never
    to the shared datasets cache.
    """
    if source is None:
        raise CorpusError(
            "load_corpus: source is required (a file, folder, dataset, hub id or list of texts)"
        )
    import datasets

    cfg = CorpusConfig(
        text_field=text_field, split=split, encoding_errors=encoding_errors, dataset_split=dataset_split
    )
    if isinstance(source, (list, tuple)):
        return datasets.Dataset.from_dict(
            {"doc": list(range(len(source))),
             "text": [text_value(t, "text", f"item {i}", ()) for i, t in enumerate(source)],
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
            cache_dir=cache_dir if cache_dir is not None else private_cache_dir(),
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

    # the normalised copy holds the texts: into the private folder, never next to a saved dataset
    # (an input) or into the shared cache
    cache = os.path.join(private_cache_dir(), f"normalised-{secrets.token_hex(8)}.arrow")
    out = ds.select_columns([cfg.text_field]).map(
        columns, batched=True, with_indices=True, remove_columns=[cfg.text_field], features=_features(),
        cache_file_name=cache, new_fingerprint=secrets.token_hex(16),
    )  # fmt: skip
    return out.select_columns(["doc", "text", "source", "index"])


_PRIVATE: list[str] = []  # this process's private cache folder, once created


def private_cache_dir() -> str:
    """A folder only this user can read (0700), removed when the process exits (``atexit``; SIGTERM
    too where :func:`sanitize.files.sigterm_as_exit` is in force): where plaintext copies of a corpus
    (Arrow files) live while they are needed."""
    if not _PRIVATE or not os.path.isdir(_PRIVATE[0]):
        import atexit
        import shutil
        import tempfile

        path = tempfile.mkdtemp(prefix="sanitize-corpus-")  # 0700
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _PRIVATE[:] = [path]
    return _PRIVATE[0]


def _generate(source: str, config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for d in iter_documents(source, CorpusConfig.from_dict(config)):
        yield {"doc": d.doc, "text": d.text, "source": d.source, "index": d.index}


def _features() -> datasets.Features:
    import datasets

    return datasets.Features(
        doc=datasets.Value("int64"), text=datasets.Value("string"),
        source=datasets.Value("string"), index=datasets.Value("int64"),
    )  # fmt: skip


__all__ = [
    "FORMATS",
    "CorpusConfig",
    "Document",
    "corpus_files",
    "file_format",
    "iter_documents",
    "load_corpus",
    "private_cache_dir",
]
