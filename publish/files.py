"""Files the toolkit writes and reads back: one atomic writer, one file-stamp cache, opening
without following links.

Every file is written through a hidden temporary file in the same folder, fsynced when it must
survive a power cut, then renamed over the target: a reader only ever sees the old file or
the complete new one. What is parsed from files (catalogs, lexicons, locale data) is kept in
a `StampCache` and parsed again only when a file's stamp (modification time, size and
identity) changes. The build's own files in an output folder (state, journal, lock) are opened with
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


def current_umask() -> int:
    """The process's umask, read when a file is written (a caller may have changed it).

    Linux shows it in /proc; elsewhere it can only be read by setting it, which is not
    thread-safe."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file_atomic(target: Path, data: bytes, *, durable: bool = True,
                      keep_mode: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename over the target.

    A reader (or a build killed half-way) only ever sees the old file or the complete new one.
    `durable` also fsyncs the data before the rename, so a power cut cannot leave an empty file
    under the final name. The rename replaces a link at `target` rather than writing through
    it; the temporary file is created exclusively, so it never follows a link either.

    The file gets the mode any new file gets under the umask (0644 under 022), or with
    `keep_mode` the mode of the file it replaces (a catalog a team made group-writable).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = None
    if keep_mode:
        try:
            mode = target.stat().st_mode & 0o7777
        except (FileNotFoundError, NotADirectoryError):
            pass
    if mode is None:
        mode = 0o666 & ~current_umask()
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PART_SUFFIX,
                                     dir=target.parent)
    try:
        # mkstemp creates 0600, and the rename would keep that.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_if_changed(target: Path, data: bytes, *, durable: bool = False) -> bool:
    """Write `data` atomically unless `target` already holds it; True when written.

    For files people keep in version control (catalogs, approvals): an unchanged file keeps
    its time stamp, and a rewritten one keeps its mode. Not fsynced by default: such files
    are regenerated or committed, and syncing each of thousands of page catalogs would cost
    more than extracting them."""
    if target.is_file() and target.read_bytes() == data:
        return False
    write_file_atomic(target, data, durable=durable, keep_mode=True)
    return True


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


Stamp = tuple[int, int, int, int] | None
"""A file's (modification time in ns, size in bytes, inode, device), or None when there is
no file. The identity notices a file replaced by a rename within the clock's resolution, or
a link re-pointed (the stamp is that of the file a link leads to)."""

V = TypeVar("V")


def file_stamp(path: Path) -> Stamp:
    """What changes when a file is written, replaced or removed (without reading it); None
    when it cannot be found or examined (reading it then gives the caller's own error)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return stat_stamp(info)


def stat_stamp(info: os.stat_result) -> tuple[int, int, int, int]:
    """The stamp of a file already examined with `stat` (by a caller that reports its
    errors itself)."""
    return info.st_mtime_ns, info.st_size, info.st_ino, info.st_dev


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
        return self.get_stamped(key, tuple(file_stamp(path) for path in files), compute)

    def get_stamped(self, key: Hashable, stamps: tuple[Stamp, ...],
                    compute: Callable[[], V]) -> V:
        """`get` for a caller that took the stamps itself (`stat_stamp`)."""
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
