"""Files the CLI reads and writes: outputs checked before any work, written atomically, never over
an input; inputs that are not files named for what they are.

* :func:`check_output_file` fails fast (before a model or a corpus is read) when ``--out`` or
  ``--plot`` cannot receive a file: a directory, a missing or non-directory parent, an unwritable
  parent (``/proc``, a read-only mount), or an existing non-regular file (a FIFO, ``/dev/null``: a
  rename would replace the device node).
* :func:`check_not_input` refuses an output that is an input, lies inside an input folder, or
  contains an input (resolved paths, so symlinks count, and ``samefile`` for hard links).
* :func:`check_input_path` names what an input that is neither a file nor a folder is (a FIFO...),
  instead of "no such file".
* :func:`atomic_write_text` / :func:`stage_text` write into a hidden sibling ``.NAME.tmp-XXXX``
  created with mode 0600 (``mkstemp``) and rename it over the target only once complete; a failed
  or interrupted write removes it. ``private=True`` keeps the result 0600 (plaintext secrets:
  ``--reveal`` findings, canary ground truth); otherwise it gets the usual ``0666 & ~umask``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from .errors import SanitizeError


class OutputFileError(SanitizeError):
    """An output file cannot be written where asked, or would overwrite an input."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str | None:
    """What a non-regular, non-directory file is (None for a regular file or a directory)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def check_input_path(source: str | os.PathLike[str], flag: str = "input") -> None:
    """Refuse an existing input that is neither a regular file nor a folder, naming what it is."""
    try:
        st = os.stat(source)
    except (OSError, ValueError):
        return  # missing (or a hub id): the reader says so
    kind = _kind(st.st_mode)
    if kind is not None:
        raise SanitizeError(f"{flag} {os.fspath(source)}: is {kind}, not a file or a folder")


def _umask_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_output_file(out: str | os.PathLike[str], flag: str = "--out") -> Path:
    """The absolute path of ``out`` once it is known to be writable as a file (see module docstring)."""
    path = Path(out).expanduser().absolute()
    name = f"{flag} {os.fspath(out)}"
    if not os.fspath(out) or path.name in ("", ".", ".."):
        raise OutputFileError(f"{name}: not a file name")
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # the parent checks below say which
        st = None
    except OSError as exc:
        raise OutputFileError(f"{name}: cannot be written ({exc.strerror})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputFileError(f"{name}: is a directory; give a file name")
        kind = _kind(st.st_mode)
        if kind is not None:
            raise OutputFileError(f"{name}: is {kind}, not a regular file")
    parent = path.parent
    if not parent.exists():
        raise OutputFileError(f"{name}: parent directory {parent} does not exist")
    if not parent.is_dir():
        raise OutputFileError(f"{name}: {parent} is not a directory")
    try:  # a real probe: os.access says yes to root even on read-only filesystems or /proc
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=parent)
    except OSError as exc:
        raise OutputFileError(f"{name}: cannot write in {parent} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return path


def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_not_input(
    out: str | os.PathLike[str], inputs: Mapping[str, str | os.PathLike[str] | None], flag: str = "--out"
) -> None:
    """Refuse ``out`` when it is, lies inside, or contains one of ``inputs`` (``{flag: path}``)."""
    target = Path(out).expanduser().resolve()
    out_stat = _stat(target)
    for in_flag, source in inputs.items():
        if source is None or not os.fspath(source):
            continue
        src = Path(source).expanduser()
        if not src.exists():
            continue  # a hub id, or missing: nothing local to overwrite
        resolved = src.resolve()
        what = f"{flag} {os.fspath(out)}"
        if target == resolved or (out_stat is not None and _same(out_stat, _stat(resolved))):
            raise OutputFileError(
                f"{what}: is the same file as {in_flag} {os.fspath(source)}; refusing to overwrite it"
            )
        if resolved.is_dir() and _is_within(target, resolved):
            raise OutputFileError(
                f"{what}: is inside the {in_flag} folder {os.fspath(source)}; write it elsewhere"
            )
        if _is_within(resolved, target):
            raise OutputFileError(f"{what}: contains {in_flag} {os.fspath(source)}")
        if resolved.is_dir() and out_stat is not None and _hardlinked_into(out_stat, resolved):
            raise OutputFileError(
                f"{what}: is a hard link to a file in the {in_flag} folder {os.fspath(source)}"
            )


def check_distinct(paths: Mapping[str, str | os.PathLike[str]]) -> None:
    """Refuse two output flags that name the same file (``{flag: path}``)."""
    seen: dict[Path, str] = {}
    for flag, p in paths.items():
        resolved = Path(p).expanduser().resolve()
        if resolved in seen:
            raise OutputFileError(f"{flag} and {seen[resolved]} name the same file {os.fspath(p)}")
        seen[resolved] = flag


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _same(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _hardlinked_into(out_stat: os.stat_result, folder: Path) -> bool:
    if out_stat.st_nlink < 2:
        return False
    for root, _, files in os.walk(folder):
        for f in files:
            if _same(out_stat, _stat(Path(root, f))):
                return True
    return False


def stage_text(
    path: str | os.PathLike[str], write: Callable[[TextIO], None], *, private: bool = False
) -> Path:
    """Write a hidden temporary sibling of ``path`` with ``write(fh)``; return it (rename it yourself,
    or unlink it). Created 0600; ``private=False`` widens it to ``0666 & ~umask`` once written."""
    return _stage(path, write, private, binary=False)


def _stage(path: str | os.PathLike[str], write: Callable[[Any], None], private: bool, binary: bool) -> Path:
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    except OSError as exc:
        raise OutputFileError(f"{os.fspath(path)}: cannot write in {path.parent} ({exc.strerror})") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            if not private:
                os.fchmod(fh.fileno(), _umask_mode())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is not None:
            raise
        raise OutputFileError(f"{os.fspath(path)}: cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def commit(staged: Iterable[tuple[Path, str | os.PathLike[str]]]) -> None:
    """Rename every staged temporary file over its target; on a failure remove those not yet renamed."""
    pending = list(staged)
    try:
        while pending:
            tmp, target = pending[0]
            os.replace(tmp, target)
            pending.pop(0)
    except OSError as exc:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
        raise OutputFileError(f"{os.fspath(pending[0][1])}: cannot be written ({exc.strerror})") from None
    except BaseException:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
        raise


def discard(staged: Iterable[Path]) -> None:
    for tmp in staged:
        tmp.unlink(missing_ok=True)


def atomic_write_text(
    path: str | os.PathLike[str], write: Callable[[TextIO], None], *, private: bool = False
) -> None:
    """``stage_text`` then rename: ``path`` holds the complete result or is left as it was."""
    commit([(stage_text(path, write, private=private), path)])


def atomic_write_bytes(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], None], *, private: bool = False
) -> None:
    """As :func:`atomic_write_text`, for a binary writer (a PNG)."""
    commit([(_stage(path, write, private, binary=True), path)])


def check_utf8_lines(path: str | os.PathLike[str], what: str) -> None:
    """Refuse a line-based text input (findings, canary truth) that is not UTF-8, naming ``file:line``
    (a text-mode reader would fail mid-file with no line number). Missing files are left to the reader."""
    try:
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise SanitizeError(
                        f"{os.fspath(path)}:{lineno}: {what} file is not valid UTF-8 (byte {exc.start} of the line)"
                    ) from None
    except FileNotFoundError:
        return
    except OSError as exc:
        raise SanitizeError(f"{os.fspath(path)}: cannot read the {what} file ({exc.strerror})") from None


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Inside the block, SIGTERM raises ``SystemExit(143)`` (as Ctrl-C raises KeyboardInterrupt), so
    ``finally``/``except`` clauses and ``atexit`` remove temporaries instead of the process dying with
    them in place. Only in the main thread, and only where SIGTERM still has its default action."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):  # pragma: no cover - no signals here
        previous = None
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def os_error(exc: OSError, action: str = "cannot read") -> SanitizeError:
    """A :class:`SanitizeError` naming the file of an ``OSError`` (for the CLI's ``error:`` line)."""
    where = os.fspath(exc.filename) if exc.filename is not None else "file"
    return SanitizeError(f"{where}: {action} ({exc.strerror or exc})")
