"""How a build shows itself: a live bar on a terminal, plain lines in CI, a summary table.

Both kinds of progress receive the same three calls from `publish.build.build`: `start` with
the jobs per format (those already up to date count as done), `advance` for each finished job
and `finish` with the report. Neither knows how jobs are scheduled.
"""

from __future__ import annotations

import sys
import time
from typing import IO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from publish.build.report import WITHHELD, BuildReport
from publish.rendering import JobOutcome


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{max(0.0, seconds):.1f} s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:5.1f} jobs/s" if speed else "  –  jobs/s", style="cyan")


class _FailedColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        failed = task.fields.get("failed", 0)
        return Text(f"{failed} failed", style="bold red" if failed else "dim")


class LiveProgress:
    """A rich live display: one bar per format and one for the whole build."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
            _RateColumn(), _FailedColumn(), TimeRemainingColumn(),
            console=self.console, transient=False, refresh_per_second=4)
        self._tasks: dict[str, TaskID] = {}
        self._all: TaskID | None = None

    def start(self, totals: dict[str, int], done: dict[str, int], to_run: int) -> None:
        unchanged = sum(done.values())
        self.console.print(f"{sum(totals.values())} jobs: {unchanged} up to date, "
                           f"{to_run} to run")
        if not to_run:
            return
        for fmt, total in totals.items():
            self._tasks[fmt] = self._progress.add_task(fmt, total=total, completed=done[fmt],
                                                       failed=0)
        self._all = self._progress.add_task("all", total=sum(totals.values()),
                                            completed=unchanged, failed=0)
        self._progress.start()

    def advance(self, outcome: JobOutcome) -> None:
        if self._all is None:
            return
        failed = 1 if outcome.status == "failed" else 0
        for task_id in (self._tasks.get(outcome.format), self._all):
            if task_id is None:
                continue
            task = self._progress._tasks[task_id]
            self._progress.update(task_id, advance=1,
                                  failed=task.fields.get("failed", 0) + failed)
        if failed:
            self._progress.console.print(f"[red]failed[/red]: {outcome.error}",
                                         markup=True, highlight=False, soft_wrap=True)

    def finish(self, report: BuildReport) -> None:
        if self._all is not None:
            self._progress.stop()
        if report.status != "error":
            self.console.print(summary_table(report))
        for line in withheld_lines(report):
            self.console.print(line, highlight=False, soft_wrap=True, markup=False)
        self.console.print(summary_line(report), highlight=False, soft_wrap=True)


class PlainProgress:
    """Plain lines for logs (no terminal): a status line every `interval` seconds and at the
    end, each failure on a line of its own, then the summary table."""

    def __init__(self, stream: IO[str] | None = None, interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._failed = 0
        self._ran = 0
        self._to_run = 0
        self._started = time.monotonic()
        self._last = 0.0

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def start(self, totals: dict[str, int], done: dict[str, int], to_run: int) -> None:
        self._totals, self._done, self._to_run = dict(totals), dict(done), to_run
        self._started = self._last = time.monotonic()
        self._print(f"build: {sum(totals.values())} jobs, {sum(done.values())} up to date, "
                    f"{to_run} to run")

    def advance(self, outcome: JobOutcome) -> None:
        self._done[outcome.format] = self._done.get(outcome.format, 0) + 1
        self._ran += 1
        if outcome.status == "failed":
            self._failed += 1
            self._print(f"failed: {outcome.error}")
        now = time.monotonic()
        if now - self._last >= self.interval or self._ran == self._to_run:
            self._last = now
            self._print(self.status_line(now))

    def status_line(self, now: float) -> str:
        done, total = sum(self._done.values()), sum(self._totals.values())
        elapsed = max(now - self._started, 1e-9)
        rate = self._ran / elapsed
        left = self._to_run - self._ran
        eta = _duration(left / rate) if rate and left else "0 s"
        formats = " ".join(f"{fmt} {self._done.get(fmt, 0)}/{n}"
                           for fmt, n in self._totals.items())
        percent = 100 * done / total if total else 100.0
        return (f"[{done}/{total}] {percent:.0f}% | {formats} | {rate:.1f} jobs/s | "
                f"ETA {eta} | {self._failed} failed")

    def finish(self, report: BuildReport) -> None:
        if report.status != "error":
            console = Console(file=self.stream, width=100, no_color=True, force_terminal=False)
            console.print(summary_table(report, plain=True))
        for line in withheld_lines(report):
            self._print(line)
        self._print(summary_line(report))


class QuietProgress:
    """Failures only (for scripts that read the JSON report)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr

    def start(self, totals: dict[str, int], done: dict[str, int], to_run: int) -> None:
        pass

    def advance(self, outcome: JobOutcome) -> None:
        if outcome.status == "failed":
            print(f"failed: {outcome.error}", file=self.stream, flush=True)

    def finish(self, report: BuildReport) -> None:
        for line in withheld_lines(report):
            print(line, file=self.stream, flush=True)
        print(summary_line(report), file=self.stream, flush=True)


