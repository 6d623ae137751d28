"""What a build did: every job's outcome, counts and sizes per format, workers' memory.

Written to `<output>/build-report.json` at the end of every build (also one stopped by Ctrl-C
or an error), and returned by `publish.build.build`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from publish.localise import WITHHELD
from publish.rendering import JobOutcome

REPORT_NAME = "build-report.json"
# WITHHELD: a page not published in a locale yet, for a normal reason (`publish.localise`):
# not a failure unless the build is strict.
STATUSES = ("written", "unchanged", "skipped", *WITHHELD, "failed")


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
    strict: bool = False
    """Withheld pages fail the build (`--strict`, `[build] strict`)."""
    site: dict[str, Any] = field(default_factory=dict)
    """The site's indexes: `written`, `removed`, `problems` (`publish.site.SiteResult`)."""

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and self.status == "ok"

    def finished_status(self) -> str:
        """`ok` or `failed` for a build that ran to its end."""
        failed = self.count("failed") or (self.strict and any(
            outcome.status in WITHHELD for outcome in self.outcomes))
        return "failed" if failed else "ok"

    def withheld(self) -> dict[str, dict[str, Any]]:
        """Per locale: how many pages the build covered, and the pages withheld, by status,
        each with the strings that hold it back (one entry per page, whatever the formats)."""
        pages: dict[str, set[str]] = {}
        table: dict[str, dict[str, Any]] = {}
        for outcome in self.outcomes:
            pages.setdefault(outcome.locale, set()).add(outcome.page)
            if outcome.status not in WITHHELD:
                continue
            entry = table.setdefault(outcome.locale, {status: {} for status in WITHHELD})
            entry[outcome.status].setdefault(outcome.page, {"reason": outcome.error,
                                                            "missing": outcome.missing})
        for locale, entry in table.items():
            entry["pages"] = len(pages[locale])
        return dict(sorted(table.items()))

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
            "strict": self.strict, "withheld": self.withheld(),
            "site": self.site, "jobs": jobs}, ensure_ascii=False, indent=1) + "\n"
