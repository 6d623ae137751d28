"""Build orchestration: plan jobs (page × locale × format), run them, write outputs atomically.

Rendering happens in `iter_render_page`, a function of its inputs that yields bytes; only the
process that called `build` writes files. That split is what lets jobs run in worker processes
or on remote machines without a shared filesystem (`publish.scheduling`). Which jobs need to
run at all is decided from recorded fingerprints (`publish.cache`); how the build looks on a
terminal is `publish.progress`. Renderers know nothing of any of this.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from publish.cache import (
    BuildState,
    InputFingerprints,
    JobRecord,
    job_id,
    sha256_bytes,
    split_job_id,
)
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.files import (
    describe_os_error,
    open_no_follow,
    remove_partial_files,
    write_file_atomic,
)
from publish.locale import Locale
from publish.localise import localise
from publish.model import Status
from publish.pages import PageRef, output_path, output_stem, sanitise_part
from publish.renderers import RenderContext, Renderer, get_renderer_class

REPORT_NAME = "build-report.json"
LOCK_NAME = ".publish-lock"
# Up to this many pages to render, the build renders them itself: starting a worker process
# (interpreter, imports, fonts) costs more than a page or two.
INLINE_PAGES = 2
STATUSES = ("written", "unchanged", "skipped", "failed")


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
    """written | unchanged (inputs as last time: not run) | skipped (not published) | failed"""
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


# --- rendering: a pure function of the page and the configuration --------------------------


def iter_render_page(page: PageRef, config: SiteConfig, jobs: Sequence[tuple[str, str]],
                     pool: RendererPool, theme: str | None = None,
                     source: bytes | None = None,
                     on_read: Callable[[], None] | None = None) -> Iterator[JobOutcome]:
    """Read one page once and render the (locale, format) jobs asked, yielding each outcome
    as soon as it is ready; never raises for a page or renderer error.

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
        except (PublishError, OSError) as error:
            message = _input_error(page, error)
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
                                theme=theme)
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


def _read_leaflet(page: PageRef, config: SiteConfig, source: bytes | None):  # type: ignore[no-untyped-def]
    """The page's leaflet, from its bytes when given (a worker that cannot see the content
    folder), else from its path."""
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


# --- writing --------------------------------------------------------------------------------


class OutputWriter:
    """Writes jobs' files atomically under the output folder, each path at most once.

    The plan gives each output name (compared case-insensitively, as on macOS and Windows
    file systems) to the one job meant to write it; pages whose names collide are refused
    before anything runs. This is the second line of defence: a file claimed by another job,
    or already written in this build, is never overwritten, whatever a renderer returns.
    """

    def __init__(self, output_dir: Path, owners: dict[str, str | None] | None = None) -> None:
        self.output_dir = output_dir
        self.owners = dict(owners or {})
        """Case-folded relative path → job id meant to write it (None: claimed by several)."""
        self.written: dict[str, str] = {}

    def write(self, outcome: JobOutcome) -> None:
        """Write every file of the job or none (all targets are checked first)."""
        job = job_id(outcome.page, outcome.locale, outcome.format)
        targets: dict[str, tuple[Path, str, bytes]] = {}
        for suffix, data in outcome.files:
            target = output_path(self.output_dir, outcome.locale, outcome.page, suffix)
            relative = target.relative_to(self.output_dir).as_posix()
            folded = relative.casefold()
            owner = self.written.get(folded) or self.owners.get(folded, job)
            if folded in targets or folded in self.written or owner != job:
                other = split_job_id(owner)[0] if owner else "another page"
                raise PublishError(f"cannot write {relative}: also an output of {other} in "
                                   "this build (not overwritten)")
            targets[folded] = (target, relative, data)
        for folded, (target, relative, data) in targets.items():
            self.written[folded] = job
            try:
                write_file_atomic(target, data, durable=True)
            except OSError as error:
                raise PublishError(f"cannot write {relative}: {describe_os_error(error)}") \
                    from None
            outcome.outputs[relative] = len(data)
        outcome.files = []


def write_outputs(outcome: JobOutcome, output_dir: Path) -> None:
    """Write a job's files atomically (temporary file, then rename) under the output folder."""
    OutputWriter(output_dir).write(outcome)


