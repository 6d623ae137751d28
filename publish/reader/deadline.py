"""The time bound on reading one page (`[site] read_timeout`).

Every pattern the reader runs is linear, but a page is hostile input: reading it must end
whatever it holds. Two mechanisms share one deadline:

- a cooperative check (`check_deadline`), called in the reader's loops and where markdown-it
  starts each block and each inline token; it holds in any thread (Dask runs tasks in
  threads, where no signal can be used);
- in the main thread (`publish check`, `show`, the build's worker processes), an interval
  timer as well, which also interrupts one long step that never reaches a check (`re`
  checks for signals while matching, markdown-it is Python).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from publish.config import SiteConfig
from publish.errors import ConfigError


class ReadTimeout(BaseException):
    """Reading a page ran out of time. A BaseException, so that no `except Exception` in the
    reader or in markdown-it can swallow it; `read_page` turns it into a `PageError`."""


_DEADLINE: ContextVar[float | None] = ContextVar("publish_read_deadline", default=None)


def check_deadline() -> None:
    """Raise `ReadTimeout` when the page being read is past its deadline."""
    end = _DEADLINE.get()
    if end is not None and time.monotonic() > end:
        raise ReadTimeout()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound what runs inside to `seconds` (see the module docstring).

    An alarm already set that rings first (the build's job timeout, also an interval
    timer) is left alone; one that rings later is set again, with the time left, when the
    page is read.
    """
    token: Token[float | None] | None = _DEADLINE.set(time.monotonic() + seconds)
    alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL) if alarm else (0.0, 0.0)
    alarm = alarm and not 0 < outer_delay <= seconds
    previous = signal.signal(signal.SIGALRM, _ring) if alarm else None
    started = time.monotonic()
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        while True:
            # The alarm may ring during the clean-up itself (`signal.signal` runs pending
            # handlers): clean up again rather than leave this handler in place.
            try:
                if alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM,
                                  signal.SIG_DFL if previous is None else previous)
                    alarm = False
                    if outer_delay > 0:
                        left = outer_delay - (time.monotonic() - started)
                        signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)
                if token is not None:
                    _DEADLINE.reset(token)
                    token = None
                break
            except ReadTimeout:
                continue


def _ring(signum: int, frame: Any) -> None:
    raise ReadTimeout()


def read_timeout(config: SiteConfig) -> float:
    """`[site] read_timeout`, which must be a positive number of seconds."""
    seconds = config.site["read_timeout"]
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"[site] read_timeout: expected a positive number of seconds, got "
                          f"{seconds!r}", config.path)
    return float(seconds)
