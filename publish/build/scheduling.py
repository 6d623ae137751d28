"""Where page tasks run: in this process or in local worker processes (a Dask cluster:
`publish.build.dask_cluster`).

The unit of work is a page task: one page with the (locale, format) jobs it still needs, so the
page is read once however many outputs it has. Every scheduler runs the same page function
(`publish.rendering.iter_render_page`) and hands each job's outcome, bytes included, back to
the caller, which alone writes files. The scheduler knows no format and no file layout.

Worker processes use the `spawn` start method: the speech engine hangs in children forked from
a process that already used it (pyttsx3 issue #131), and a fresh interpreter keeps memory flat.
Each worker keeps one `RendererPool` for its whole life, so fonts, CSS and engines stay warm.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import MappingProxyType
from typing import Any

from publish.config import SiteConfig
from publish.pages import PageRef
from publish.rendering import JobOutcome, RendererPool, iter_render_page

OutcomeHandler = Callable[[JobOutcome], None]

# Seconds a new worker may take to import and warm its renderers before it counts as failed.
STARTUP_GRACE = 120.0
# Consecutive worker start failures after which the remaining tasks are failed, not retried.
MAX_START_FAILURES = 3
# A worker whose resident memory passes this after a page is replaced by a fresh one, so a
# leak in a library cannot grow a long build's memory without bound.
RECYCLE_RSS_KB = 350 * 1024


@dataclass(frozen=True)
class PageTask:
    page: PageRef
    jobs: tuple[tuple[str, str], ...]
    """(locale, format) pairs to render, in order."""
    source: bytes | None = None
    """The page's bytes, for workers that cannot see the content folder (Dask)."""
    site: dict[str, Any] | None = None
    """Locale → the page's links in the site (`publish.site.links.page_links`)."""


