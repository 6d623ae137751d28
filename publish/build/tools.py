"""Versions of the tools an output depends on, for the build's fingerprints.

Upgrading WeasyPrint changes every PDF, upgrading espeak-ng every recording; neither changes
a byte of the pages, so without their versions in the fingerprints an upgrade would rebuild
nothing. Renderers name their tools (`Renderer.tools`); a name is either a Python
distribution (`weasyprint`, `fontpkg-atkinson-hyperlegible`…, looked up with
`importlib.metadata`) or one of the programs below, asked once per build. Only the tools of
the formats a build asks for are looked up, so a no-op HTML rebuild starts no process.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from publish.files import file_stamp

ESPEAK = "espeak-ng"
FFMPEG = "ffmpeg"
LIBLOUIS = "liblouis"
"""The braille translator: its library's version (tables come with it, from liblouis-data)."""
SYSTEM_FONTS = "system-fonts"
"""The fonts WeasyPrint falls back to (DejaVu, Noto) for what a theme's fonts lack."""

LEAFLET_TOOLS = ("babel", "markdown-it-py", "python-frontmatter")
"""What turns every page into a (localised) leaflet, whatever the format."""

# Debian packages of the fallback fonts the built-in themes name.
_FONT_PACKAGES = ("fonts-dejavu-core", "fonts-noto-core")
_TIMEOUT = 20.0


def tool_version(name: str) -> str:
    """The installed version of one tool; a stable word when it is missing or unreadable
    (the jobs that need it then fail at render time, with their own message)."""
    if name == ESPEAK:
        return _first_line(["espeak-ng", "--version"])
    if name == FFMPEG:
        return _first_line(["ffmpeg", "-version"])
    if name == SYSTEM_FONTS:
        return _system_fonts()
    if name == LIBLOUIS:
        return _liblouis()
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _run(command: list[str]) -> str | None:
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT,
                              check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _first_line(command: list[str]) -> str:
    output = _run(command)
    if output is None:
        return "unavailable"
    lines = output.strip().splitlines()
    return lines[0].strip() if lines else "unavailable"


def _system_fonts() -> str:
    """Debian package versions of the fallback fonts; without dpkg, the size and time of
    every font file fontconfig knows (their stamps: no font is read)."""
    if shutil.which("dpkg-query"):
        # One line per package, missing ones included (dpkg-query exits 1 for those).
        try:
            done = subprocess.run(
                ["dpkg-query", "-W", "-f", "${Package}=${Version}\n", *_FONT_PACKAGES],
                capture_output=True, text=True, timeout=_TIMEOUT, check=False,
                stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return "unavailable"
        return " ".join(sorted(done.stdout.split())) or "none"
    listing = _run(["fc-list", "--format", "%{file}\n"])
    if listing is None:
        return "unavailable"
    digest = hashlib.sha256()
    for path in sorted(set(listing.splitlines())):
        digest.update(f"{path}\0{file_stamp(Path(path))}\n".encode())
    return digest.hexdigest()


def _liblouis() -> str:
    """liblouis and its tables by their Debian package versions, else the library's own."""
    if shutil.which("dpkg-query"):
        done = _run(["dpkg-query", "-W", "-f", "${Package}=${Version}\n", "liblouis20",
                     "liblouis-data"])
        if done:
            return " ".join(sorted(done.split()))
    return _first_line(["lou_translate", "--version"])


class ToolVersions:
    """Tool versions asked during one build, each looked up once."""

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}

    def version(self, name: str) -> str:
        if name not in self._versions:
            self._versions[name] = tool_version(name)
        return self._versions[name]

    def fingerprint(self, names: Iterable[str]) -> str:
        """One digest of the names and versions of these tools (order and repeats ignored)."""
        text = "\n".join(f"{name}={self.version(name)}" for name in sorted(set(names)))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
