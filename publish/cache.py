"""Incremental build state: what each job was built from, and which files it wrote.

A job (page × locale × format) is skipped when its fingerprint matches the one recorded after
its last successful run. The fingerprint covers everything its output depends on: the page's
bytes, the configuration tables that reach renderers, the theme chosen, the renderer's version
and `inputs()` files (theme files, lexicons), the source of the code that turns a page into a
leaflet and the leaflet into this format, and the locale's catalogs.

The state lives in the output folder (`.publish-state.json`). While a build runs, each finished
job is appended to a journal (`.publish-state.journal`) right after its files are renamed into
place, so a build killed with `kill -9` loses at most the jobs in flight; the next build replays
the journal, then folds it into the state file (written atomically) when it ends. Rewriting the
whole state after every job would cost O(jobs²) bytes on a corpus of thousands of pages.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

import publish
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.files import (
    describe_os_error,
    open_no_follow,
    read_no_follow,
    refuse_link,
    write_file_atomic,
)
from publish.renderers import RenderContext, Renderer, get_renderer_class

STATE_NAME = ".publish-state.json"
JOURNAL_NAME = ".publish-state.journal"
STATE_VERSION = 1

# Modules that schedule and record builds: editing them never changes an output.
_ORCHESTRATION = {"build.py", "cache.py", "scheduling.py", "progress.py", "cli.py",
                  "__main__.py"}
# The modules that turn a page into a (localised) leaflet: every format depends on them.
LEAFLET_MODULES = ("publish.reader", "publish.localise")


def job_id(page: str, locale: str, fmt: str) -> str:
    return f"{page}\t{locale}\t{fmt}"


def split_job_id(value: str) -> tuple[str, str, str]:
    page, locale, fmt = value.split("\t")
    return page, locale, fmt


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class JobRecord:
    """What the last successful run of one job was built from and what it left on disk."""

    fingerprint: str
    status: str
    """written | skipped (a page that is deliberately not published)"""
    outputs: dict[str, int] = field(default_factory=dict)
    """Output path relative to the output folder → size in bytes."""
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobRecord:
        return cls(fingerprint=str(data["fingerprint"]), status=str(data["status"]),
                   outputs={str(k): int(v) for k, v in dict(data.get("outputs", {})).items()},
                   warnings=[str(w) for w in data.get("warnings", [])],
                   reason=data.get("reason"))


class BuildState:
    """The recorded jobs of one output folder; see the module docstring for the file format."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.jobs: dict[str, JobRecord] = {}
        self.pages: dict[str, str] = {}
        """Page key → the source path it was read from (to notice removed pages)."""
        self._journal: int | None = None
        self._dirty = False
        self.journal_error: str | None = None
        """Why the journal could not be written (a full disk…): finished jobs are then
        recorded only when the state is saved at the end."""

    @property
    def state_path(self) -> Path:
        return self.output_dir / STATE_NAME

    @property
    def journal_path(self) -> Path:
        return self.output_dir / JOURNAL_NAME

    @classmethod
    def load(cls, output_dir: Path) -> BuildState:
        """The state left by earlier builds, journal included; empty when there is none.

        A link in place of the state or the journal is refused (`PublishError`): the build
        would read a file it does not own, then write through the link."""
        state = cls(output_dir)
        refuse_link(state.journal_path)
        try:
            raw = read_no_follow(state.state_path)
            data = json.loads(raw) if raw is not None else None
        except (OSError, ValueError):
            # An unreadable state only costs a full rebuild; it is rewritten at the end.
            data = None
        if isinstance(data, dict) and data.get("version") == STATE_VERSION:
            try:
                state.pages = {str(k): str(v) for k, v in data.get("pages", {}).items()}
                state.jobs = {str(k): JobRecord.from_json(v)
                              for k, v in data.get("jobs", {}).items()}
            except (KeyError, TypeError, ValueError):
                state.pages, state.jobs = {}, {}
        state._replay_journal()
        return state

    def _replay_journal(self) -> None:
        try:
            raw_journal = read_no_follow(self.journal_path)
        except OSError:
            return
        if raw_journal is None:
            return
        for raw in raw_journal.splitlines():
            try:
                entry = json.loads(raw)
                if "forget" in entry:
                    self.jobs.pop(entry["forget"], None)
                elif "forget_page" in entry:
                    self.pages.pop(entry["forget_page"], None)
                else:
                    self.jobs[entry["job"]] = JobRecord.from_json(entry["record"])
                    if entry.get("source"):
                        self.pages[split_job_id(entry["job"])[0]] = entry["source"]
            except (ValueError, KeyError, TypeError):
                # The last line of a journal cut by kill -9 may be partial: that job reruns.
                continue
        self._dirty = True

    def record(self, job: str, record: JobRecord, source: str | None) -> None:
        self.jobs[job] = record
        if source is not None:
            self.pages[split_job_id(job)[0]] = source
        self._append({"job": job, "record": asdict(record), "source": source})

    def forget(self, job: str) -> None:
        if self.jobs.pop(job, None) is not None:
            self._append({"forget": job})

    def forget_page(self, page: str) -> None:
        if self.pages.pop(page, None) is not None:
            self._append({"forget_page": page})

    def jobs_of(self, page: str) -> list[str]:
        prefix = page + "\t"
        return [job for job in self.jobs if job.startswith(prefix)]

    def _append(self, entry: dict[str, Any]) -> None:
        self._dirty = True
        if self.journal_error is not None:
            return
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            if self._journal is None:
                self._journal = open_no_follow(self.journal_path,
                                               os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            # One write per line, unbuffered: the OS keeps it even if this process is killed.
            written = os.write(self._journal, line)
            if written != len(line):
                raise OSError(0, "short write")
        except (OSError, PublishError) as error:
            # The job's files are in place; without a journal only a crash before the final
            # save would lose the record of it (and the job would run again).
            self.journal_error = (describe_os_error(error) if isinstance(error, OSError)
                                  else str(error))
            self._close_journal()

    def _close_journal(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def save(self) -> None:
        """Fold the journal into the state file (atomically) and remove the journal.

        Raises `OSError` when the state cannot be written (the journal is then kept, so
        the next build still knows what this one finished)."""
        self._close_journal()
        if not self._dirty:
            return
        data = {"version": STATE_VERSION, "publish": publish.__version__,
                "pages": dict(sorted(self.pages.items())),
                "jobs": {job: asdict(record) for job, record in sorted(self.jobs.items())}}
        write_file_atomic(self.state_path,
                          json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                          .encode("utf-8"), durable=True)
        self.journal_path.unlink(missing_ok=True)
        self._dirty = False


# --- fingerprints ---------------------------------------------------------------------------


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
        if path and Path(path).name not in _ORCHESTRATION:
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


def config_fingerprint(config: SiteConfig) -> str:
    """Digest of every table that can reach an output: all but `[build]` (jobs, timeout)."""
    tables = {name: dict(values) for name, values in config.tables.items() if name != "build"}
    text = json.dumps(tables, sort_keys=True, ensure_ascii=False, default=str)
    return sha256_bytes(f"{config.root}\0{text}".encode())


class InputFingerprints:
    """Computes job fingerprints, caching what is shared by many jobs (theme, renderers…)."""

    def __init__(self, config: SiteConfig, theme: str | None,
                 renderer: Callable[[str], Renderer] | None = None) -> None:
        """`renderer(name)` gives the instance whose `inputs()` is asked (default: a new one
        per format, closed by `close`)."""
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
            inputs = self.renderer(fmt).inputs(context)
            self._format_locale[key] = sha256_bytes("\0".join((
                self._base, fmt, locale, str(cls.version), hash_files(inputs),
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
