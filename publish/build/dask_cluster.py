"""Page tasks on a Dask distributed cluster (`--dask ADDRESS`; Dask is the optional extra
`publish[dask]`).

Pages travel to the workers as bytes and outputs come back as bytes, so workers need the
`publish` package but not the content or output folders. Each worker process keeps one warm
renderer pool per configuration, reused by every task (and every build) it runs.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from publish.build.fingerprints import config_fingerprint
from publish.build.scheduling import (
    OutcomeHandler,
    PageTask,
    WorkerStats,
    config_from_wire,
    config_to_wire,
    failed_outcome,
    memory_kb,
)
from publish.config import SiteConfig
from publish.errors import PublishError
from publish.rendering import JobOutcome, RendererPool, iter_render_page

# One warm renderer pool per Dask worker process, keyed by configuration, reused by every task
# (and every build) that worker runs. The lock serialises renders when a worker has several
# threads: renderers hold engines that are not thread-safe (one espeak engine per process).
_REMOTE_POOLS: dict[str, tuple[SiteConfig, Any]] = {}
_REMOTE_LOCK = threading.Lock()


def _close_remote_pools() -> None:
    for _config, pool in _REMOTE_POOLS.values():
        pool.close()
    _REMOTE_POOLS.clear()


atexit.register(_close_remote_pools)


def render_task_remote(task: PageTask, wire: Mapping[str, Any],
                       theme: str | None) -> tuple[list[JobOutcome], dict[str, Any]]:
    """The page function as a Dask task: outcomes (with bytes) go back to the client."""
    with _REMOTE_LOCK:
        key = wire["key"]
        if key not in _REMOTE_POOLS:
            _close_remote_pools()  # a new configuration: the old renderers are not reused
            _REMOTE_POOLS[key] = (config_from_wire(wire), RendererPool())
        config, pool = _REMOTE_POOLS[key]
        outcomes = list(iter_render_page(task.page, config, task.jobs, pool, theme,
                                         source=task.source, site=task.site))
        rss, peak = memory_kb()
    return outcomes, {"pid": os.getpid(), "host": os.uname().nodename, "rss_kb": rss,
                      "peak_kb": peak}


class DaskScheduler:
    """Runs page tasks on a Dask distributed cluster; `local:N` starts a LocalCluster.

    Pages travel to the workers as bytes and outputs come back as bytes, so workers need the
    `publish` package but not the content or output folders. Dask cannot interrupt a running
    task, so the timeout is a stall guard: when no task finishes for `timeout` × the most jobs
    a page has, the tasks still pending fail.
    """

    name = "dask"

    def __init__(self, address: str, timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self.workers: list[WorkerStats] = []

    def _client(self) -> tuple[Any, Any]:
        require_dask()
        from distributed import Client, LocalCluster

        if self.address.startswith("local:"):
            try:
                count = int(self.address.split(":", 1)[1])
            except ValueError:
                raise PublishError(f"--dask {self.address}: expected local:N, N a number of "
                                   "workers") from None
            # Processes, one thread each: renderers keep per-process engines (see above).
            cluster = LocalCluster(n_workers=max(1, count), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            return Client(cluster), cluster
        try:
            return Client(self.address, timeout=10), None
        except (OSError, TimeoutError) as error:
            raise PublishError(f"cannot reach the Dask scheduler at {self.address}: "
                               f"{error}") from None

    def run(self, tasks: Iterable[PageTask], config: SiteConfig, theme: str | None,
            formats: Sequence[str], on_outcome: OutcomeHandler) -> None:
        tasks = list(tasks)
        if not tasks:
            return
        client, cluster = self._client()
        from distributed import wait as dask_wait

        stats: dict[tuple[str, int], WorkerStats] = {}
        try:
            wire = config_to_wire(config)
            wire["key"] = config_fingerprint(config) + (config.raw_hash or "")
            [wire_future] = client.scatter([wire], broadcast=True)
            futures = {client.submit(render_task_remote, task, wire_future, theme, pure=False,
                                     key=f"publish-page-{index}"): task
                       for index, task in enumerate(tasks)}
            stall = self.timeout * max(len(task.jobs) for task in tasks)
            pending = set(futures)
            while pending:
                try:
                    done, pending = dask_wait(list(pending), timeout=stall,
                                              return_when="FIRST_COMPLETED")
                except TimeoutError:
                    for future in pending:
                        task = futures[future]
                        future.cancel()
                        for locale, fmt in task.jobs:
                            on_outcome(failed_outcome(
                                task.page, locale, fmt,
                                f"no Dask task finished in {stall:g} s ([build] timeout × "
                                "jobs per page)"))
                    break
                pending = set(pending)
                for future in done:
                    task = futures.pop(future)
                    try:
                        outcomes, memory = future.result()
                    except PublishError as error:
                        outcomes, memory = [failed_outcome(task.page, loc, fmt, str(error))
                                            for loc, fmt in task.jobs], None
                    except Exception as error:  # noqa: BLE001 (any worker failure fails the page)
                        message = f"Dask task failed: {type(error).__name__}: {error}"
                        outcomes, memory = [failed_outcome(task.page, loc, fmt, message)
                                            for loc, fmt in task.jobs], None
                    future.release()
                    for outcome in outcomes:
                        on_outcome(outcome)
                    if memory is not None:
                        worker_key = (memory["host"], memory["pid"])
                        if worker_key not in stats:
                            stats[worker_key] = WorkerStats(
                                f"dask-{memory['host']}-{memory['pid']}", memory["pid"])
                            self.workers.append(stats[worker_key])
                        stats[worker_key].sample(memory["rss_kb"], memory["peak_kb"])
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def require_dask() -> None:
    """Raise a one-line error when Dask is not installed (it is an optional extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        raise PublishError("--dask needs Dask, an optional extra: pip install "
                           f"'publish[dask]' (import failed: {error})") from None
