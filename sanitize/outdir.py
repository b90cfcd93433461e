"""Atomic output directories: a result appears complete under ``OUT`` or not at all.

Everything is written into a temporary sibling directory (same filesystem, so the final step is a
``rename``); the directory is renamed to ``OUT`` only when the writer finishes without an error.
An interrupted or failed run leaves ``OUT`` untouched and removes its temporary directory.

    >>> with atomic_output_dir("out/sanitized") as tmp:   # doctest: +SKIP
    ...     model.save_pretrained(tmp)
    ...     (tmp / "report.json").write_text(...)

``OUT`` may not exist yet, or be an empty directory; a non-empty ``OUT`` is replaced only with
``overwrite=True`` (the old content is moved aside and deleted after the new one is in place).
``OUT`` is never an input: one that is, lies inside, or contains an input file or folder (the base
model, the adapter, the data...; symlinks resolved) is refused, ``overwrite`` or not.

Temporaries are ``.OUT.tmp-XXXX`` siblings (mode 0700 until complete); one left by a killed run is
removed by the next run for the same ``OUT`` once it is older than the current process, and
SIGTERM / Ctrl-C remove the current one (:func:`atomic_output_dir`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import SanitizeError
from .files import check_not_input, sigterm_as_exit

Inputs = Mapping[str, "str | os.PathLike[str] | None"]


class OutputDirError(SanitizeError):
    """``OUT`` cannot be written: it exists and is not empty, is a file, or is not writable."""


def check_output_dir(
    out: str | os.PathLike[str], *, overwrite: bool = False, inputs: Inputs | None = None
) -> Path:
    """Fail fast (before any expensive work) when ``out`` cannot receive a result; returns its path.

    Raises :class:`OutputDirError` naming ``out`` when it is a file, a non-empty directory without
    ``overwrite``, when its parent (or nearest existing ancestor) is not writable, or when it is,
    lies inside or contains one of ``inputs`` (``{"--base": path, ...}``; None values are skipped).
    """
    if out is None or not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise OutputDirError(f"output: a directory path is required (got {out!r})")
    path = Path(out).expanduser().absolute()
    try:
        check_not_input(out, dict(inputs or {}), flag="output")
    except SanitizeError as exc:
        raise OutputDirError(str(exc)) from None
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
def atomic_output_dir(
    out: str | os.PathLike[str], *, overwrite: bool = False, inputs: Inputs | None = None
) -> Iterator[Path]:
    """Yield a temporary directory; on success it becomes ``out`` by rename, on error (SIGTERM and
    Ctrl-C included) it is removed. Stale temporaries of ``out`` from killed runs are removed first."""
    path = check_output_dir(out, overwrite=overwrite, inputs=inputs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    except OSError as exc:
        raise OutputDirError(f"output {out}: cannot create a directory next to it ({exc.strerror})") from None
    try:
        with sigterm_as_exit():
            yield tmp
            os.chmod(tmp, _default_mode())  # mkdtemp makes 0700: the usual permissions once complete
            _commit(tmp, path, out, overwrite, inputs)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _process_start() -> float:
    """When this process started (seconds since the epoch); module import time as a fallback."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            ticks = int(fh.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/stat", "rb") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED


_IMPORTED = time.time()
_MKDTEMP_SUFFIX = re.compile(r"[a-z0-9_]{8}")


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove ``.NAME.tmp-XXXXXXXX`` / ``.NAME.old-XXXXXXXX`` siblings of ``path`` (exactly what
    :func:`atomic_output_dir` creates) owned by this user and last changed before this process
    started: left by a run that was killed. Returns what was removed."""
    removed: list[Path] = []
    started = _process_start() - 1.0  # clock granularity: never a temporary of this process
    for kind in ("tmp", "old"):
        prefix = f".{path.name}.{kind}-"
        for p in path.parent.glob(glob.escape(prefix) + "*"):
            if not _MKDTEMP_SUFFIX.fullmatch(p.name[len(prefix) :]):
                continue
            try:
                st = p.lstat()
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mtime < started:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def _commit(
    tmp: Path, path: Path, out: str | os.PathLike[str], overwrite: bool, inputs: Inputs | None
) -> None:
    old: Path | None = None
    if path.exists():
        check_output_dir(out, overwrite=overwrite, inputs=inputs)  # it may have been filled while we worked
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
