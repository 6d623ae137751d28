"""`build()`: plan, run what changed, write each outcome as it arrives, record and report.

The build process alone writes files: outcomes come back from the scheduler with their bytes,
and each is written (`publish.build.outputs`) then recorded in the state
(`publish.build.state`) before the next is taken, so the state never claims a file that is
not complete on disk. The output folder is locked for the whole build.
"""

from __future__ import annotations

import fcntl
import math
import os
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from publish.build.dask_cluster import DaskScheduler, require_dask
from publish.build.fingerprints import InputFingerprints
from publish.build.outputs import OutputWriter, remove_outputs
from publish.build.plan import BuildRequest, Plan, make_plan, remove_deleted_pages
from publish.build.report import REPORT_NAME, WITHHELD, BuildReport
from publish.build.scheduling import InlineScheduler, ProcessScheduler, default_jobs
from publish.build.site import relink, write_indexes
from publish.build.state import BuildState, JobRecord, job_id
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.files import (
    describe_os_error,
    open_no_follow,
    remove_partial_files,
    write_file_atomic,
)
from publish.rendering import JobOutcome, RendererPool

LOCK_NAME = ".publish-lock"
# Up to this many pages to render, the build renders them itself: starting a worker process
# (interpreter, imports, fonts) costs more than a page or two.
INLINE_PAGES = 2


class Progress(Protocol):
    def start(self, totals: dict[str, int], done: dict[str, int], to_run: int) -> None: ...

    def advance(self, outcome: JobOutcome) -> None: ...

    def finish(self, report: BuildReport) -> None: ...


class Scheduler(Protocol):
    name: str
    workers: list[Any]

    def run(self, tasks: Iterable[Any], config: SiteConfig, theme: str | None,
            formats: Sequence[str], on_outcome: Any) -> None: ...


def build(request: BuildRequest, config: SiteConfig, output_dir: Path, on_outcome=None,  # type: ignore[no-untyped-def]
          *, jobs: int | None = None, timeout: float | None = None, force: bool = False,
          dask: str | None = None, scheduler: Scheduler | None = None,
          progress: Progress | None = None, strict: bool = False) -> BuildReport:
    """Build what changed since the last build into `output_dir` and write the report.

    Jobs whose inputs are unchanged are not run (`force` runs them all); the others run in
    `jobs` worker processes (default `[build] jobs`, 0 = one per core), or on the Dask
    scheduler at `dask`. Outputs are written by this process only, each atomically, and the
    build state is updated as each job finishes, so an interrupted build resumes where it
    stopped. Outputs of pages that no longer exist are removed. A page withheld in a locale
    (translation in progress or awaiting approval) is reported, not failed, unless `strict`.

    Raises `PublishError` (one line) when the build cannot start (an output folder that
    cannot be created or written, a link in place of the build's own files, a bad timeout),
    or when it finished but could not save its state or report (a full disk).
    """
    started_clock = time.perf_counter()
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise PublishError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if dask is not None and scheduler is None:
        require_dask()
    output_dir = _output_folder(output_dir)
    report = BuildReport(started=datetime.now(UTC).isoformat(timespec="seconds"),
                         strict=strict)
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
        report.removed = remove_deleted_pages(request, state, output_dir)
        plan = make_plan(request, state, fingerprints, output_dir, force,
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
        _update_site(request, config, output_dir, state, plan, report, pool, on_outcome)
        report.status = report.finished_status()
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


def _update_site(request: BuildRequest, config: SiteConfig, output_dir: Path,
                 state: BuildState, plan: Plan, report: BuildReport, pool: RendererPool,
                 on_outcome: Any) -> None:
    """Leaflet pages whose links the build made wrong are rendered again; then the indexes
    are written (`publish.build.site`)."""
    plan.writer = OutputWriter(output_dir, plan.writer.owners)  # these pages are rewritten
    redone: set[str] = set()

    def accept(outcome: JobOutcome, fingerprint: str) -> None:
        job = job_id(outcome.page, outcome.locale, outcome.format)
        plan.fingerprints[job] = fingerprint
        redone.add(job)
        _accept(outcome, report, state, plan, output_dir, None, on_outcome)

    timeout = float(config.table("build").get("timeout", 300))
    pages = {page.key: page for page in request.pages}
    if relink(pages, plan.links, plan.base_fingerprints, state, config, request.theme, pool,
              timeout, accept):
        # one line per job in the report: the outcome of the second rendering
        last = {job_id(o.page, o.locale, o.format): o for o in report.outcomes}
        report.outcomes = [o for o in report.outcomes
                           if job_id(o.page, o.locale, o.format) not in redone
                           or last[job_id(o.page, o.locale, o.format)] is o]
    report.site = write_indexes(output_dir, config, request.theme, state).to_json()


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


def _accept(outcome: JobOutcome, report: BuildReport, state: BuildState, plan: Plan,
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
    if outcome.status in ("written", "skipped", *WITHHELD):
        if previous is not None:
            # A withheld page's old leaflet in this locale translates an older source (or
            # wording no reviewer approved): removed, never left looking current.
            stale = [name for name in previous.outputs if name not in outcome.outputs]
            outcome.removed = remove_outputs(output_dir, stale)
        fingerprint = plan.fingerprints.get(job)
        if fingerprint is not None:
            written = outcome.status == "written"
            state.record(job, JobRecord(fingerprint, outcome.status, dict(outcome.outputs),
                                        list(outcome.warnings),
                                        None if written else outcome.error,
                                        list(outcome.missing)),
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


def make_scheduler(jobs: int, timeout: float, dask: str | None = None) -> Scheduler:
    """Local worker processes, or the Dask cluster at `dask` (`local:N` starts one)."""
    if dask:
        return DaskScheduler(dask, timeout)
    return ProcessScheduler(jobs, timeout)
