"""Finding pages and naming their outputs: the only place paths of content and output meet.

Output paths mirror the source path under the content folder (titles are not unique), with each
part sanitised so that no page can name a file outside the output folder or a reserved device
name on Windows.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from publish.errors import PublishError

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r"[^\w.+-]+", re.UNICODE)
MAX_PART = 120


@dataclass(frozen=True)
class PageRef:
    """A page on disk and its key: the path relative to the content root."""

    path: Path
    key: str
    """POSIX path relative to the content root (`n/naltrexone.md`)."""

    @property
    def stem_key(self) -> str:
        """The output name without suffix (`n/naltrexone`), sanitised."""
        return output_stem(self.key)


def discover(paths: list[Path], root: Path | None = None) -> list[PageRef]:
    """Every `.md` page under `paths` (files or folders, recursively), sorted by key.

    Keys are relative to `root` when the page is inside it, else to the folder given on the
    command line (or the file's own folder for a single file).
    """
    found: dict[Path, PageRef] = {}
    for given in paths:
        if not given.exists():
            raise PublishError("no such file or folder", given)
        if given.is_file():
            base = root if root is not None and _inside(given, root) else given.parent
            found[given.resolve()] = PageRef(given, _key(given, base))
            continue
        base = root if root is not None and _inside(given, root) else given
        for dirpath, dirnames, filenames in os.walk(given):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in filenames:
                if filename.endswith(".md") and not filename.startswith("."):
                    path = Path(dirpath) / filename
                    if path.is_symlink() and not _inside(path.resolve(), given.resolve()):
                        continue  # never read outside the content folder through a link
                    if not path.is_file():
                        continue  # a named pipe or a device would block or never end
                    found[path.resolve()] = PageRef(path, _key(path, base))
    if not found:
        shown = ", ".join(str(p) for p in paths)
        raise PublishError(f"no Markdown pages (*.md) found in {shown}")
    return sorted(found.values(), key=lambda ref: ref.key)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _key(path: Path, base: Path) -> str:
    return path.resolve().relative_to(base.resolve()).as_posix()


@functools.lru_cache(maxsize=65536)
def output_stem(key: str) -> str:
    """Sanitised relative output path without suffix for a page key (remembered: a build of a
    large site asks it of every page many times)."""
    parts = list(PurePosixPath(key).parts)
    if parts and parts[-1].endswith(".md"):
        parts[-1] = parts[-1][:-3]
    safe = [sanitise_part(part) for part in parts if part not in ("", ".", "..", "/")]
    return "/".join(safe) or "page"


def sanitise_part(part: str) -> str:
    part = unicodedata.normalize("NFC", part)
    part = "".join(ch for ch in part if unicodedata.category(ch)[0] != "C")
    # Only a leading dot is removed (hidden files, "..")): trailing "-" or "." stay, so
    # `clonazepam-.md` and `clonazepam.md` keep distinct outputs.
    part = _UNSAFE.sub("-", part).lstrip(".").rstrip(" ") or "page"
    # A reserved device name, or a name that command-line tools would take for an option
    # (`-rf.pdf` given to `rm *`, ffmpeg or pdftotext), gets a harmless first character.
    if part.split(".")[0].lower() in _RESERVED or part.startswith("-"):
        part = f"_{part}"
    return part[:MAX_PART]


def output_path(output_dir: Path, locale: str, key: str, suffix: str) -> Path:
    """`<output>/<locale>/<page path><suffix>`, guaranteed to be inside `output_dir`."""
    relative = f"{sanitise_part(locale)}/{output_stem(key)}{suffix}"
    target = (output_dir / relative).resolve()
    if not _inside(target, output_dir):
        raise PublishError(f"output path escapes the output folder: {relative}")
    return target