def write_atomic(target: Path, data: bytes) -> None:
    write_file_atomic(target, data, durable=True)


def remove_outputs(output_dir: Path, relative: Iterable[str]) -> list[str]:
    """Delete outputs this tool wrote (paths from the state), and folders left empty."""
    removed = []
    for name in relative:
        target = (output_dir / name).resolve()
        if not target.is_relative_to(output_dir) or target.parent == output_dir:
            continue  # never outside the output folder, never the report or the state
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue  # a read-only folder: the file stays, and is not reported as removed
        removed.append(name)
        folder = target.parent
        while folder != output_dir and folder.is_relative_to(output_dir):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    return removed


# --- the report -----------------------------------------------------------------------------


@dataclass
class BuildReport:
    outcomes: list[JobOutcome] = field(default_factory=list)
    wall_time: float = 0.0
    status: str = "ok"
    """ok | failed (some job failed) | interrupted | error (the build itself stopped)"""
    started: str = ""
    scheduler: str = ""
    workers: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Outputs of pages that no longer exist, deleted by this build."""

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and self.status == "ok"

    def by_format(self) -> dict[str, dict[str, float]]:
        table: dict[str, dict[str, float]] = {}
        for outcome in self.outcomes:
            row = table.setdefault(outcome.format, {**{s: 0 for s in STATUSES}, "bytes": 0,
                                                    "seconds": 0.0})
            row[outcome.status] += 1
            row["bytes"] += sum(outcome.outputs.values())
            row["seconds"] += outcome.duration
        return table

    def to_json(self) -> str:
        jobs = []
        for outcome in self.outcomes:
            data = {"page": outcome.page, "locale": outcome.locale, "format": outcome.format,
                    "status": outcome.status, "duration": round(outcome.duration, 4),
                    "outputs": outcome.outputs, "warnings": outcome.warnings,
                    "error": outcome.error}
            if outcome.removed:
                data["removed"] = outcome.removed
            jobs.append(data)
        formats = {fmt: {k: (round(v, 3) if isinstance(v, float) else v)
                         for k, v in row.items()} for fmt, row in self.by_format().items()}
        return json.dumps({
            "status": self.status, "started": self.started,
            "wall_time": round(self.wall_time, 3), "scheduler": self.scheduler,
            "summary": {status: self.count(status) for status in STATUSES},
            "formats": formats, "workers": self.workers, "removed": self.removed,
            "jobs": jobs}, ensure_ascii=False, indent=1) + "\n"


class Progress(Protocol):
    def start(self, totals: dict[str, int], done: dict[str, int], to_run: int) -> None: ...

    def advance(self, outcome: JobOutcome) -> None: ...

    def finish(self, report: BuildReport) -> None: ...


class Scheduler(Protocol):
    name: str
    workers: list[Any]

    def run(self, tasks: Iterable[Any], config: SiteConfig, theme: str | None,
            formats: Sequence[str], on_outcome: Any) -> None: ...


# --- the build ------------------------------------------------------------------------------


@dataclass
class _Plan:
    tasks: list[Any]
    unchanged: list[JobOutcome]
    failed: list[JobOutcome]
    fingerprints: dict[str, str]
    sources: dict[str, str]
    writer: OutputWriter


def build(request: BuildRequest, config: SiteConfig, output_dir: Path, on_outcome=None,  # type: ignore[no-untyped-def]
          *, jobs: int | None = None, timeout: float | None = None, force: bool = False,
          dask: str | None = None, scheduler: Scheduler | None = None,
          progress: Progress | None = None) -> BuildReport:
    """Build what changed since the last build into `output_dir` and write the report.

    Jobs whose inputs are unchanged are not run (`force` runs them all); the others run in
    `jobs` worker processes (default `[build] jobs`, 0 = one per core), or on the Dask
    scheduler at `dask`. Outputs are written by this process only, each atomically, and the
    build state is updated as each job finishes, so an interrupted build resumes where it
    stopped. Outputs of pages that no longer exist are removed.

    Raises `PublishError` (one line) when the build cannot start (an output folder that
    cannot be created or written, a link in place of the build's own files, a bad timeout),
    or when it finished but could not save its state or report (a full disk).
    """
    from publish.scheduling import (
        InlineScheduler,
        ProcessScheduler,
        default_jobs,
        make_scheduler,
        require_dask,
    )

    started_clock = time.perf_counter()
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise PublishError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if dask is not None and scheduler is None:
        require_dask()
    output_dir = _output_folder(output_dir)
    report = BuildReport(started=datetime.now(UTC).isoformat(timespec="seconds"))
    lock = _lock(output_dir)
    try:
        state = BuildState.load(output_dir)
    except BaseException:
        _unlock(lock)
        raise
    # The renderers asked for their inputs() here also render a small build in this process.
    pool = RendererPool()
    fingerprints = InputFingerprints(config, request.theme, renderer=pool.get)
    report.status = "error"  # until the build gets to its end
    completed = False
    try:
        remove_partial_files(output_dir)
        report.removed = _remove_deleted_pages(request, state, output_dir)
        plan = _plan(request, state, fingerprints, output_dir, force,
                     ship_sources=dask is not None)
        totals: dict[str, int] = {fmt: 0 for fmt in request.formats}
        done: dict[str, int] = {fmt: 0 for fmt in request.formats}
        for outcome in plan.unchanged:
            done[outcome.format] += 1
        for outcome in plan.failed:
            totals[outcome.format] += 1
        for task in plan.tasks:
            for _locale, fmt in task.jobs:
                totals[fmt] += 1
        to_run = sum(totals.values())
        for fmt in request.formats:
            totals[fmt] += done[fmt]
        report.outcomes.extend(plan.unchanged)
        if progress is not None:
            progress.start(totals, done, to_run)
        for outcome in plan.failed:
            _accept(outcome, report, state, plan, output_dir, progress, on_outcome)
        if plan.tasks:
            settings = config.table("build")
            limit = timeout if timeout is not None else float(settings.get("timeout", 300))
            if scheduler is None and dask is None and len(plan.tasks) <= INLINE_PAGES:
                scheduler = InlineScheduler(limit, pool)
            elif scheduler is None:
                count = jobs if jobs is not None else int(settings.get("jobs", 0))
                count = count if count > 0 else default_jobs()
                scheduler = make_scheduler(min(count, len(plan.tasks)), limit, dask)
            report.scheduler = scheduler.name
            if isinstance(scheduler, ProcessScheduler):
                report.scheduler += f" ({scheduler.jobs})"
            try:
                scheduler.run(plan.tasks, config, request.theme, request.formats,
                              lambda outcome: _accept(outcome, report, state, plan, output_dir,
                                                      progress, on_outcome))
            finally:
                report.workers = [stats.to_json() for stats in scheduler.workers]
        report.status = "ok" if report.count("failed") == 0 else "failed"
        completed = True
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    finally:
        fingerprints.close()
        pool.close()
        try:
            problems = _save(state, report, output_dir, started_clock)
        finally:
            _unlock(lock)
            if progress is not None:
                progress.finish(report)  # also stops a live display on the way out
        if problems and completed:
            raise PublishError("; ".join(problems), output_dir)
    return report


def _save(state: BuildState, report: BuildReport, output_dir: Path,
          started_clock: float) -> list[str]:
    """Save the state, then the report: each that can be written is, whatever the other
    does. Returns what could not be (a full disk), as lines for the user."""
    problems = []
    try:
        state.save()
    except (OSError, PublishError) as error:
        reason = describe_os_error(error) if isinstance(error, OSError) else str(error)
        problems.append(f"cannot save the build state ({reason}): the next build runs "
                        "this one's jobs again")
    report.wall_time = time.perf_counter() - started_clock
    try:
        write_file_atomic(output_dir / REPORT_NAME, report.to_json().encode("utf-8"),
                          durable=False)
    except OSError as error:
        problems.append(f"cannot write {REPORT_NAME} ({describe_os_error(error)})")
    return problems


def _output_folder(output_dir: Path) -> Path:
    """The output folder, resolved and created; a one-line error when that is impossible."""
    try:
        output_dir = output_dir.resolve()
        output_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PublishError("is a file, not a folder: choose another output folder",
                           output_dir) from None
    except NotADirectoryError:
        raise PublishError("cannot create the output folder: part of its path is a file, "
                           "not a folder", output_dir) from None
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links
        reason = describe_os_error(error) if isinstance(error, OSError) else str(error)
        raise PublishError(f"cannot create the output folder: {reason}", output_dir) from None
    return output_dir


def _plan(request: BuildRequest, state: BuildState, fingerprints: InputFingerprints,
          output_dir: Path, force: bool, ship_sources: bool) -> _Plan:
    from publish.scheduling import PageTask

    owners, collisions = _claim_outputs(request, state)
    plan = _Plan([], [], [], {}, {}, OutputWriter(output_dir, owners))
    for page in request.pages:
        if page.key in collisions:
            plan.failed.extend(JobOutcome(page.key, locale, fmt, "failed",
                                          error=collisions[page.key])
                               for locale in request.locales for fmt in request.formats)
            continue
        try:
            data = page.path.read_bytes()
        except OSError as error:
            message = f"{page.path}: cannot read: {error.strerror or error}"
            plan.failed.extend(JobOutcome(page.key, locale, fmt, "failed", error=message)
                               for locale in request.locales for fmt in request.formats)
            continue
        page_sha = sha256_bytes(data)
        plan.sources[page.key] = str(page.path.resolve())
        todo: list[tuple[str, str]] = []
        for locale in request.locales:
            for fmt in request.formats:
                job = job_id(page.key, locale, fmt)
                try:
                    fingerprint = fingerprints.job(page_sha, page.key, locale, fmt)
                except (OSError, PublishError) as error:
                    # A catalog or theme file that cannot be read (a folder where a .po
                    # should be…) fails the jobs that need it, not the build.
                    plan.failed.append(JobOutcome(page.key, locale, fmt, "failed",
                                                  error=_input_error(page, error)))
                    continue
                plan.fingerprints[job] = fingerprint
                record = state.jobs.get(job)
                if (not force and record is not None and record.fingerprint == fingerprint
                        and _outputs_intact(output_dir, record)):
                    plan.unchanged.append(JobOutcome(
                        page.key, locale, fmt, "unchanged", outputs=dict(record.outputs),
                        warnings=list(record.warnings),
                        error=record.reason if record.status == "skipped" else None))
                else:
                    todo.append((locale, fmt))
        if todo:
            plan.tasks.append(PageTask(page, tuple(todo), data if ship_sources else None))
    return plan


def _input_error(page: PageRef, error: OSError | PublishError) -> str:
    if isinstance(error, PublishError):
        return _with_path(page, error)
    where = f" {error.filename}" if error.filename else ""
    return f"{page.path}: cannot read{where}: {describe_os_error(error)}"


def planned_name(key: str, locale: str, suffix: str) -> str:
    """An output's path relative to the output folder, as `output_path` will write it."""
    return f"{sanitise_part(locale)}/{output_stem(key)}{suffix}"


def _claim_outputs(request: BuildRequest, state: BuildState) -> tuple[
        dict[str, str | None], dict[str, str]]:
    """Every output name the build may leave in the folder, and the pages that collide.

    Names come from every job asked (page × locale × format × the renderer's suffixes) and
    from the recorded outputs of jobs not asked this time, whose files stay. Two jobs
    claiming one name, exactly or up to case (one file on case-insensitive file systems),
    would overwrite one medicine's leaflet with another's: `foo.md` in sms and `foo.sms.md`
    in audio both make `foo.sms.txt`. Every job of every page involved is refused.

    Returns (case-folded name → the job that owns it, None when claimed by several) and
    (page key → the error for each of its jobs).
    """
    claims: dict[str, list[tuple[str, str]]] = {}
    asked = {page.key for page in request.pages}

    def claim(name: str, job: str) -> None:
        holders = claims.setdefault(name.casefold(), [])
        if (name, job) not in holders:
            holders.append((name, job))

    for page in request.pages:
        for locale in request.locales:
            for fmt in request.formats:
                for suffix in get_renderer_class(fmt).suffixes:
                    claim(planned_name(page.key, locale, suffix), job_id(page.key, locale, fmt))
    for job, record in state.jobs.items():
        page, locale, fmt = split_job_id(job)
        if page in asked and locale in request.locales and fmt in request.formats:
            continue  # replaced by what this build writes for it
        for name in record.outputs:
            claim(name, job)
    owners: dict[str, str | None] = {}
    collisions: dict[str, str] = {}
    paths = {page.key: str(page.path) for page in request.pages}
    for folded, holders in claims.items():
        jobs = {job for _name, job in holders}
        owners[folded] = holders[0][1] if len(jobs) == 1 else None
        if len(jobs) == 1:
            continue
        for name, job in holders:
            page = split_job_id(job)[0]
            if page not in asked or page in collisions:
                continue
            others = [(other_name, other) for other_name, other in holders if other != job]
            collisions[page] = _collision_message(paths[page], name, job, *others[0],
                                                  paths, state)
    return owners, collisions


def _collision_message(path: str, name: str, job: str, other_name: str, other: str,
                       paths: dict[str, str], state: BuildState) -> str:
    page, locale, fmt = split_job_id(job)
    other_page, other_locale, other_fmt = split_job_id(other)
    if other_page == page:
        return (f"{path}: its {fmt} ({locale}) and {other_fmt} ({other_locale}) outputs "
                f"would both be {name}; not built")
    other_path = paths.get(other_page) or state.pages.get(other_page, other_page)
    if other_name == name:
        clash = f"its output {name} would also be an output of {other_path}"
    else:
        clash = (f"its output {name} and {other_name}, an output of {other_path}, differ "
                 "only in case (one file on case-insensitive file systems)")
    return f"{path}: {clash}; rename one of the two pages"


def _outputs_intact(output_dir: Path, record: JobRecord) -> bool:
    """Every file the job wrote last time is still there with the size it had."""
    for name, size in record.outputs.items():
        try:
            if os.stat(os.path.join(output_dir, name)).st_size != size:
                return False
        except OSError:
            return False
    return True


def _remove_deleted_pages(request: BuildRequest, state: BuildState,
                          output_dir: Path) -> list[str]:
    """Remove outputs of recorded pages whose source file is gone (only files we wrote)."""
    requested = {page.key for page in request.pages}
    removed: list[str] = []
    for page, source in list(state.pages.items()):
        if page in requested or Path(source).exists():
            continue
        for job in state.jobs_of(page):
            removed.extend(remove_outputs(output_dir, state.jobs[job].outputs))
            state.forget(job)
        state.forget_page(page)
    return removed


def _accept(outcome: JobOutcome, report: BuildReport, state: BuildState, plan: _Plan,
            output_dir: Path, progress: Progress | None, on_outcome: Any) -> None:
    """Write one finished job's files, then record it: the state never claims a file that is
    not complete on disk."""
    job = job_id(outcome.page, outcome.locale, outcome.format)
    previous = state.jobs.get(job)
    if outcome.status == "written":
        try:
            plan.writer.write(outcome)
        except PublishError as error:
            outcome.status = "failed"
            outcome.error = f"{plan.sources.get(outcome.page, outcome.page)}: {error}"
            outcome.files = []
            # A job is all its files or none: a half-written set is not left behind.
            remove_outputs(output_dir, list(outcome.outputs))
            outcome.outputs = {}
    if outcome.status in ("written", "skipped"):
        if previous is not None:
            stale = [name for name in previous.outputs if name not in outcome.outputs]
            outcome.removed = remove_outputs(output_dir, stale)
        fingerprint = plan.fingerprints.get(job)
        if fingerprint is not None:
            state.record(job, JobRecord(fingerprint, outcome.status, dict(outcome.outputs),
                                        list(outcome.warnings),
                                        outcome.error if outcome.status == "skipped" else None),
                         plan.sources.get(outcome.page))
    elif outcome.status == "failed" and previous is not None:
        # An old leaflet of a page that now fails may carry a dose or a warning that has
        # since changed: better no leaflet than a stale one.
        outcome.removed = remove_outputs(output_dir, previous.outputs)
        state.forget(job)
    report.outcomes.append(outcome)
    if progress is not None:
        progress.advance(outcome)
    if on_outcome is not None:
        on_outcome(outcome)


def _lock(output_dir: Path) -> int:
    """Hold the output folder's lock for the whole build (refusing a second build)."""
    try:
        fd = open_no_follow(output_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    except OSError as error:
        raise PublishError(f"cannot write in the output folder: {describe_os_error(error)}",
                           output_dir) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise PublishError("another build is writing to this output folder", output_dir) \
            from None
    return fd


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
