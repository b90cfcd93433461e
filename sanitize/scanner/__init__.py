"""``scan``: find every secret in a corpus; the only loop over documents.

:func:`scan` returns every finding of a corpus (a list, a ``datasets.Dataset`` -- optionally with
several processes -- or any iterable of documents); :func:`iter_scan` streams them in constant
memory; :func:`scan_batch` is the pure batched form for ``Dataset.map``. How one document is
scanned is :class:`~sanitize.scanner.engine.Scanner`'s business; what is looked for is
:class:`ScanConfig`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import SanitizeError
from ..types import Finding
from .config import ScanConfig
from .engine import FINDING_COLUMNS, Scanner, get_scanner


def _items(docs: Iterable[Any]) -> Iterator[tuple[int, str]]:
    for position, item in enumerate(docs):
        if isinstance(item, str):
            yield position, item
        elif isinstance(item, tuple) and len(item) == 2:
            yield int(item[0]), item[1]
        elif hasattr(item, "doc") and hasattr(item, "text"):
            yield item.doc, item.text
        else:
            raise SanitizeError(
                f"scan: item {position} is a {type(item).__name__}; expected str, (doc, text) or a Document"
            )


def iter_scan(
    docs: Iterable[Any], config: ScanConfig | None = None, *, with_values: bool = False, num_proc: int = 1
) -> Iterator[Any]:
    """Stream findings document by document, in constant memory.

    ``docs`` yields ``str`` (doc = position), ``(doc, text)`` pairs or :class:`~sanitize.data.Document`.
    Yields :class:`Finding` objects, or ``(Finding, plaintext)`` pairs when ``with_values`` (used by
    ``sanitize scan --reveal``; the plaintext is never stored anywhere else).
    ``num_proc`` > 1: batches of documents are scanned by that many worker processes, at most
    ``2 * num_proc`` batches in flight (memory stays bounded), findings yielded in document order.
    """
    if num_proc > 1:
        yield from _iter_scan_pool(docs, config or ScanConfig(), with_values, num_proc)
        return
    for finding, value in _scan_items(get_scanner(config), _items(docs)):
        yield (finding, value) if with_values else finding


def _scan_items(scanner: Scanner, items: Iterable[tuple[int, Any]]) -> Iterator[tuple[Finding, str]]:
    for doc, text in items:
        if text is None:
            continue
        if not isinstance(text, str):
            raise SanitizeError(f"scan: document {doc} text is a {type(text).__name__}, expected str")
        yield from scanner.scan_text(text, doc)


BATCH_CHARS = 1 << 19  # characters per batch sent to a worker (~0.5 MB: ~5 ms of work, many per worker)


def _scan_worker(
    config: ScanConfig, batch: list[tuple[int, Any]], with_values: bool
) -> list[tuple[Finding, str]]:
    """One batch in a worker process -> its findings (plaintext only when the caller asked for it)."""
    return [(f, v if with_values else "") for f, v in _scan_items(get_scanner(config), batch)]


def _batches(docs: Iterable[Any]) -> Iterator[list[tuple[int, Any]]]:
    batch: list[tuple[int, Any]] = []
    size = 0
    for doc, text in _items(docs):
        batch.append((doc, text))
        size += len(text) if isinstance(text, str) else 1
        if size >= BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _iter_scan_pool(
    docs: Iterable[Any], config: ScanConfig, with_values: bool, num_proc: int
) -> Iterator[Any]:
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    batches = _batches(docs)
    # the first batch is scanned here: forked workers inherit the compiled scanner and its warm RE2 DFA
    for finding, value in _scan_worker(config, next(batches, []), with_values):
        yield (finding, value) if with_values else finding
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pending: deque[Future[list[tuple[Finding, str]]]] = deque()
    with ProcessPoolExecutor(num_proc, mp_context=multiprocessing.get_context(method)) as pool:
        try:
            for batch in batches:
                pending.append(pool.submit(_scan_worker, config, batch, with_values))
                while len(pending) >= 2 * num_proc or (pending and pending[0].done()):
                    for finding, value in pending.popleft().result():
                        yield (finding, value) if with_values else finding
            while pending:
                for finding, value in pending.popleft().result():
                    yield (finding, value) if with_values else finding
        finally:
            for future in pending:
                future.cancel()


def scan_batch(
    batch: dict[str, list[Any]], config: ScanConfig | None = None, *, text_field: str = "text"
) -> dict[str, list[Any]]:
    """Pure batched scan for ``Dataset.map(scan_batch, batched=True, remove_columns=...)``.

    Reads ``batch[text_field]`` and the ``doc`` column (required: ``load_corpus`` provides it);
    returns one row per finding with the columns of :data:`FINDING_COLUMNS`.
    """
    if text_field not in batch:
        raise SanitizeError(
            f"scan_batch: the batch has no {text_field!r} column (columns: {', '.join(batch)})"
        )
    if "doc" not in batch:
        raise SanitizeError("scan_batch: the batch has no 'doc' column; use scan() or load_corpus()")
    return _findings_columns(iter_scan(zip(batch["doc"], batch[text_field]), config))


def _scan_batch_indexed(
    batch: dict[str, list[Any]], indices: list[int], config: ScanConfig, text_field: str
) -> dict[str, list[Any]]:
    return _findings_columns(iter_scan(zip(indices, batch[text_field]), config))


def _findings_columns(findings: Iterable[Finding]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {c: [] for c in FINDING_COLUMNS}
    for f in findings:
        for c in FINDING_COLUMNS:
            columns[c].append(getattr(f, c))
    return columns


def scan(
    corpus: Any, config: ScanConfig | None = None, *, num_proc: int | None = None, text_field: str = "text"
) -> list[Finding]:
    """Every secret in ``corpus``, sorted by (doc, start); every occurrence is its own finding.

        ``corpus``: a ``datasets.Dataset`` with a text column (doc index = its ``doc`` column if present,
        else the row index), a list of strings, or any iterable of strings / ``(doc, text)`` /
        ``Document``. ``num_proc`` > 1 scans a Dataset with ``Dataset.map(batched=True, num_proc=...)``, anything
    else with a pool of worker processes (:func:`iter_scan`).
    """
    config = config or ScanConfig()
    get_scanner(config)  # fail early (bad rules file) in this process
    if isinstance(corpus, str):
        raise SanitizeError("scan: corpus is a single string; pass a list of documents (or use load_corpus)")
    if _is_dataset(corpus):
        return _scan_dataset(corpus, config, num_proc, text_field)
    findings = list(iter_scan(corpus, config, num_proc=num_proc or 1))
    findings.sort(key=lambda f: (f.doc, f.start, f.end))
    return findings


def _is_dataset(obj: Any) -> bool:
    return type(obj).__name__ == "Dataset" and hasattr(obj, "column_names") and hasattr(obj, "map")


def _scan_dataset(ds: Any, config: ScanConfig, num_proc: int | None, text_field: str) -> list[Finding]:
    if text_field not in ds.column_names:
        raise SanitizeError(
            f"scan: the dataset has no {text_field!r} column (columns: {', '.join(ds.column_names)})"
        )
    has_doc = "doc" in ds.column_names
    if len(ds) == 0:  # nothing to scan (a map over no rows has no columns to read back)
        return []
    if num_proc and num_proc > 1:
        if has_doc:
            out = ds.map(
                scan_batch, batched=True, fn_kwargs={"config": config, "text_field": text_field},
                remove_columns=ds.column_names, num_proc=num_proc, load_from_cache_file=False,
                desc="scanning",
            )  # fmt: skip
        else:
            out = ds.map(
                _scan_batch_indexed, batched=True, with_indices=True,
                fn_kwargs={"config": config, "text_field": text_field},
                remove_columns=ds.column_names, num_proc=num_proc, load_from_cache_file=False,
                desc="scanning",
            )  # fmt: skip
        columns = out.to_dict()
        findings = [Finding(*row) for row in zip(*(columns.get(c, []) for c in FINDING_COLUMNS))]
    else:
        columns = [text_field, "doc"] if has_doc else [text_field]

        def rows() -> Iterator[tuple[int, str]]:
            position = 0
            for batch in ds.select_columns(columns).iter(batch_size=1000):
                texts = batch[text_field]
                docs = batch["doc"] if has_doc else range(position, position + len(texts))
                position += len(texts)
                yield from zip(docs, texts)

        findings = list(iter_scan(rows(), config))
    findings.sort(key=lambda f: (f.doc, f.start, f.end))
    return findings


__all__ = ["FINDING_COLUMNS", "ScanConfig", "Scanner", "get_scanner", "iter_scan", "scan", "scan_batch"]
