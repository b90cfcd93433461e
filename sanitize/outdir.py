"""Atomic output directories: a result appears complete under ``OUT`` or not at all.

Everything is written into a temporary sibling directory (same filesystem, so the final step is a
``rename``); the directory is renamed to ``OUT`` only when the writer finishes without an error.
An interrupted or failed run leaves ``OUT`` untouched and removes its temporary directory.

    >>> with atomic_output_dir("out/sanitized") as tmp:   # doctest: +SKIP
    ...     model.save_pretrained(tmp)
    ...     (tmp / "report.json").write_text(...)

``OUT`` may not exist yet, or be an empty directory; a non-empty ``OUT`` is replaced only with
``overwrite=True`` (the old content is moved aside and deleted after the new one is in place).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import SanitizeError


class OutputDirError(SanitizeError):
    """``OUT`` cannot be written: it exists and is not empty, is a file, or is not writable."""


def check_output_dir(out: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Fail fast (before any expensive work) when ``out`` cannot receive a result; returns its path.

    Raises :class:`OutputDirError` naming ``out`` when it is a file, a non-empty directory without
    ``overwrite``, or when its parent (or nearest existing ancestor) is not writable.
    """
    path = Path(out).expanduser().absolute()
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise OutputDirError(f"output {out}: exists and is not a directory")
        if any(path.iterdir()) and not overwrite:
            raise OutputDirError(
                f"output {out}: directory exists and is not empty (pass --overwrite / overwrite=True "
                "to replace it)"
            )
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputDirError(f"output {out}: {ancestor} is not a directory")
    try:  # a real probe: os.access says yes to root even on read-only filesystems
        os.rmdir(tempfile.mkdtemp(prefix=".sanitize-probe-", dir=ancestor))
    except OSError as exc:
        raise OutputDirError(f"output {out}: {ancestor} is not writable ({exc.strerror})") from None
    return path


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


@contextlib.contextmanager
def atomic_output_dir(out: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory; on success it becomes ``out`` by rename, on error it is removed."""
    path = check_output_dir(out, overwrite=overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    except OSError as exc:
        raise OutputDirError(f"output {out}: cannot create a directory next to it ({exc.strerror})") from None
    try:
        os.chmod(tmp, _default_mode())  # mkdtemp makes 0700; give the result the usual permissions
        yield tmp
        _commit(tmp, path, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, path: Path, out: str | os.PathLike[str], overwrite: bool) -> None:
    old: Path | None = None
    if path.exists():
        check_output_dir(out, overwrite=overwrite)  # it may have been filled while we worked
        if any(path.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.rename(path, old / "content")
        else:
            path.rmdir()
    try:
        os.rename(tmp, path)
    except OSError as exc:
        if old is not None:  # put the previous result back
            os.rename(old / "content", path)
            shutil.rmtree(old, ignore_errors=True)
        raise OutputDirError(f"output {out}: cannot move the result into place ({exc.strerror})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
