"""One error family for everything a user can get wrong; each carries the file and line.

The CLI prints `str(error)` as one line (`path:line: message`) and never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class PublishError(Exception):
    """Base of every error meant for the user, with where it happened."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class PageError(PublishError):
    """A medicine page that cannot be read (bad YAML, no title, not text…)."""


class ConfigError(PublishError):
    """`publish.toml` or a theme's `theme.toml` is wrong (unknown key, wrong type…)."""


class RenderError(PublishError):
    """A renderer could not produce a valid output for a page."""


class CatalogError(PublishError):
    """A translation catalog is broken, incomplete or unsafe."""


class TranslationMissing(CatalogError):
    """A string has no publishable translation: the page is not written in that locale."""
