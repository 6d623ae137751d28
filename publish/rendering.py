"""Rendering one page: read it once, localise it, render each (locale, format) job asked.

A function of its inputs that yields bytes in memory (`JobOutcome.files`) and writes nothing:
the build writes the files, in the process that called it, so pages can be rendered in worker
processes or on machines without the content or output folders (`publish.build.scheduling`).
`RendererPool` keeps one warm renderer per format for the life of a process. Nothing here
knows of plans, state or schedulers.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.config import SiteConfig
from publish.errors import PublishError
from publish.files import describe_os_error
from publish.locale import Locale
from publish.localise import Withheld, localise
from publish.model import Leaflet, Status
from publish.pages import PageRef
from publish.renderers import RenderContext, Renderer, get_renderer_class


@dataclass
class JobOutcome:
    page: str
    locale: str
    format: str
    status: str
    """written | unchanged (inputs as last time: not run) | skipped (not published) | failed
    | untranslated, awaiting-approval (withheld in this locale: `publish.localise`)"""
    duration: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)
    """Output path (relative to the output folder) → size in bytes."""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the job failed, or why the page is not published (skipped)."""
    removed: list[str] = field(default_factory=list)
    """Outputs of an earlier build that this job's result made stale, now deleted."""
    files: list[tuple[str, bytes]] = field(default_factory=list, repr=False)
    """Rendered files (suffix, bytes) on their way back to the writer."""
    missing: list[dict[str, object]] = field(default_factory=list)
    """For a withheld job: the strings that hold the page back in this locale."""


class RendererPool:
    """One long-lived renderer per format for this process (fonts, CSS, engines stay warm)."""

    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}

    def get(self, name: str) -> Renderer:
        if name not in self._renderers:
            self._renderers[name] = get_renderer_class(name)()
        return self._renderers[name]

    def close(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()
        self._renderers.clear()


def iter_render_page(page: PageRef, config: SiteConfig, jobs: Sequence[tuple[str, str]],
                     pool: RendererPool, theme: str | None = None,
                     source: bytes | None = None,
                     on_read: Callable[[], None] | None = None,
                     site: Mapping[str, Any] | None = None) -> Iterator[JobOutcome]:
    """Read one page once and render the (locale, format) jobs asked, yielding each outcome
    as soon as it is ready; never raises for a page or renderer error. `site` gives, per
    locale, the page's links in the site the build writes (`RenderContext.site`).

    A page that cannot be read fails all its jobs at once. `on_read` is called when the page
    has been read, before the first job renders: a scheduler that times jobs out tells a
    page too slow to read (fail it whole) from a job too slow to render (fail that job)."""
    jobs = list(jobs)
    started = time.perf_counter()
    try:
        leaflet = _read_leaflet(page, config, source)
    except PublishError as error:
        message = _with_path(page, error)
        for locale, fmt in jobs:
            yield JobOutcome(page.key, locale, fmt, "failed", error=message)
        return
    except Exception as error:  # noqa: BLE001 (a reader bug fails this page, not the build)
        message = _unexpected(page, "reading the page", error)
        for locale, fmt in jobs:
            yield JobOutcome(page.key, locale, fmt, "failed", error=message)
        return
    read_time = time.perf_counter() - started
    if on_read is not None:
        on_read()
    warnings = [_warning_text(page, w) for w in leaflet.warnings]
    if leaflet.status is Status.UNSTRUCTURED and not config.site["publish_unstructured"]:
        reason = f"{page.path}: no recognisable sections (unstructured page), not published"
        for locale, fmt in jobs:
            yield JobOutcome(page.key, locale, fmt, "skipped", warnings=list(warnings),
                             error=reason)
        return
    by_locale: dict[str, list[str]] = {}
    for locale, fmt in jobs:
        by_locale.setdefault(locale, []).append(fmt)
    for locale, formats in by_locale.items():
        try:
            context_locale = Locale.parse(locale)
            localised, strings = localise(leaflet, locale, config)
        except Withheld as withheld:
            message = _with_path(page, withheld)
            for fmt in formats:
                yield JobOutcome(page.key, locale, fmt, withheld.status,
                                 warnings=list(warnings), error=message,
                                 missing=list(withheld.missing))
            continue
        except (PublishError, OSError) as error:
            message = input_error(page, error)
            for fmt in formats:
                yield JobOutcome(page.key, locale, fmt, "failed", warnings=list(warnings),
                                 error=message)
            continue
        except Exception as error:  # noqa: BLE001 (a catalog bug fails this locale only)
            message = _unexpected(page, f"translating into {locale}", error)
            for fmt in formats:
                yield JobOutcome(page.key, locale, fmt, "failed", warnings=list(warnings),
                                 error=message)
            continue
        context = RenderContext(config=config, locale=context_locale, strings=strings,
                                theme=theme, site=(site or {}).get(locale))
        for fmt in formats:
            job_started = time.perf_counter()
            outcome = JobOutcome(page.key, locale, fmt, "written", warnings=list(warnings))
            try:
                result = pool.get(fmt).render(localised, context)
            except PublishError as error:
                outcome.status, outcome.error = "failed", _with_path(page, error)
            except Exception as error:  # noqa: BLE001 (a renderer bug fails one job only)
                outcome.status = "failed"
                outcome.error = _unexpected(page, f"the {fmt} renderer", error)
            else:
                outcome.files = [(f.suffix, f.data) for f in result.files]
                outcome.warnings.extend(result.warnings)
            # The page is read once for all its jobs; its cost is charged to the first.
            outcome.duration = time.perf_counter() - job_started + read_time
            read_time = 0.0
            yield outcome


def render_page(page: PageRef, config: SiteConfig, locales: Iterable[str],
                formats: Iterable[str], pool: RendererPool,
                theme: str | None = None) -> list[JobOutcome]:
    """Every locale × format of one page (see `iter_render_page`)."""
    formats = list(formats)
    jobs = [(locale, fmt) for locale in locales for fmt in formats]
    return list(iter_render_page(page, config, jobs, pool, theme))


def _read_leaflet(page: PageRef, config: SiteConfig, source: bytes | None) -> Leaflet:
    """The page's leaflet, from its bytes when given (a worker that cannot see the content
    folder), else from its path."""
    # Imported here: a no-op rebuild never reads a page, and need not load the reader.
    from publish.reader import read_page

    if source is None or page.path.is_file():
        return read_page(page.path, config, key=page.key)
    return read_page(page.path, config, key=page.key, data=source)


def _with_path(page: PageRef, error: PublishError) -> str:
    if error.path is None:
        error.path = str(page.path)
    return str(error)


def _unexpected(page: PageRef, where: str, error: Exception) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{page.path}: internal error in {where}: {type(error).__name__}: {error}{at}"


def _warning_text(page: PageRef, warning: Any) -> str:
    where = f"{page.path}:{warning.line}" if warning.line else str(page.path)
    return f"{where}: {warning.message}"
def input_error(page: PageRef, error: OSError | PublishError) -> str:
    """One line for an input of the page that cannot be read (a catalog, a theme file)."""
    if isinstance(error, PublishError):
        return _with_path(page, error)
    where = f" {error.filename}" if error.filename else ""
    return f"{page.path}: cannot read{where}: {describe_os_error(error)}"
