"""Which file of the output folder a request names, or none: the server's only way to disk.

A request path is split on `/` first and each segment decoded after, so an encoded slash
(`%2f`, `%5c`) can never add a level; a segment that decodes to `.`, `..`, a name starting
with a dot (the build's own state and temporary files), or one holding `/`, `\\` or NUL is
refused. What is left is joined to the output folder and resolved, links included: a file or
a folder outside the output folder (`notes.html -> /etc/hostname`) is refused as well.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

_FORBIDDEN = ("/", "\\", "\0")


def request_segments(target: str) -> list[str] | None:
    """The decoded path segments of a request target (query and fragment dropped), or None
    when one of them is not allowed."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        # The absolute form (`GET http://host/x`) names this server's path after the host.
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if not path.startswith("/"):
        return None
    segments = []
    for raw in path.split("/"):
        if not raw:
            continue
        try:
            segment = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if segment.startswith(".") or any(char in segment for char in _FORBIDDEN):
            return None
        segments.append(segment)
    return segments


def resolve_in(root: Path, target: str) -> Path | None:
    """The existing file or folder under `root` that `target` names, or None.

    `root` must already be resolved. The answer is resolved too and always inside `root`."""
    segments = request_segments(target)
    if segments is None:
        return None
    candidate = root.joinpath(*segments)
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a loop of links, a name too long
        return None
    if resolved != root and not resolved.is_relative_to(root):
        return None
    return resolved
