"""Files the toolkit writes and reads back: one atomic writer, one file-stamp cache, opening
without following links.

Every file is written through a hidden temporary file in the same folder, fsynced when it must
survive a power cut, then renamed over the target: a reader only ever sees the old file or
the complete new one. What is parsed from files (catalogs, lexicons, locale data) is kept in
a `StampCache` and parsed again only when a file's stamp (modification time and size)
changes. The build's own files in an output folder (state, journal, lock) are opened with
`O_NOFOLLOW`, so a symbolic link planted there cannot make the build write, or read,
anywhere else.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from publish.errors import PublishError

PART_SUFFIX = ".part"
"""Temporary files are `.<name>.<random>.part`, removed by `remove_partial_files`."""


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_file_atomic(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Write through a temporary file in the same folder, then rename over the target.

    A reader (or a build killed half-way) only ever sees the old file or the complete new one.
    `durable` also fsyncs the data before the rename, so a power cut cannot leave an empty file
    under the final name. The rename replaces a link at `target` rather than writing through
    it; the temporary file is created exclusively, so it never follows a link either.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART_SUFFIX,
                                     dir=target.parent)
    try:
        # mkstemp creates 0600; outputs get the permissions any new file would get.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete temporary files left by a writer that was killed half-way."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            if name.startswith(".") and name.endswith(PART_SUFFIX):
                path = Path(dirpath) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


Stamp = tuple[int, int] | None
"""A file's (modification time in ns, size in bytes), or None when there is no file."""

V = TypeVar("V")


def file_stamp(path: Path) -> Stamp:
    """What changes when a file is written, replaced or removed (without reading it)."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return info.st_mtime_ns, info.st_size


class StampCache(Generic[V]):
    """Values computed from files, computed again when any of those files changes.

    One per kind of value (parsed catalogs, a locale's rules…), living as long as the
    process: a worker renders thousands of pages with the same data files, and an edited
    file is picked up by the next page without restarting anything.
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[tuple[Stamp, ...], V]] = {}

    def get(self, key: Hashable, files: Iterable[Path], compute: Callable[[], V]) -> V:
        """The value under `key`, from `compute()` unless `files` are as they were then."""
        stamps = tuple(file_stamp(path) for path in files)
        cached = self._values.get(key)
        if cached is not None and cached[0] == stamps:
            return cached[1]
        value = compute()
        self._values[key] = (stamps, value)
        return value

    def clear(self) -> None:
        self._values.clear()


def refuse_link(path: Path) -> None:
    """Raise a one-line error when `path` is a symbolic link (it may point anywhere)."""
    if path.is_symlink():
        raise PublishError("is a symbolic link; remove it (the build never reads or writes "
                           "through links in its output folder)", path)


def open_no_follow(path: Path, flags: int, mode: int = 0o666) -> int:
    """`os.open` that refuses a symbolic link at `path` with a one-line error."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            refuse_link(path)
        raise


def read_no_follow(path: Path) -> bytes | None:
    """The bytes of the regular file at `path`, None when there is none.

    Refuses a link; a FIFO or device under that name (which could block or never end) is
    refused too, without being read.
    """
    try:
        fd = open_no_follow(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PublishError("is not a regular file; remove it", path)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def describe_os_error(error: OSError) -> str:
    """`No space left on device` rather than `[Errno 28] No space left on device: '…'`."""
    return error.strerror or str(error)
