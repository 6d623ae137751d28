"""Build orchestration: plan jobs (page × locale × format), run them, write outputs atomically.

Rendering happens in `render_page`, a function of its inputs that returns bytes; only the
process that called `build` writes files. That split is what lets jobs run in worker processes
or on remote machines without a shared filesystem. Renderers know nothing of any of this.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from publish.config import SiteConfig
from publish.errors import PublishError
from publish.localise import localise
from publish.model import Leaflet, Status
from publish.pages import PageRef, output_path
from publish.reader import read_page
from publish.renderers import Renderer, RenderContext, get_renderer_class

REPORT_NAME = "build-report.json"


@dataclass(frozen=True)
class BuildRequest:
    pages: tuple[PageRef, ...]
    locales: tuple[str, ...]
    formats: tuple[str, ...]
    theme: str | None = None


@dataclass
class JobOutcome:
    page: str
    locale: str
    format: str
    status: str
    """written | failed | skipped"""
    duration: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)
    """Output path (relative to the output folder) → size in bytes."""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list, repr=False)
    """Rendered files (suffix, bytes) on their way back to the writer."""


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


def render_page(page: PageRef, config: SiteConfig, locales: Iterable[str],
                formats: Iterable[str], pool: RendererPool,
                theme: str | None = None) -> list[JobOutcome]:
    """Read one page and render it in every locale and format; never raises for page errors."""
    locales, formats = list(locales), list(formats)
    outcomes: list[JobOutcome] = []
    try:
        leaflet = read_page(page.path, config, key=page.key)
    except PublishError as error:
        return [JobOutcome(page.key, loc, fmt, "failed", error=str(error))
                for loc in locales for fmt in formats]
    warnings = [_warning_text(page, w) for w in leaflet.warnings]
    if leaflet.status is Status.UNSTRUCTURED and not config.site["publish_unstructured"]:
        reason = f"{page.path}: no recognisable sections (unstructured page), not published"
        return [JobOutcome(page.key, loc, fmt, "skipped", warnings=warnings, error=reason)
                for loc in locales for fmt in formats]
    for locale in locales:
        try:
            localised, strings = localise(leaflet, locale, config)
        except PublishError as error:
            outcomes.extend(JobOutcome(page.key, locale, fmt, "failed", error=str(error))
                            for fmt in formats)
            continue
        context = RenderContext(config=config, locale=locale, strings=strings, theme=theme)
        for fmt in formats:
            started = time.perf_counter()
            outcome = JobOutcome(page.key, locale, fmt, "written", warnings=list(warnings))
            try:
                result = pool.get(fmt).render(localised, context)
            except PublishError as error:
                outcome.status, outcome.error = "failed", _with_path(page, error)
            else:
                outcome.files = [(f.suffix, f.data) for f in result.files]
                outcome.warnings.extend(result.warnings)
            outcome.duration = time.perf_counter() - started
            outcomes.append(outcome)
    return outcomes


def _with_path(page: PageRef, error: PublishError) -> str:
    if error.path is None:
        error.path = str(page.path)
    return str(error)


def _warning_text(page: PageRef, warning) -> str:  # type: ignore[no-untyped-def]
    where = f"{page.path}:{warning.line}" if warning.line else str(page.path)
    return f"{where}: {warning.message}"


def write_outputs(outcome: JobOutcome, output_dir: Path) -> None:
    """Write a job's files atomically (temporary file, then rename) under the output folder."""
    for suffix, data in outcome.files:
        target = output_path(output_dir, outcome.locale, outcome.page, suffix)
        write_atomic(target, data)
        outcome.outputs[target.relative_to(output_dir).as_posix()] = len(data)
    outcome.files = []


def write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                     dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@dataclass
class BuildReport:
    outcomes: list[JobOutcome] = field(default_factory=list)
    wall_time: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def to_json(self) -> str:
        jobs = []
        for outcome in self.outcomes:
            data = asdict(outcome)
            data.pop("files", None)
            data["duration"] = round(outcome.duration, 4)
            jobs.append(data)
        summary = {status: self.count(status) for status in ("written", "skipped", "failed")}
        return json.dumps({"wall_time": round(self.wall_time, 3), "summary": summary,
                           "jobs": jobs}, ensure_ascii=False, indent=2) + "\n"


def build(request: BuildRequest, config: SiteConfig, output_dir: Path,
          on_outcome=None) -> BuildReport:  # type: ignore[no-untyped-def]
    """Run every job of the request in this process and write outputs and the report."""
    started = time.perf_counter()
    report = BuildReport()
    pool = RendererPool()
    try:
        for page in request.pages:
            for outcome in render_page(page, config, request.locales, request.formats, pool,
                                       request.theme):
                if outcome.status == "written":
                    try:
                        write_outputs(outcome, output_dir)
                    except (OSError, PublishError) as error:
                        outcome.status, outcome.error = "failed", f"{page.path}: {error}"
                report.outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
    finally:
        pool.close()
    report.wall_time = time.perf_counter() - started
    write_atomic(output_dir / REPORT_NAME, report.to_json().encode("utf-8"))
    return report