def choose_progress(stream: IO[str] | None = None, quiet: bool = False):  # type: ignore[no-untyped-def]
    """A live bar on a terminal, plain lines otherwise (CI logs, pipes)."""
    stream = stream or sys.stderr
    if quiet:
        return QuietProgress(stream)
    if stream.isatty():
        return LiveProgress(Console(file=stream))
    return PlainProgress(stream)


def summary_table(report: BuildReport, plain: bool = False) -> Table:
    table = Table(title=None, box=box.ASCII if plain else box.SIMPLE_HEAD, show_footer=True)
    rows = report.by_format()
    columns = ("written", "unchanged", "skipped", "withheld", "failed")
    for row in rows.values():
        row["withheld"] = sum(row[status] for status in WITHHELD)
    table.add_column("format", footer="total")
    for column in columns:
        total = sum(int(row[column]) for row in rows.values())
        table.add_column(column, justify="right", footer=str(total))
    table.add_column("output", justify="right",
                     footer=_size(sum(row["bytes"] for row in rows.values())))
    table.add_column("render time", justify="right",
                     footer=_duration(sum(row["seconds"] for row in rows.values())))
    for fmt, row in rows.items():
        cells = [str(int(row[column])) for column in columns]
        if row["failed"] and not plain:
            cells[-1] = f"[bold red]{cells[-1]}[/]"
        table.add_row(fmt, *cells, _size(row["bytes"]), _duration(row["seconds"]))
    return table


WITHHELD_LINES = {
    "untranslated": ("not yet translated", "publish catalog stats -l {locale}"),
    "awaiting-approval": ("awaiting safety approval", "publish catalog approve -l {locale}"),
}


def withheld_lines(report: BuildReport) -> list[str]:
    """One line per locale and reason for the pages withheld (never one per page: a site
    being translated has hundreds), with the command that lists what is missing."""
    lines = []
    for locale, entry in report.withheld().items():
        for status in WITHHELD:
            count = len(entry[status])
            if not count:
                continue
            what, command = WITHHELD_LINES[status]
            noun = "page" if entry["pages"] == 1 else "pages"
            lines.append(f"{locale}: {count} of {entry['pages']} {noun} withheld, {what} — "
                         f"`{command.format(locale=locale)}`"
                         + (" (--strict: a failure)" if report.strict else ""))
    return lines


def summary_line(report: BuildReport) -> str:
    pages = len({outcome.page for outcome in report.outcomes
                 if outcome.status in ("written", "skipped", "failed")})
    rate = f" ({pages / report.wall_time:.1f} pages/s)" if report.wall_time and pages else ""
    removed = f", {len(report.removed)} outputs of removed pages deleted" if report.removed else ""
    status = {"ok": "build finished", "failed": "build finished with failures",
              "interrupted": "build interrupted",
              "error": "build stopped by an error"}.get(report.status, report.status)
    noun = "page" if pages == 1 else "pages"
    withheld = sum(report.count(status) for status in WITHHELD)
    held = f", {withheld} withheld" if withheld else ""
    return (f"{status}: {report.count('written')} written, {report.count('unchanged')} "
            f"unchanged, {report.count('skipped')} skipped{held}, {report.count('failed')} "
            f"failed; "
            f"{pages} {noun} rendered in {report.wall_time:.1f} s{rate}{removed}")


def _size(size: float) -> str:
    size = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