@dataclass
class WorkerStats:
    """Memory and load of one worker process, for the build report."""

    name: str
    pid: int | None = None
    pages: int = 0
    peak_rss_kb: int = 0
    rss_kb: list[int] = field(default_factory=list)
    """Resident set size after each page, in order: flat means no growth over the run."""

    def sample(self, rss_kb: int, peak_kb: int) -> None:
        self.pages += 1
        self.rss_kb.append(rss_kb)
        self.peak_rss_kb = max(self.peak_rss_kb, peak_kb, rss_kb)

    def to_json(self) -> dict[str, Any]:
        samples = self.rss_kb
        quarter = max(1, len(samples) // 4)
        return {"name": self.name, "pid": self.pid, "pages": self.pages,
                "peak_rss_mb": round(self.peak_rss_kb / 1024, 1),
                "rss_first_quarter_mb": _mean_mb(samples[:quarter]),
                "rss_last_quarter_mb": _mean_mb(samples[-quarter:]),
                "rss_by_quarter_mb": [_mean_mb(samples[i * quarter:(i + 1) * quarter])
                                      for i in range(4)] if len(samples) >= 4 else []}


def _mean_mb(samples: Sequence[int]) -> float | None:
    return round(sum(samples) / len(samples) / 1024, 1) if samples else None


def memory_kb() -> tuple[int, int]:
    """(current, peak) resident set size of this process in KiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    try:
        with open("/proc/self/statm", "rb") as handle:
            resident_pages = int(handle.read().split()[1])
        current = resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        current = peak
    return current, peak


# --- configuration across process boundaries ------------------------------------------------


def config_to_wire(config: SiteConfig) -> dict[str, Any]:
    """A picklable form of the configuration (its tables are read-only mapping proxies)."""
    return {"root": str(config.root), "path": str(config.path) if config.path else None,
            "raw_hash": config.raw_hash,
            "tables": {name: dict(values) for name, values in config.tables.items()}}


def config_from_wire(wire: Mapping[str, Any]) -> SiteConfig:
    tables = {name: MappingProxyType(dict(values)) for name, values in wire["tables"].items()}
    return SiteConfig(root=Path(wire["root"]), tables=MappingProxyType(tables),
                      path=Path(wire["path"]) if wire["path"] else None,
                      raw_hash=wire["raw_hash"])


def failed_outcome(page: PageRef, locale: str, fmt: str, message: str) -> JobOutcome:
    return JobOutcome(page.key, locale, fmt, "failed", error=f"{page.path}: {message}")


def job_timed_out(locale: str, fmt: str, timeout: float) -> str:
    return f"{fmt} ({locale}) timed out after {timeout:g} s ([build] timeout)"


def reading_timed_out(timeout: float) -> str:
    # Reading is shared by every job of the page: retrying it for each job would hold a
    # worker for the sum of all their timeouts, so the page fails once, whole.
    return f"reading the page timed out after {timeout:g} s ([build] timeout); no job ran"


# --- in this process ------------------------------------------------------------------------


class JobTimeout(BaseException):
    """Raised by the alarm inside a job that ran out of time (a BaseException, so that a
    renderer's `except Exception` cannot swallow it)."""


class InlineScheduler:
    """Runs tasks one after another in this process.

    Used for builds of a page or two, where starting a worker costs more than the pages, and
    by tests. The timeout uses an interval timer, so it holds only in the main thread and
    interrupts Python code (a C call finishes first).
    """

    name = "inline"

    def __init__(self, timeout: float | None = None, pool: Any = None) -> None:
        self.timeout = timeout
        self.pool = pool
        self.workers: list[WorkerStats] = []

    def run(self, tasks: Iterable[PageTask], config: SiteConfig, theme: str | None,
            formats: Sequence[str], on_outcome: OutcomeHandler) -> None:
        stats = WorkerStats("inline", os.getpid())
        self.workers.append(stats)
        pool = self.pool if self.pool is not None else RendererPool()
        try:
            for task in tasks:
                self._run_task(task, config, theme, pool, on_outcome)
                stats.sample(*memory_kb())
        finally:
            if pool is not self.pool:
                pool.close()

    def _run_task(self, task: PageTask, config: SiteConfig, theme: str | None, pool: Any,
                  on_outcome: OutcomeHandler) -> None:
        pending = list(task.jobs)
        alarm = (self.timeout is not None
                 and threading.current_thread() is threading.main_thread())
        previous = signal.signal(signal.SIGALRM, _raise_timeout) if alarm else None
        read: list[bool] = []
        try:
            while pending:
                read.clear()
                try:
                    if alarm:
                        signal.setitimer(signal.ITIMER_REAL, self.timeout, _ALARM_REPEAT)
                    for outcome in iter_render_page(task.page, config, pending, pool, theme,
                                                    source=task.source, site=task.site,
                                                    on_read=lambda: read.append(True)):
                        if alarm:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                        pending.remove((outcome.locale, outcome.format))
                        on_outcome(outcome)
                        if alarm:
                            signal.setitimer(signal.ITIMER_REAL, self.timeout, _ALARM_REPEAT)
                except JobTimeout:
                    if alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    assert self.timeout is not None
                    if not read:
                        for locale, fmt in pending:
                            on_outcome(failed_outcome(task.page, locale, fmt,
                                                      reading_timed_out(self.timeout)))
                        pending.clear()
                        continue
                    locale, fmt = pending.pop(0)
                    on_outcome(failed_outcome(task.page, locale, fmt,
                                              job_timed_out(locale, fmt, self.timeout)))
                finally:
                    if alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            if alarm:
                signal.signal(signal.SIGALRM, previous)


# The alarm keeps ringing every 50 ms until the job stops: Python ignores an exception raised
# inside a finaliser (WeasyPrint's `FontConfiguration.__del__` runs often), so one ring can be
# lost and the job would run past its timeout.
_ALARM_REPEAT = 0.05


def _raise_timeout(signum: int, frame: Any) -> None:
    raise JobTimeout()


# --- local worker processes -----------------------------------------------------------------


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the build process dies (even by kill -9)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker still exits when its pipe to the parent closes


def worker_main(conn: Connection, wire: Mapping[str, Any], theme: str | None,
                formats: Sequence[str]) -> None:
    """Entry point of a worker process: warm the renderers, then render tasks until told."""
    _die_with_parent()
    # Ctrl-C reaches the whole process group; the parent decides how the build stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = config_from_wire(wire)
    pool = RendererPool()
    for fmt in formats:
        try:
            pool.get(fmt)
        except Exception:  # noqa: BLE001 (each job of that format reports it, with the page)
            pass
    try:
        conn.send(("ready", os.getpid(), *memory_kb()))
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message[0] == "stop":
                return
            task: PageTask = message[1]
            for outcome in iter_render_page(task.page, config, task.jobs, pool, theme,
                                            source=task.source, site=task.site,
                                            on_read=lambda: conn.send(("read",))):
                conn.send(("job", outcome))
            conn.send(("done", *memory_kb()))
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent is gone: nothing to report to
    finally:
        pool.close()


class _Worker:
    def __init__(self, context: Any, stats: WorkerStats, args: tuple[Any, ...]) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.conn: Connection = parent_end
        self.process = context.Process(target=worker_main, args=(child_end, *args),
                                       name=stats.name, daemon=True)
        self.process.start()
        child_end.close()  # so that the child's death reads as EOF here
        self.stats = stats
        self.stats.pid = self.process.pid
        self.ready = False
        self.retire = False
        self.task: PageTask | None = None
        self.pending: list[tuple[str, str]] = []
        self.reading = False
        """The worker is still reading its task's page (no job has started)."""
        self.deadline = time.monotonic() + STARTUP_GRACE

    def assign(self, task: PageTask, timeout: float) -> None:
        self.task, self.pending, self.reading = task, list(task.jobs), True
        self.deadline = time.monotonic() + timeout
        self.conn.send(("task", task))

    def stop(self, kill: bool = False) -> None:
        if self.process.is_alive():
            if kill:
                self.process.kill()
            else:
                try:
                    self.conn.send(("stop",))
                except (BrokenPipeError, OSError):
                    self.process.kill()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class ProcessScheduler:
    """Runs page tasks in `jobs` spawned worker processes with a per-job timeout.

    A worker reports each job as it finishes; a job that takes longer than `timeout` seconds
    gets its worker killed and replaced, the job fails with a message saying so, and the page's
    other jobs go back in the queue. A worker that dies takes only its current job with it.
    """

    name = "processes"

    def __init__(self, jobs: int, timeout: float) -> None:
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.workers: list[WorkerStats] = []

    def run(self, tasks: Iterable[PageTask], config: SiteConfig, theme: str | None,
            formats: Sequence[str], on_outcome: OutcomeHandler) -> None:
        queue = deque(tasks)
        if not queue:
            return
        context = multiprocessing.get_context("spawn")
        args = (config_to_wire(config), theme, tuple(formats))
        workers: list[_Worker] = []
        start_failures = 0

        def start_worker() -> None:
            stats = WorkerStats(f"worker-{len(self.workers) + 1}")
            self.workers.append(stats)
            workers.append(_Worker(context, stats, args))

        def fail_task_jobs(worker: _Worker, message: str) -> None:
            """Fail the job in flight and put the page's other jobs back in the queue; a
            page that was still being read fails whole (reading it again would too)."""
            task = worker.task
            worker.task = None
            if task is None or not worker.pending:
                return
            if worker.reading:
                for job in worker.pending:
                    on_outcome(failed_outcome(task.page, *job, message))
                worker.pending = []
                return
            current, rest = worker.pending[0], worker.pending[1:]
            on_outcome(failed_outcome(task.page, *current, message))
            if rest:
                queue.appendleft(PageTask(task.page, tuple(rest), task.source, task.site))
            worker.task, worker.pending = None, []

        try:
            for _ in range(min(self.jobs, len(queue))):
                start_worker()
            while workers:
                for worker in list(workers):
                    if worker.retire and worker.task is None:
                        worker.stop()
                        workers.remove(worker)
                        if queue:
                            start_worker()
                        continue
                    if worker.ready and worker.task is None and queue:
                        task = queue.popleft()
                        try:
                            worker.assign(task, self.timeout)
                        except OSError:  # died while idle (killed from outside)
                            queue.appendleft(task)
                            worker.task = None
                            worker.stop(kill=True)
                            workers.remove(worker)
                            start_worker()
                busy = [w for w in workers if w.task is not None or not w.ready]
                if not busy:
                    break
                now = time.monotonic()
                wait_for = max(0.0, min(w.deadline for w in busy) - now)
                readable = wait([w.conn for w in busy], timeout=wait_for)
                replaced: list[_Worker] = []
                for worker in busy:
                    if worker.conn not in readable:
                        continue
                    try:
                        while worker.conn.poll():
                            self._handle(worker, worker.conn.recv(), on_outcome)
                    except (EOFError, OSError):
                        code = _exit_code(worker)
                        if not worker.ready:
                            start_failures += 1
                        doing = "reading this page" if worker.reading else "rendering this job"
                        fail_task_jobs(worker, f"worker process died (exit code {code}) "
                                               f"while {doing}")
                        replaced.append(worker)
                    else:
                        if worker.ready:
                            start_failures = 0
                now = time.monotonic()
                for worker in busy:
                    if worker in replaced or now < worker.deadline:
                        continue
                    if not worker.ready:
                        start_failures += 1
                    elif worker.reading:
                        fail_task_jobs(worker, reading_timed_out(self.timeout))
                    else:
                        locale, fmt = worker.pending[0] if worker.pending else ("", "")
                        fail_task_jobs(worker, job_timed_out(locale, fmt, self.timeout))
                    replaced.append(worker)
                for worker in replaced:
                    worker.stop(kill=True)
                    workers.remove(worker)
                if start_failures >= MAX_START_FAILURES:
                    while queue:
                        task = queue.popleft()
                        for locale, fmt in task.jobs:
                            on_outcome(failed_outcome(task.page, locale, fmt,
                                                      "worker processes fail to start"))
                    continue
                for _ in replaced:
                    if queue and len(workers) < self.jobs:
                        start_worker()
        finally:
            for worker in workers:
                worker.stop(kill=worker.task is not None)

    def _handle(self, worker: _Worker, message: tuple[Any, ...],
                on_outcome: OutcomeHandler) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            worker.stats.peak_rss_kb = max(worker.stats.peak_rss_kb, message[2], message[3])
        elif kind == "read":
            worker.reading = False
        elif kind == "job":
            outcome = message[1]
            worker.reading = False
            job = (outcome.locale, outcome.format)
            if job in worker.pending:
                worker.pending.remove(job)
            worker.deadline = time.monotonic() + self.timeout
            on_outcome(outcome)
        elif kind == "done":
            worker.stats.sample(message[1], message[2])
            worker.task, worker.pending = None, []
            worker.retire = message[1] > RECYCLE_RSS_KB


def _exit_code(worker: _Worker) -> int | None:
    worker.process.join(timeout=5)
    return worker.process.exitcode


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
