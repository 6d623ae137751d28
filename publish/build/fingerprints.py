"""Job fingerprints: everything a job's outputs depend on, as one digest.

The page's bytes; the configuration tables that reach renderers (all but `[build]`); the
theme chosen; the renderer's version and the files its `inputs()` lists (theme files,
lexicons); the versions of the tools its `tools()` names and of those every format uses
(`publish.build.tools`); the source of the code that turns a page into a leaflet and the
leaflet into this format; and, for a translated locale, the page's catalogs. What is
shared by many jobs (a format in a locale, a locale's catalogs, tool versions) is computed
once per build.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import publish
from publish.build.tools import LEAFLET_TOOLS, ToolVersions
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.renderers import RenderContext, Renderer, get_renderer_class

# Packages that schedule, record and run builds: editing them never changes an output (the
# layers keep them out of reach of the reader and renderers anyway).
_ORCHESTRATION = ("publish.build", "publish.commands", "publish.rendering", "publish.__main__")
# The modules that turn a page into a (localised) leaflet: every format depends on them.
LEAFLET_MODULES = ("publish.reader", "publish.localise")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_files(paths: Iterable[Path], base: Path | None = None) -> str:
    """One digest over the names and bytes of files; a missing file hashes as missing."""
    digest = hashlib.sha256()
    for path in sorted({Path(p) for p in paths}):
        name = path.relative_to(base).as_posix() if base and _is_under(path, base) else str(path)
        digest.update(name.encode("utf-8") + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except FileNotFoundError:
            digest.update(b"missing")
        except IsADirectoryError:
            digest.update(hash_tree(path).encode("ascii"))
    return digest.hexdigest()


def hash_tree(folder: Path) -> str:
    """Digest of every file under a folder (names and bytes); hidden files are ignored."""
    if not folder.is_dir():
        return sha256_bytes(b"no folder")
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and d != "__pycache__")
        files.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return hash_files(files, base=folder)


def _is_under(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
    except ValueError:
        return False
    return True


def code_fingerprint(roots: Iterable[str]) -> str:
    """Digest of the source of the modules `roots` use, following their imports.

    Renderer versions are the contract, but an editable install changes the reader or a
    renderer without bumping any version; hashing the sources those outputs depend on keeps
    such edits from leaving stale outputs behind, without rebuilding the PDFs when only the
    SMS code changed. Imports made inside functions are not followed.
    """
    return sha256_bytes(f"{publish.__version__}\0{hash_files(module_files(roots))}".encode())


def module_files(roots: Iterable[str]) -> list[Path]:
    """Source files of the given modules and of every module of the same top-level packages
    (and of `publish`) that they reference, transitively."""
    roots = list(roots)
    packages = {"publish", *(root.split(".")[0] for root in roots)}
    seen: set[str] = set()
    stack = list(roots)
    files: list[Path] = []
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        module = sys.modules.get(name)
        if module is None:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
        path = getattr(module, "__file__", None)
        if path and not _orchestration(name):
            files.append(Path(path))
        parent = name.rpartition(".")[0]
        if parent:
            stack.append(parent)  # the package's __init__ runs too
        for value in list(vars(module).values()):
            if isinstance(value, ModuleType):
                target = value.__name__
                if target.startswith(name + "."):
                    continue  # a package's submodules show up as its attributes once imported
            else:
                target = getattr(type(value) if not isinstance(value, type | FunctionType)
                                 else value, "__module__", None)
            if isinstance(target, str) and target.split(".")[0] in packages:
                stack.append(target)
    return files


def _orchestration(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in _ORCHESTRATION)


def config_fingerprint(config: SiteConfig) -> str:
    """Digest of every table that can reach an output: all but `[build]` (jobs, timeout) and
    `[check]` (what `publish check` reports)."""
    tables = {name: dict(values) for name, values in config.tables.items()
              if name not in ("build", "check")}
    text = json.dumps(tables, sort_keys=True, ensure_ascii=False, default=str)
    return sha256_bytes(f"{config.root}\0{text}".encode())


class InputFingerprints:
    """Computes job fingerprints, caching what is shared by many jobs (theme, renderers…)."""

    def __init__(self, config: SiteConfig, theme: str | None,
                 renderer: Callable[[str], Renderer] | None = None,
                 tools: ToolVersions | None = None) -> None:
        """`renderer(name)` gives the instance whose `inputs()` and `tools()` are asked
        (default: a new one per format, closed by `close`); `tools` resolves tool versions
        (default: a new resolver, so each build sees what is installed now)."""
        self.config = config
        self.theme = theme
        self._get_renderer = renderer
        self._renderers: dict[str, Renderer] = {}
        self._owned: list[Renderer] = []
        # Theme files reach only the formats that use a theme; those list them in inputs().
        self._base = sha256_bytes("\0".join((config_fingerprint(config), str(theme or "")))
                                  .encode())
        self._format_locale: dict[tuple[str, str], str] = {}
        self._catalogs: dict[str, str] = {}
        self._catalog_hook = _catalog_hook()
        self.tools = tools if tools is not None else ToolVersions()

    def renderer(self, fmt: str) -> Renderer:
        if self._get_renderer is not None:
            return self._get_renderer(fmt)
        if fmt not in self._renderers:
            renderer = get_renderer_class(fmt)()
            self._renderers[fmt] = renderer
            self._owned.append(renderer)
        return self._renderers[fmt]

    def format_locale(self, fmt: str, locale: str) -> str:
        key = (fmt, locale)
        if key not in self._format_locale:
            cls = get_renderer_class(fmt)
            context = RenderContext(config=self.config, locale=locale, theme=self.theme)
            renderer = self.renderer(fmt)
            inputs = renderer.inputs(context)
            tools = self.tools.fingerprint((*LEAFLET_TOOLS, *renderer.tools(context)))
            self._format_locale[key] = sha256_bytes("\0".join((
                self._base, fmt, locale, str(cls.version), hash_files(inputs), tools,
                code_fingerprint((*LEAFLET_MODULES, cls.__module__)))).encode())
        return self._format_locale[key]

    def catalog(self, locale: str, page: str) -> str:
        if locale == self.config.source_language:
            return ""
        if self._catalog_hook is not None:
            return str(self._catalog_hook(self.config, locale, page))
        if locale not in self._catalogs:
            # Without a per-page fingerprint from the catalog code, any change to a locale's
            # catalogs rebuilds that locale: correct, if more than strictly needed.
            self._catalogs[locale] = hash_tree(self.config.locales_dir / locale)
        return self._catalogs[locale]

    def job(self, page_sha: str, page: str, locale: str, fmt: str) -> str:
        return sha256_bytes("\0".join((self.format_locale(fmt, locale), page_sha,
                                       self.catalog(locale, page))).encode("utf-8"))

    def close(self) -> None:
        for renderer in self._owned:
            renderer.close()
        self._owned.clear()


def _catalog_hook() -> Any:
    """`publish.localise.catalog_fingerprint(config, locale, page_key)` when it exists."""
    try:
        from publish import localise
    except (ImportError, PublishError):
        return None
    return getattr(localise, "catalog_fingerprint", None)
